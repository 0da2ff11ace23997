"""Views for the People screens: adding a person sends an invitation, and two
small actions (Unlock, Send invitation again) help support with sign-in trouble."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views import generic
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.widgets.button import Button
from django_otp.plugins.otp_totp.models import TOTPDevice
from wagtail.log_actions import log

from cldc.platform.people import lockout
from cldc.platform.people.invitations import invite, send_invitation
from cldc.platform.people.models import User


def check_may_edit(user, person):
    # Support may edit everyone except superusers: changing a superuser's email
    # and then resetting its password would hand support the superuser account.
    if person.is_superuser and not user.is_superuser:
        raise PermissionDenied


class PersonActionURLs:
    """URL names of the actions, passed in by the viewset."""

    unlock_url_name = None
    resend_invitation_url_name = None
    reset_two_factor_url_name = None

    def person_actions(self, person):
        """What support may need to do for this person's sign-in: (why, label, URL, icon)."""
        actions = []
        if person.is_locked():
            actions.append(("This person is locked out after too many failed sign-in attempts.", "Unlock",
                            reverse(self.unlock_url_name, args=[person.pk]), "lock-open"))
        if TOTPDevice.objects.devices_for_user(person, confirmed=None).exists():
            actions.append(("This person has set up an authenticator app for two-factor sign-in.",
                            "Reset two-factor authentication", reverse(self.reset_two_factor_url_name, args=[person.pk]),
                            "key"))
        if not person.has_accepted_invitation:
            actions.append(("This person has not accepted their invitation yet.", "Send invitation again",
                            reverse(self.resend_invitation_url_name, args=[person.pk]), "mail"))
        return actions

    def person_action_buttons(self, person):
        return [Button(label, url, icon_name=icon, priority=40 + 5 * n)
                for n, (_, label, url, icon) in enumerate(self.person_actions(person))]


class PeopleLabels:
    """The model is called "user"; the screens say "people", as the rest of the service does."""

    def get_breadcrumbs_items(self):
        index_url = reverse(self.index_url_name)
        return [{**item, "label": "People"} if item["url"] == index_url else item for item in super().get_breadcrumbs_items()]


class PersonIndexView(PersonActionURLs, generic.IndexView):
    page_title = "People"
    add_item_label = "Invite a person"

    def get_list_more_buttons(self, instance):
        buttons = super().get_list_more_buttons(instance)
        if self.user_has_permission("change"):
            buttons += self.person_action_buttons(instance)
        return buttons


class InvitePersonView(PeopleLabels, generic.CreateView):
    page_title = "Invite"
    page_subtitle = "Person"
    submit_button_label = "Send invitation"
    success_message = "Invitation sent to %(object)s."
    error_message = "The invitation could not be sent because of errors."

    def save_instance(self):
        # No password: the person chooses one from the invitation email.
        data = self.form.cleaned_data
        person = invite(
            self.request, data["email"], data["name"], invited_by=self.request.user,
            staff_role=data["staff_role"], phone=data["phone"],
        )
        log(person, "wagtail.create", user=self.request.user)
        return person


class PersonEditView(PeopleLabels, PersonActionURLs, generic.EditView):
    success_message = "Changes to %(object)s saved."
    error_message = "The changes could not be saved because of errors."

    def get_object(self, queryset=None):
        person = super().get_object(queryset)
        check_may_edit(self.request.user, person)
        return person

    template_name = "admin_ui/edit_person.html"

    @cached_property
    def header_more_buttons(self):
        return super().header_more_buttons + self.person_action_buttons(self.object)

    def get_context_data(self, **kwargs):
        # Also in plain sight above the form: support takes the call "I'm locked out"
        # and should not have to find Unlock in the header's menu.
        return {**super().get_context_data(**kwargs), "person_actions": self.person_actions(self.object)}


class PersonActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, TemplateView):
    """GET asks to confirm (so the button also works without JavaScript); POST acts."""

    model = User
    permission_required = "change"
    template_name = "admin_ui/confirm_person_action.html"
    header_icon = "user"
    index_url_name = None
    edit_url_name = None
    question = confirm_label = ""

    def dispatch(self, request, *args, **kwargs):
        # Check the permission before looking the person up, so no one learns which ids exist.
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        self.person = get_object_or_404(User, pk=kwargs["pk"])
        check_may_edit(request.user, self.person)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.person.get_full_name()

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": "People"},
            {"url": self.edit_url, "label": self.get_page_subtitle()},
            {"url": "", "label": self.page_title},
        ]

    @cached_property
    def edit_url(self):
        return reverse(self.edit_url_name, args=[self.person.pk])

    def post(self, request, *args, **kwargs):
        self.act()
        return redirect(self.edit_url)


class UnlockView(PersonActionView):
    page_title = "Unlock"
    confirm_label = "Yes, unlock"

    @property
    def question(self):
        return f"Unlock {self.person.email}? They can sign in again straight away."

    def act(self):
        if not self.person.is_locked():
            messages.info(self.request, f"{self.person.email} is not locked")
            return
        lockout.lift(self.person.email)
        log(self.person, "admin_ui.unlock", user=self.request.user)
        messages.success(self.request, f"{self.person.email} can sign in again")


class ResetTwoFactorView(PersonActionView):
    """For a person who lost their phone: their authenticator app is forgotten, and
    they set up a new one the next time they sign in."""

    page_title = "Reset two-factor authentication"
    confirm_label = "Yes, reset it"

    @property
    def question(self):
        return (f"Reset two-factor authentication for {self.person.email}? They will set up their authenticator "
                "app again the next time they sign in. Do this only when you are sure who asked.")

    def act(self):
        removed, _ = TOTPDevice.objects.devices_for_user(self.person, confirmed=None).delete()
        if not removed:
            messages.info(self.request, f"{self.person.email} has no two-factor authentication set up")
            return
        log(self.person, "admin_ui.reset_two_factor", user=self.request.user)
        messages.success(self.request, f"{self.person.email} will set up two-factor authentication again when they next sign in")


class ResendInvitationView(PersonActionView):
    page_title = "Send invitation again"
    confirm_label = "Yes, send it"

    @property
    def question(self):
        return f"Send the invitation to {self.person.email} again?"

    def act(self):
        if self.person.has_accepted_invitation:
            messages.info(self.request, f"{self.person.email} has already accepted the invitation")
            return
        send_invitation(self.request, self.person, self.request.user)
        log(self.person, "admin_ui.invite_again", user=self.request.user)
        messages.success(self.request, f"Invitation sent again to {self.person.email}")
