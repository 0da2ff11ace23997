"""When an entry is active: pure functions over an entry as the rules' context holds it
(context.as_context), so that a package's rule functions and the chooser judge alike.

An entry is available from its `available_from` day (none: always), and inactive from
each deactivation's day until its reactivation day (none: for good). A child entry
(a location) is inactive too while its parent (its scheme) is.
"""

ACTIVE, INCOMPLETE = "active", "incomplete"
ACTIVATING_SOON = "activating_soon"  # not available yet: `date` is the day it will be
DEACTIVATED = "deactivated"  # deactivated for good: `date` is the day
REACTIVATING_SOON = "reactivating_soon"  # deactivated for a while: `date` is the day it is active again


def status_on(entry, day):
    """(status, date): why an entry cannot be used on `day`, with the day that explains
    it, or (ACTIVE, None). An incomplete entry is INCOMPLETE whatever the day."""
    if not entry.get("complete"):
        return INCOMPLETE, None
    own = _period_status(entry, day)
    if own[0] != ACTIVE:
        return own
    parent = entry.get("parent")
    if parent:
        inherited = _period_status(parent, day)
        if inherited[0] in (DEACTIVATED, REACTIVATING_SOON):
            return inherited
    return ACTIVE, None


def _period_status(entry, day):
    available = entry.get("available_from")
    if available and day < available:
        return ACTIVATING_SOON, available
    for period in entry.get("deactivations") or ():
        start, end = period["from"], period.get("until")
        if start <= day and (end is None or day < end):
            return (DEACTIVATED, start) if end is None else (REACTIVATING_SOON, end)
    return ACTIVE, None


def active_on(entry, day):
    return status_on(entry, day)[0] == ACTIVE


def overlaps(periods, start, end):
    """Whether a new deactivation from `start` until `end` (None: for good) overlaps one
    of `periods` ({from, until} dicts)."""
    for period in periods:
        other_end = period.get("until")
        if (end is None or period["from"] < end) and (other_end is None or start < other_end):
            return True
    return False
