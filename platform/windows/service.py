"""What the windows allow today: which versions take new records, and whether a
record may still change. None of it names a collection.

    version = version_for_new_log(collection, record_type, start_date)   # or WindowClosed
    message = refusal(record)   # why it may not be started or changed today, or None

The gateway refuses every change outside a window (gateway.check_window, with
`refusal`), so no channel checks for itself. A package without a windows.yaml (a test
package) declares no windows and takes records at any time; in one that has windows,
a version without a window is closed.
"""

from django.utils import timezone
from django.utils.text import capfirst

from cldc.platform import registry
from cldc.platform.windows.models import CollectionWindow, collection_year, long_date
from cldc.platform.tenancy.models import record_nouns
from cldc.platform.windows.seed import windows_file


class WindowClosed(ValueError):
    """A record cannot be started, or changed, today. The message is for the person."""


def window_for(collection, record_type, version):
    return CollectionWindow.objects.filter(collection=collection, record_type=record_type, version=version).first()


class Windows:
    """Windows, each read once: a caller that submits many records (a file, a batch)
    keeps one. Judging processes (uploads/judging.py) get it with what it has read, as
    they may not query: read the version's window before they start (`get`)."""

    def __init__(self):
        self.found = {}

    def get(self, collection, record_type, version):
        key = (collection, record_type, version)
        if key not in self.found:
            self.found[key] = window_for(*key)
        return self.found[key]


def windowed(collection):
    """Whether the collection's package declares windows (its windows.yaml)."""
    return windows_file(collection).exists()


def refusal(record, today=None, windows=None):
    """Why the record may not be started (a new one) or changed today, or None. A new
    record needs its version open for new logs; a stored one, its last day for changes
    not passed."""
    if not windowed(record.collection):
        return None
    today = today or timezone.localdate()
    window = (windows or Windows()).get(record.collection, record.record_type, record.version)
    if record.pk is None:
        return _new_logs_refusal(window, record.collection, record.version, today)
    if window is None or today > window.editing_end:
        return _editing_refusal(window, record.collection, record.version)
    return None


# The messages say the collection's own noun ("log", "case"): every channel shows them.

def _new_logs_refusal(window, collection, version, today):
    year, (_, nouns) = collection_year(version), record_nouns([collection])
    if window is None:
        return f"You cannot create {nouns} for the {year} collection year yet."
    if today < window.opens_on:
        return f"You can create {nouns} for the {year} collection year from {long_date(window.opens_on)}."
    if today > window.new_logs_end:
        return (f"You can no longer create {nouns} for the {year} collection year. "
                f"The deadline was {long_date(window.submission_deadline)}.")
    return None


def _editing_refusal(window, collection, version):
    year, (noun, nouns) = collection_year(version), record_nouns([collection])
    if window is None:
        return f"You cannot change this {noun}. The {year} collection year is closed."
    return (f"You cannot change this {noun} any more. {capfirst(nouns)} for the {year} collection year "
            f"could be changed until {long_date(window.editing_end)}.")


def deadline(collection, record_type, version):
    """The submission deadline to show, or None when the version has no window."""
    window = window_for(collection, record_type, version)
    return window.submission_deadline if window else None


def deadlines(service, today=None):
    """[(what, collection year, window)] for every window of the service's collections
    that still takes changes today: what people are told to finish by (the submission
    deadline, or once it has passed, the last day for changes)."""
    today = today or timezone.localdate()
    several = len(service.collections) > 1
    windows = CollectionWindow.objects.filter(
        collection__in=service.collections, opens_on__lte=today, editing_end__gte=today,
    ).order_by("collection", "record_type", "version")
    return [
        (window.record_type.replace("_", " ").capitalize()
         + (f" ({registry.get(window.collection).title})" if several else ""),
         collection_year(window.version), window)
        for window in windows if window.version in registry.get(window.collection).versions(window.record_type)
    ]


def open_for_new_logs(collection, record_type, today=None):
    """The versions a new record may be started in today, oldest first. Between April
    and the end of new logs, two collection years are open at once."""
    return _open_versions(collection, record_type, "new_logs_end", today)


def open_for_changes(collection, record_type, today=None):
    """The versions whose records may still be changed today, oldest first: those open
    for new logs, and those closed for new logs but not yet for changes."""
    return _open_versions(collection, record_type, "editing_end", today)


def _open_versions(collection, record_type, last_day, today):
    """The defined versions whose window has opened and whose `last_day` field has not passed."""
    today = today or timezone.localdate()
    defined = registry.get(collection).versions(record_type)
    windows = CollectionWindow.objects.filter(collection=collection, record_type=record_type, opens_on__lte=today,
                                              **{f"{last_day}__gte": today})
    return sorted(window.version for window in windows if window.version in defined)


def version_for_new_log(collection, record_type, log_date, today=None):
    """The version whose definition covers log_date (a tenancy start date, a sale
    date, ...), if its window takes new records today. Otherwise WindowClosed, with
    a message that names the collection year and its dates."""
    today = today or timezone.localdate()
    version = registry.get(collection).version_for(record_type, log_date)
    if version is None:
        raise WindowClosed(_enter_a_date_in_an_open_year(collection, record_type, today))
    refused = _new_logs_refusal(window_for(collection, record_type, version), collection, version, today)
    if refused:
        raise WindowClosed(refused)
    return version


def _enter_a_date_in_an_open_year(collection, record_type, today):
    package = registry.get(collection)
    definitions = [package.definition(record_type, v) for v in open_for_new_logs(collection, record_type, today)]
    if not definitions:
        nouns = record_nouns([collection])[1]
        return f"You cannot create {nouns} at the moment. No collection year is open for new {nouns}."
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
