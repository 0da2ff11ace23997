"""Forms for the People screens. Neither form has a password or the lockout
counters: people choose their password from the invitation email, and support
clears a lockout with the Unlock action."""

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm

from cldc.platform.people.models import User


class PersonForm(WagtailAdminModelForm):
    class Meta:
        model = User
        fields = ["name", "email", "phone", "staff_role", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = "Full name"
        if "is_active" in self.fields:
            self.fields["is_active"].label = "Active"
        # An empty staff role is the common case: providers get their role from a membership.
        self.fields["staff_role"].choices = [("", "None (a data provider or coordinator)"), *self.fields["staff_role"].choices[1:]]

    def clean_email(self):
        # Emails are stored lower case (User.save), so compare without case:
        # the unique constraint alone would let Jo@x and jo@x through to an IntegrityError.
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError("This email address already has an account")
        return email

    def clean_is_active(self):
        is_active = self.cleaned_data["is_active"]
        if not is_active and self.instance.pk and self.instance.pk == getattr(self.for_user, "pk", None):
            raise forms.ValidationError("You cannot deactivate your own account")
        return is_active


class InvitePersonForm(PersonForm):
    """Adding a person sends an invitation; the account is active from the start."""

    class Meta(PersonForm.Meta):
        fields = ["name", "email", "phone", "staff_role"]
