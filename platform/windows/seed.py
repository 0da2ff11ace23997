"""Seeding a service's windows from the windows.yaml of each collection it enables.

Seeding only creates windows the service lacks: it never changes one, so the dates
support staff set stay as they are. It runs when a service is launched and after
every migration of a service's schema (apps.py), so a new version's window ships
with its definition file and needs no command.
"""

from django.core.exceptions import ValidationError
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context

from cldc.platform import registry
from cldc.platform.definitions.model import load_yaml
from cldc.platform.windows.models import CollectionWindow

FIELDS = {"record_type", "version", "opens_on", "submission_deadline", "new_logs_end", "editing_end"}


class WindowFileError(ValueError):
    pass


def windows_file(collection):
    return registry.get(collection).file("windows")


def read_windows(collection):
    """The windows a package declares, as unsaved, validated CollectionWindow objects."""
    path = windows_file(collection)
    if not path.exists():
        return []
    entries = (load_yaml(path) or {}).get("windows", [])
    windows = []
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: window {number}"
        if not isinstance(entry, dict) or set(entry) != FIELDS:
            raise WindowFileError(f"{where}: give exactly {', '.join(sorted(FIELDS))}")
        window = CollectionWindow(collection=collection, **entry)
        try:
            window.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            problems = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            raise WindowFileError(f"{where}: {problems}") from None
        windows.append(window)
    keys = [(w.record_type, w.version) for w in windows]
    if len(set(keys)) != len(keys):
        raise WindowFileError(f"{path}: a record type and version is given twice")
    return windows


def seed_windows(service):
    """Create the windows the service's collections declare and it lacks. Returns
    the windows created."""
    created = []
    with schema_context(service.schema_name):
        for collection in service.collections:
            for window in read_windows(collection):
                exists = CollectionWindow.objects.filter(
                    collection=collection, record_type=window.record_type, version=window.version
                ).exists()
                if not exists:
                    window.save()
                    created.append(window)
    return created


def seed_after_migration(schema_name, **kwargs):
    """django-tenants' schema_migrated signal: seed the service whose schema it was."""
    from cldc.platform.people.roles import configure_staff_groups
    from cldc.platform.tenancy.models import Service

    if schema_name == get_public_schema_name():
        return
    service = Service.objects.filter(schema_name=schema_name).first()
    if service is None:
        return
    with schema_context(schema_name):
        if CollectionWindow._meta.db_table not in connection.introspection.table_names():
            return  # migrated back to before windows existed
    # The windows permissions appear with the first schema that migrates this app,
    # after the staff groups were granted theirs (people's post_migrate runs first).
    configure_staff_groups()
    seed_windows(service)
