"""Staff screens in Wagtail's admin: organisations, their relationships, people and
memberships, in one menu group so content designers and support share one place;
and, under Collections, the service's collection windows.

Access is plain Django model permissions (Wagtail's default ModelPermissionPolicy),
granted to the Support group by cldc.platform.people.roles. These models live in
the public schema, so every service's admin edits the same rows.
"""

from django.urls import path
from wagtail import hooks
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.admin.ui.tables import BooleanColumn, Column, StatusFlagColumn
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cldc.admin_ui import forms, views
from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.windows.viewsets import CollectionWindowViewSet


class SharedModelViewSet(ModelViewSet):
    # Wagtail's reference index is a table in each service's schema, but these rows
    # are saved from anywhere, including the public schema (which has no such
    # table). Keep them out of it.
    add_to_reference_index = False
    copy_view_enabled = False


class OrganisationViewSet(SharedModelViewSet):
    model = Organisation
    name = "organisations"
    icon = "site"
    inspect_view_enabled = True  # collection administrators may view, not change
    list_display = ["name", "type", Column("official_code", label="Code"), "active_from", "active_to"]
    list_filter = ["type"]
    search_fields = ["name", "ons_code", "regulator_number"]
    # Panels give Wagtail's date pickers; Organisation.clean() errors land on these fields.
    panels = [
        FieldPanel("name"),
        FieldPanel("type"),
        FieldPanel("region"),
        FieldRowPanel([FieldPanel("ons_code"), FieldPanel("regulator_number")]),
        FieldRowPanel([FieldPanel("active_from"), FieldPanel("active_to")]),
    ]


class RelationshipViewSet(SharedModelViewSet):
    model = OrganisationRelationship
    name = "relationships"
    icon = "link"
    menu_label = "Relationships"
    list_display = ["parent", "child", "kind", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["parent__name", "child__name"]
    panels = [
        FieldPanel("parent"),
        FieldPanel("child"),
        FieldPanel("kind"),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(queryset=self.model.objects.select_related("parent", "child"), **kwargs)


class PersonViewSet(SharedModelViewSet):
    model = User
    name = "people"
    icon = "user"
    menu_label = "People"
    index_view_class = views.PersonIndexView
    add_view_class = views.InvitePersonView
    edit_view_class = views.PersonEditView
    list_display = [
        "name",
        "email",
        "staff_role",
        BooleanColumn("is_active", label="Active"),
        # Tags, not ticks and crosses: a red cross on every unlocked person reads as a fault.
        StatusFlagColumn("has_accepted_invitation", label="Invitation", true_label="Accepted", false_label="Invited"),
        StatusFlagColumn("is_locked", label="Locked", true_label="Locked"),
    ]
    list_filter = ["staff_role", "is_active"]
    search_fields = ["name", "email"]

    def get_form_class(self, for_update=False):
        # Adding a person invites them: no password field, ever.
        return forms.PersonForm if for_update else forms.InvitePersonForm

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            unlock_url_name=self.get_url_name("unlock"),
            reset_two_factor_url_name=self.get_url_name("reset_two_factor"),
            resend_invitation_url_name=self.get_url_name("resend_invitation"),
            **kwargs,
        )

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("unlock/<int:pk>/", self.construct_view(views.UnlockView), name="unlock"),
            path("reset-two-factor/<int:pk>/", self.construct_view(views.ResetTwoFactorView), name="reset_two_factor"),
            path("invite-again/<int:pk>/", self.construct_view(views.ResendInvitationView), name="resend_invitation"),
        ]


class MembershipViewSet(SharedModelViewSet):
    model = Membership
    name = "memberships"
    icon = "group"
    list_display = [
        "user",
        "organisation",
        "role",
        BooleanColumn("is_data_protection_officer", label="DPO"),
        BooleanColumn("is_key_contact", label="Key contact"),
    ]
    list_filter = ["role", "organisation"]
    search_fields = ["user__name", "user__email", "organisation__name"]
    panels = [
        FieldPanel("user"),
        FieldPanel("organisation"),
        FieldPanel("role"),
        FieldRowPanel([FieldPanel("is_data_protection_officer"), FieldPanel("is_key_contact")]),
        FieldRowPanel([FieldPanel("starts_on"), FieldPanel("ends_on")]),
    ]

    def get_index_view_kwargs(self, **kwargs):
        return super().get_index_view_kwargs(queryset=self.model.objects.select_related("user", "organisation"), **kwargs)


class OrganisationsAndPeopleGroup(ModelViewSetGroup):
    menu_label = "Organisations and people"
    menu_name = "organisations-and-people"
    menu_icon = "group"
    menu_order = 300
    items = (OrganisationViewSet, RelationshipViewSet, PersonViewSet, MembershipViewSet)


@hooks.register("register_admin_viewset")
def register_organisations_and_people():
    return OrganisationsAndPeopleGroup()


class CollectionsGroup(ModelViewSetGroup):
    # Per service: each service's admin shows its own windows.
    menu_label = "Collections"
    menu_name = "collections"
    menu_icon = "folder-open-inverse"
    menu_order = 310
    items = (CollectionWindowViewSet,)


@hooks.register("register_admin_viewset")
def register_collections():
    return CollectionsGroup()


@hooks.register("construct_settings_menu")
def hide_wagtail_users(request, menu_items):
    # Wagtail's Users screen expects first_name/last_name and would duplicate People.
    menu_items[:] = [item for item in menu_items if item.name != "users"]


@hooks.register("construct_search")
def hide_wagtail_users_search(request, search_areas):
    search_areas[:] = [area for area in search_areas if area.name != "users"]


@hooks.register("register_log_actions")
def register_person_log_actions(actions):
    actions.register_action("admin_ui.unlock", "Unlock", "Unlocked the account")
    actions.register_action("admin_ui.reset_two_factor", "Reset two-factor", "Reset two-factor authentication")
    actions.register_action("admin_ui.invite_again", "Send invitation again", "Sent the invitation again")
