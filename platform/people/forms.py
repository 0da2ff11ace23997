from django import forms
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm

from cldc.platform.people import lockout
from cldc.themes.forms import GDSFormMixin

EMAIL_ERRORS = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
}


class SignInForm(GDSFormMixin, forms.Form):
    submit_label = "Sign in"

    email = forms.EmailField(label="Email address", error_messages=EMAIL_ERRORS)
    password = forms.CharField(
        label="Password", strip=False, widget=forms.PasswordInput, error_messages={"required": "Enter your password"}
    )

    def __init__(self, request, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs.update(autocomplete="email", spellcheck="false")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")

    def clean(self):
        email, password = self.cleaned_data.get("email"), self.cleaned_data.get("password")
        if not email or password is None:
            return self.cleaned_data
        with lockout.one_attempt_at_a_time(email):
            self.user = authenticate(self.request, email=email, password=password)
        if self.user is None:
            # Said for any address, known or not: the lock reveals nothing about accounts.
            if lockout.refused_as_locked(self.request):
                raise forms.ValidationError(
                    {
                        "email": "Your account is locked because of too many failed sign-in attempts. "
                        f"Try again in {settings.SIGN_IN_LOCKOUT_MINUTES} minutes, or reset your password."
                    }
                )
            raise forms.ValidationError({"email": "Enter a correct email address and password"})
        return self.cleaned_data


class TwoFactorCodeForm(GDSFormMixin, forms.Form):
    code = forms.CharField(
        label="Security code",
        help_text="The 6-digit code from your authenticator app",
        max_length=6,
        error_messages={"required": "Enter the security code"},
    )

    def __init__(self, device, *args, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            autocomplete="one-time-code", inputmode="numeric", spellcheck="false", **{"class": "govuk-input--width-5"}
        )

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        if not code.isdecimal() or len(code) != 6:
            raise forms.ValidationError("Enter the 6-digit security code")
        allowed, _ = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError("Too many wrong codes. Wait a minute and try again")
        if not self.device.verify_token(code):
            raise forms.ValidationError("The security code is not correct. Check your app and try again")
        return code


class RequestPasswordResetForm(GDSFormMixin, PasswordResetForm):
    submit_label = "Send reset link"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = "Email address"
        self.fields["email"].error_messages = EMAIL_ERRORS


class ChooseNewPasswordForm(GDSFormMixin, SetPasswordForm):
    """Used by password reset and by accepting an invitation. Setting a password
    also lifts a lockout: a person who reset their password can sign in again."""

    submit_label = "Save password"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = "New password"
        self.fields["new_password1"].help_text = "Use at least 12 characters. Avoid common words and passwords."
        self.fields["new_password2"].label = "Confirm new password"
        self.fields["new_password1"].error_messages["required"] = "Enter a new password"
        self.fields["new_password2"].error_messages["required"] = "Confirm your new password"
        for name in ("new_password1", "new_password2"):
            self.fields[name].widget.attrs["autocomplete"] = "new-password"

    def save(self, commit=True):
        user = super().save(commit)
        lockout.lift(user.email)
        return user
