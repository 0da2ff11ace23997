"""Members of a repeat block that open and close over time: the places a household
stays in, or the people who move in and out, each with a start and an end date. A block
says which of its questions those dates are (`opens: start{n}`, `closes: end{n}`,
docs/definitions.md), and this says which members were open on a day. History uses it
with the answers as they stood then (records.history.members_open_at)."""

import datetime as dt

from cldc.platform.definitions.values import parse_date


def open_members(definition, answers, block, on_date):
    """The indices of the block's members open on `on_date`: opened on or before it, and
    not closed by then (a member is closed from its closing day, when the next one may
    open). A member without an opening date is not open. `answers` may be stored (dates
    as text) or typed values."""
    repeat = definition.repeats[block]
    if not repeat.opens:
        raise ValueError(f"{definition}: repeat block {block!r} does not say when its members open (`opens:`)")
    members = []
    for index in repeat.indices:
        opened = _day(answers.get(repeat.opens_variable(index)))
        closed = _day(answers.get(repeat.closes_variable(index))) if repeat.closes else None
        if opened is not None and opened <= on_date and (closed is None or closed > on_date):
            members.append(index)
    return members


def _day(value):
    if value in (None, ""):
        return None
    return value if isinstance(value, dt.date) else parse_date(value)
