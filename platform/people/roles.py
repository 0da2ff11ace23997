"""What each staff role may do, as Django groups with model permissions.

A person's staff role puts them in exactly one of these groups, so Wagtail's
admin (which checks model permissions) and our own views agree. Page and
image permissions live in each service's schema and are granted when the
service is launched (cldc.platform.tenancy.launch).
"""

from django.contrib.auth.models import Group, Permission

from cldc.platform.people.models import StaffRole

ADMIN_ACCESS = "wagtailadmin.access_admin"


def _crud(app_label, model):
    return [f"{app_label}.{action}_{model}" for action in ("add", "change", "delete", "view")]


# Question help snippets (cldc.platform.guidance): publishing is what makes them show.
GUIDANCE_PERMISSIONS = [*_crud("guidance", "questionguidance"), "guidance.publish_questionguidance"]

# Collection windows: support and collection administrators change the dates; only
# collection administrators delete one (it comes back with the package's dates at the
# next migration: cldc.platform.windows.seed).
WINDOWS_CHANGE = [f"windows.{action}_collectionwindow" for action in ("add", "change", "view")]

ROLE_PERMISSIONS = {
    StaffRole.SUPPORT: [
        ADMIN_ACCESS,
        *_crud("organisations", "organisation"),
        *_crud("organisations", "organisationrelationship"),
        *_crud("organisations", "membership"),
        "people.add_user",
        "people.change_user",
        "people.view_user",
        *WINDOWS_CHANGE,
    ],
    StaffRole.ANALYST: [],
    StaffRole.CONTENT_DESIGNER: [ADMIN_ACCESS, *GUIDANCE_PERMISSIONS],
    StaffRole.COLLECTION_ADMIN: [
        ADMIN_ACCESS,
        *GUIDANCE_PERMISSIONS,
        "organisations.view_organisation",
        "tenancy.view_service",
        *WINDOWS_CHANGE,
        "windows.delete_collectionwindow",
    ],
}

# Roles that edit pages and guidance in each service's Wagtail.
CONTENT_ROLES = (StaffRole.CONTENT_DESIGNER, StaffRole.COLLECTION_ADMIN)


def group_for(role):
    group, _ = Group.objects.get_or_create(name=StaffRole(role).label)
    return group


def configure_staff_groups():
    """Create the staff groups and grant each its permissions. Safe to repeat.

    Wagtail's permissions exist only once a service schema has migrated, so this
    runs after every migration and grants whatever exists by then.
    """
    for role, perms in ROLE_PERMISSIONS.items():
        group = group_for(role)
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted += Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        group.permissions.add(*wanted)


def sync_staff_groups(user):
    """Put the person in the group of their staff role, and in no other staff group."""
    wanted = StaffRole(user.staff_role).label if user.staff_role else None
    user.groups.remove(*Group.objects.filter(name__in=StaffRole.labels).exclude(name=wanted))
    if wanted:
        user.groups.add(group_for(user.staff_role))
