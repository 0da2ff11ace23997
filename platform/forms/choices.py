"""Choices that pages offer about what a service collects: its record types, and the
collection years open for new logs. Shared by setting up a log and uploading logs."""

import datetime as dt

from cldc.platform import registry
from cldc.platform.windows.service import open_for_new_logs


def year_label(version):
    return f"{version} to {version + 1}"


def record_type_choices(service):
    """(collection:record_type, label) for every record type the service collects."""
    several = len(service.collections) > 1
    return [
        (f"{name}:{rt}", rt.replace("_", " ").capitalize() + (f" ({registry.get(name).title})" if several else ""))
        for name in service.collections for rt in registry.get(name).record_types
    ]


def open_year_choices(service, today=None):
    """(version, label) for the collection years any of the service's record types is
    open for new logs in, newest first."""
    today = today or dt.date.today()
    years = {v for name in service.collections for rt in registry.get(name).record_types
             for v in open_for_new_logs(name, rt, today)}
    return [(year, year_label(year)) for year in sorted(years, reverse=True)]
