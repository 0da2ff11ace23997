"""Inviting a person: an account with no password yet, and an email with a link
to choose one. The link is single-use (it depends on the password hash) and
expires after settings.INVITATION_TIMEOUT_DAYS."""

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.crypto import constant_time_compare
from django.utils.http import base36_to_int, urlsafe_base64_encode

from cldc.platform.people.models import User
from cldc.themes.context_processors import theme_for


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    """Like a password reset token, with the invitation's longer lifetime."""

    key_salt = "cldc.platform.people.invitation"

    def check_token(self, user, token):
        try:
            timestamp = base36_to_int(token.split("-")[0])
        except (AttributeError, ValueError):
            return False
        if user is None or not constant_time_compare(self._make_token_with_timestamp(user, timestamp, self.secret), token):
            return False
        return self._num_seconds(self._now()) - timestamp <= settings.INVITATION_TIMEOUT_DAYS * 24 * 60 * 60


invitation_tokens = InvitationTokenGenerator()


def invite(request, email, name, invited_by, **fields):
    """Create an account for a new person and email them an invitation."""
    person = User.objects.create_user(email=email, name=name, invited_by=invited_by, **fields)
    send_invitation(request, person, invited_by)
    return person


def tell_of_new_organisation(request, person, organisation, added_by):
    """A person who already has an account was added to an organisation: they sign in
    as before, so the email has no password link."""
    context = {"person": person, "organisation": organisation, "added_by": added_by,
               "link": request.build_absolute_uri(reverse("sign-in")),
               "service_name": theme_for(request).service_name}
    send_mail(
        subject=f"You have been added to {organisation.name} on {context['service_name']}",
        message=render_to_string("people/email/added_to_organisation.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )


def send_invitation(request, person, invited_by):
    person.invited_by, person.invited_at = invited_by, timezone.now()
    User.objects.filter(pk=person.pk).update(invited_by=invited_by, invited_at=person.invited_at)
    link = request.build_absolute_uri(
        reverse(
            "invitation",
            kwargs={"uidb64": urlsafe_base64_encode(force_bytes(person.pk)), "token": invitation_tokens.make_token(person)},
        )
    )
    context = {
        "person": person,
        "invited_by": invited_by,
        "link": link,
        "service_name": theme_for(request).service_name,
        "days": settings.INVITATION_TIMEOUT_DAYS,
    }
    send_mail(
        subject=f"You have been invited to {context['service_name']}",
        message=render_to_string("people/email/invitation.txt", context),
        from_email=None,
        recipient_list=[person.email],
    )
