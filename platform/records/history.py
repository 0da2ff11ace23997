"""A record as it stood at a given moment, rebuilt from its revisions.

Every change to a record writes a Revision whose `changes` map each variable to
[old, new]. Replaying them in order, up to a moment, gives the answers as they were
then: the base for quarterly snapshots, audit and "what did we know on 31 March".
Run it in the record's service schema, like any query of records.
"""

import datetime as dt

from django.utils import timezone

NOT_ANSWERS = {"confirmations"}  # revision keys that record something other than an answer


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


def _moment(when):
    if isinstance(when, dt.datetime):
        return when if timezone.is_aware(when) else timezone.make_aware(when)
    end_of_day = dt.datetime.combine(when, dt.time.max)
    return timezone.make_aware(end_of_day)
