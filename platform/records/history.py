"""A record as it stood at a given moment, rebuilt from its revisions.

Every change to a record writes a Revision whose `changes` map each variable to
[old, new]. Replaying them in order, up to a moment, gives the answers as they were
then: for audit and "what did we know on 31 March". (Not for quarterly returns: they
judge a record as it stands by the dates in its answers, ADR 12.)
A move to another version (records.versions) is a revision too, under `version`.
Run it in the record's service schema, like any query of records.
"""

import datetime as dt
from itertools import groupby

from django.db.models import Q
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.members import open_members
from cldc.platform.records.models import Revision

VERSION = "version"  # the revision key of a move to another version: [from, to]
NOT_ANSWERS = {"confirmations", VERSION}  # revision keys that record something other than an answer


def state_at(record, when):
    """The record's answers as they stood at `when`: a dict of variable -> stored
    value, or None if the record did not exist yet. `when` is a datetime, or a date,
    meaning the end of that day (in the current time zone)."""
    when = _moment(when)
    revisions = record.revisions.filter(created_at__lte=when).order_by("number").values_list("changes", flat=True)
    return _replay(revisions)


def states_at(records, when):
    """Many records' (answers, version) as they stood at `when`, by record id: what
    state_at and version_at give one at a time, in one query of revisions. A record
    unchanged since `when` (the common case: updated_at not after it) is its stored
    answers and version, with no query; (None, None) for one that did not exist yet.
    `records`: Record objects, with their answers, version and updated_at loaded."""
    when = _moment(when)
    states, changed = {}, {}
    for record in records:
        if record.updated_at <= when:
            states[record.pk] = (dict(record.answers), record.version)
        else:
            changed[record.pk] = record
    if not changed:
        return states
    # Each changed record's revisions up to `when` (its answers then), and its moves to
    # another version after it (the first says which version it was in then).
    revisions = (Revision.objects.filter(record_id__in=list(changed))
                 .filter(Q(created_at__lte=when) | Q(changes__has_key=VERSION))
                 .order_by("record_id", "number").values_list("record_id", "created_at", "changes"))
    for pk, rows in groupby(revisions.iterator(chunk_size=2000), key=lambda row: row[0]):
        rows = list(rows)
        answers = _replay(changes for _pk, at, changes in rows if at <= when)
        if answers is None:
            continue
        later = next((changes for _pk, at, changes in rows if at > when), None)
        states[pk] = (answers, later[VERSION][0] if later else changed[pk].version)
    for pk in changed.keys() - states.keys():
        states[pk] = (None, None)
    return states


def _replay(revisions):
    """Answers from revisions' changes in order (None if there are none)."""
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
