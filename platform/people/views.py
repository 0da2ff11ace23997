"""Signing in and out, two-factor authentication, password reset, invitations
and the person's own account page."""

import base64

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.people.forms import ChooseNewPasswordForm, RequestPasswordResetForm, SignInForm, TwoFactorCodeForm
from cldc.platform.people.invitations import invitation_tokens


def with_next(url_name, target):
    return f"{reverse(url_name)}?{urlencode({'next': target})}"


def safe_next(request, default="/"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return default


class SignInView(FormView):
    template_name = "people/sign_in.html"
    form_class = SignInForm

    def get_form_kwargs(self):
        return {"request": self.request, **super().get_form_kwargs()}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page_title="Sign in", next=safe_next(self.request, ""), **kwargs)

    def form_valid(self, form):
        login(self.request, form.user)
        form.user.memberships.filter(awaiting_sign_in=True).update(awaiting_sign_in=False)
        target = safe_next(self.request)
        if form.user.is_staff:  # staff must pass two-factor before going anywhere
            return redirect(with_next("two-factor", target))
        return redirect(target)


@require_POST
def sign_out(request):
    logout(request)
    messages.success(request, "You have signed out")
    return redirect("sign-in")


def confirmed_device(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@login_required
def two_factor(request):
    """Ask for the code from an authenticator app; set one up on first use."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect(with_next("two-factor-set-up", safe_next(request)))
    form = TwoFactorCodeForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(safe_next(request))
    return render(request, "people/two_factor.html", {"form": form, "page_title": "Enter your security code"})


@login_required
def two_factor_set_up(request):
    """Staff set up an authenticator app: scan the QR code (or type the key), then
    prove it works by entering a code."""
    if confirmed_device(request.user):
        return redirect("two-factor")
    device, _ = TOTPDevice.objects.get_or_create(user=request.user, confirmed=False, defaults={"name": "Authenticator app"})
    form = TwoFactorCodeForm(device, request.POST or None)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        otp_login(request, device)
        messages.success(request, "Two-factor authentication is set up")
        return redirect(safe_next(request))
    key = base64.b32encode(device.bin_key).decode()
    qr_svg = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage).to_string(encoding="unicode")
    return render(
        request,
        "people/two_factor_set_up.html",
        {"form": form, "page_title": "Set up two-factor authentication", "key": key, "qr_svg": qr_svg},
    )


class RequestPasswordResetView(auth_views.PasswordResetView):
    """Self-service: anyone can ask for a reset link. The answer is the same whether
    or not the address has an account, so it reveals nothing."""

    form_class = RequestPasswordResetForm
    template_name = "pages/form.html"
    email_template_name = "people/email/password_reset.txt"
    subject_template_name = "people/email/password_reset_subject.txt"
    success_url = reverse_lazy("password-reset-sent")
    extra_context = {
        "page_title": "Reset your password",
        "intro": "Enter your email address and we will send you a link to choose a new password.",
    }

    def form_valid(self, form):
        self.request.session["password_reset_email"] = form.cleaned_data["email"]
        return super().form_valid(form)


def password_reset_sent(request):
    return render(
        request,
        "pages/message.html",
        {
            "page_title": "Check your email",
            "paragraphs": [
                f"If {request.session.get('password_reset_email', 'that address')} has an account, "
                "we have sent it a link to reset your password. The link works for 3 hours.",
                "If the email does not arrive within a few minutes, check your spam folder.",
            ],
            "link_url": reverse("password-reset"),
            "link_text": "Send the link again",
        },
    )


class ChooseNewPasswordView(auth_views.PasswordResetConfirmView):
    form_class = ChooseNewPasswordForm
    template_name = "people/choose_password.html"
    success_url = reverse_lazy("password-reset-done")
    extra_context = {"page_title": "Choose a new password"}


class AcceptInvitationView(ChooseNewPasswordView):
    token_generator = invitation_tokens
    reset_url_token = "accept"
    success_url = reverse_lazy("invitation-accepted")
    extra_context = {"page_title": "Choose your password", "invitation": True}

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None


def password_reset_done(request):
    return _password_saved(request, "Your password has been changed")


def invitation_accepted(request):
    return _password_saved(request, "Your account is ready")


def _password_saved(request, title):
    return render(
        request,
        "pages/message.html",
        {
            "page_title": title,
            "paragraphs": ["You can now sign in with your new password."],
            "link_url": reverse("sign-in"),
            "link_text": "Sign in",
        },
    )


@login_required
def account(request):
    memberships = request.user.memberships.select_related("organisation")
    return render(
        request,
        "people/account.html",
        {"page_title": "Your account", "memberships": memberships, "two_factor": confirmed_device(request.user)},
    )


