"""What the windows allow today: which versions take new records, and whether a
record may still change. Every channel asks here; none names a collection.

    version = version_for_new_log("core", "lettings", start_date)   # or WindowClosed
    if not may_edit(record):
        error = editing_closed_message(record)
"""

from django.utils import timezone

from cldc.platform import registry
from cldc.platform.windows.models import CollectionWindow, collection_year, long_date


class WindowClosed(ValueError):
    """A record cannot be started for that date today. The message is for the person."""


def window_for(collection, record_type, version):
    return CollectionWindow.objects.filter(collection=collection, record_type=record_type, version=version).first()


def deadline(collection, record_type, version):
    """The submission deadline to show, or None when the version has no window."""
    window = window_for(collection, record_type, version)
    return window.submission_deadline if window else None


def deadlines(service, today=None):
    """[(what, collection year, submission deadline)] for every window of the service's
    collections that still takes changes today: what people are told to finish by."""
    today = today or timezone.localdate()
    several = len(service.collections) > 1
    windows = CollectionWindow.objects.filter(
        collection__in=service.collections, opens_on__lte=today, editing_end__gte=today,
    ).order_by("collection", "record_type", "version")
    return [
        (window.record_type.replace("_", " ").capitalize()
         + (f" ({registry.get(window.collection).title})" if several else ""),
         collection_year(window.version), window.submission_deadline)
        for window in windows if window.version in registry.get(window.collection).versions(window.record_type)
    ]


def open_for_new_logs(collection, record_type, today=None):
    """The versions a new record may be started in today, oldest first. Between April
    and the end of new logs, two collection years are open at once."""
    today = today or timezone.localdate()
    defined = registry.get(collection).versions(record_type)
    windows = CollectionWindow.objects.filter(
        collection=collection, record_type=record_type, opens_on__lte=today, new_logs_end__gte=today
    )
    return sorted(window.version for window in windows if window.version in defined)


def version_for_new_log(collection, record_type, log_date, today=None):
    """The version whose definition covers log_date (a tenancy start date, a sale
    date, ...), if its window takes new records today. Otherwise WindowClosed, with
    a message that names the collection year and its dates."""
    today = today or timezone.localdate()
    version = registry.get(collection).version_for(record_type, log_date)
    if version is None:
        raise WindowClosed(_enter_a_date_in_an_open_year(collection, record_type, today))
    year = collection_year(version)
    window = window_for(collection, record_type, version)
    if window is None:
        raise WindowClosed(f"You cannot create logs for the {year} collection year yet.")
    if today < window.opens_on:
        raise WindowClosed(f"You can create logs for the {year} collection year from {long_date(window.opens_on)}.")
    if today > window.new_logs_end:
        raise WindowClosed(
            f"You can no longer create logs for the {year} collection year. "
            f"The deadline was {long_date(window.submission_deadline)}."
        )
    return version


def may_edit(record, today=None):
    """Whether the record may still be changed (or deleted): until its window's last
    day for changes. A version without a window is closed."""
    today = today or timezone.localdate()
    window = window_for(record.collection, record.record_type, record.version)
    return window is not None and today <= window.editing_end


def editing_closed_message(record):
    """Why a record can no longer change; for when may_edit(record) is False."""
    year = collection_year(record.version)
    window = window_for(record.collection, record.record_type, record.version)
    if window is None:
        return f"You cannot change this log. The {year} collection year is closed."
    return (
        f"You cannot change this log any more. Logs for the {year} collection year "
        f"could be changed until {long_date(window.editing_end)}."
    )


def _enter_a_date_in_an_open_year(collection, record_type, today):
    package = registry.get(collection)
    definitions = [package.definition(record_type, v) for v in open_for_new_logs(collection, record_type, today)]
    if not definitions:
        return "You cannot create logs at the moment. No collection year is open for new logs."
    years = " or ".join(collection_year(d.version) for d in definitions)
    noun, verb = ("collection years", "are") if len(definitions) > 1 else ("collection year", "is")
    # Open years are usually next to each other: one range reads best.
    spans, start, end = [], definitions[0].valid_from, definitions[0].valid_to
    for definition in definitions[1:]:
        if (definition.valid_from - end).days == 1:
            end = definition.valid_to
        else:
            spans.append((start, end))
            start, end = definition.valid_from, definition.valid_to
    spans.append((start, end))
    ranges = ", or ".join(f"between {long_date(a)} and {long_date(b)}" for a, b in spans)
    return f"Enter a date within the {years} {noun}, which {verb} {ranges}."
