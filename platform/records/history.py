"""A record as it stood at a given moment, rebuilt from its revisions.

Every change to a record writes a Revision whose `changes` map each variable to
[old, new]. Replaying them in order, up to a moment, gives the answers as they were
then: the base for quarterly snapshots, audit and "what did we know on 31 March".
A move to another version (records.versions) is a revision too, under `version`.
Run it in the record's service schema, like any query of records.
"""

import datetime as dt

from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.members import open_members

VERSION = "version"  # the revision key of a move to another version: [from, to]
NOT_ANSWERS = {"confirmations", VERSION}  # revision keys that record something other than an answer


def state_at(record, when):
    """The record's answers as they stood at `when`: a dict of variable -> stored
    value, or None if the record did not exist yet. `when` is a datetime, or a date,
    meaning the end of that day (in the current time zone)."""
    when = _moment(when)
    revisions = record.revisions.filter(created_at__lte=when).order_by("number").values_list("changes", flat=True)
    answers = None
    for changes in revisions:
        answers = {} if answers is None else answers
        for name, (_old, new) in changes.items():
            if name in NOT_ANSWERS:
                continue
            if new is None:
                answers.pop(name, None)
            else:
                answers[name] = new
    return answers


def version_at(record, when):
    """The version the record was in at `when` (None if it did not exist yet): the one
    its first move after `when` left, else the one it is in now."""
    when = _moment(when)
    if not record.revisions.filter(created_at__lte=when).exists():
        return None
    later = (record.revisions.filter(created_at__gt=when, changes__has_key=VERSION).order_by("number")
             .values_list("changes", flat=True).first())
    return later[VERSION][0] if later else record.version


def members_open_at(record, block, when):
    """The indices of a repeat block's members open at `when` (a date, or a datetime:
    its day), as the record stood then, read by the definition of the version it was in
    (definitions.members.open_members). [] if the record did not exist yet."""
    answers = state_at(record, when)
    if answers is None:
        return []
    definition = registry.get(record.collection).definition(record.record_type, version_at(record, when))
    return open_members(definition, answers, block, timezone.localtime(_moment(when)).date())


def _moment(when):
    if isinstance(when, dt.datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    end_of_day = dt.datetime.combine(when, dt.time.max)
    return timezone.make_aware(end_of_day)
