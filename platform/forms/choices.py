"""Choices that pages offer about what a service collects: its record types, and the
collection years open for new logs (setting up a log) or for changes (uploading logs)."""

import datetime as dt

from cldc.platform import registry
from cldc.platform.windows.service import open_for_changes, open_for_new_logs


def year_label(version):
    return f"{version} to {version + 1}"


def record_type_choices(service):
    """(collection:record_type, label) for every record type the service collects."""
    several = len(service.collections) > 1
    return [
        (f"{name}:{rt}", rt.replace("_", " ").capitalize() + (f" ({registry.get(name).title})" if several else ""))
        for name in service.collections for rt in registry.get(name).record_types
    ]


def open_year_choices(service, today=None, record_type=None):
    """(version, label) for the collection years any of the service's record types is
    open for new logs in, newest first; or `record_type` alone ("collection:record_type",
    a value of record_type_choices)."""
    return _year_choices(service, open_for_new_logs, today, record_type)


def changeable_year_choices(service, today=None):
    """(version, label) for the collection years any of the service's record types
    still takes changes in, newest first: a file of corrections may come after new
    logs close (the gateway refuses its new rows)."""
    return _year_choices(service, open_for_changes, today)


def _year_choices(service, open_versions, today, record_type=None):
    today = today or dt.date.today()
    kinds = ([record_type.split(":")] if record_type else
             [(name, rt) for name in service.collections for rt in registry.get(name).record_types])
    years = {v for name, rt in kinds for v in open_versions(name, rt, today)}
    return [(year, year_label(year)) for year in sorted(years, reverse=True)]
