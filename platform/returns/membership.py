"""Which records belong in a return, and as what: each record of the organisation
(owned by it, among those the person sees: Record.visible_to) as it stood at the
period's end, rebuilt from its revisions (records.history.state_at), or as it stands
now if it was created after the end (a late addition); the package's triggers over
that state; then the organisation's own choices (RecordChoice), which win."""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.values import from_json, to_json
from cldc.platform.records.gateway import context_for
from cldc.platform.records.history import state_at, version_at
from cldc.platform.records.models import Record


@dataclass
class State:
    """A record's answers and derived values (as stored: JSON) at a moment."""

    answers: dict
    derived: dict
    version: int  # the definition version the record was in
    late: bool = False  # the record did not exist at the period's end: this is its state now

    @property
    def values(self):
        return {**self.derived, **self.answers}


@dataclass
class Member:
    record: Record
    state: State
    reference: str
    triggered: list = field(default_factory=list)  # the include_when triggers that hold
    excluded_by: list = field(default_factory=list)  # the exclude_when triggers that hold
    choice: object = None  # the organisation's RecordChoice, if any

    @property
    def included(self):
        if self.choice is not None:
            return self.choice.include
        return bool(self.triggered) and not self.excluded_by

    @property
    def reasons(self):
        """Why it is in, or out, as people read it."""
        if self.choice is not None:
            return [f"{'Included' if self.choice.include else 'Excluded'} by the organisation: {self.choice.reason}"]
        return [trigger.label for trigger in (self.excluded_by or self.triggered)]


def end_of(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def state_at_end(record, period, now=False):
    """The record as it stood at the period's end; as it stands now if it did not exist
    then, or if `now` (a revision frozen at resubmission)."""
    end = end_of(period.end)
    if now or record.updated_at <= end:  # unchanged since: its state then is its state now
        return State(dict(record.answers), dict(record.derived), record.version, late=record.created_at > end)
    answers = state_at(record, period.end)
    if answers is None:
        return State(dict(record.answers), dict(record.derived), record.version, late=True)
    # Derived values are not in the revisions: derived again from the answers then, by the version then.
    version = version_at(record, period.end)
    collection = registry.get(record.collection)
    definition = collection.definition(record.record_type, version)
    derived = collection.rule_pack(record.record_type, version).derive(
        from_json(definition, answers), context_for(record, definition, today=period.end))
    return State(answers, to_json(derived), version)


def evaluate(declared, record, state, period):
    """The triggers that hold for a record in a state: (include, exclude)."""
    definition = registry.get(record.collection).definition(record.record_type, state.version)
    values = from_json(definition, state.values)
    env = scope(values, {**context_for(record, definition, today=period.end), **period.context()})
    hold = [[trigger for trigger in triggers if trigger.expression.evaluate_in(env)]
            for triggers in (declared.include_when, declared.exclude_when)]
    return hold[0], hold[1]


def reference_of(declared, answers):
    return ", ".join(str(answers[name]) for name in declared.reference if answers.get(name) not in (None, ""))


def candidates(declared, organisation, user):
    return (Record.objects.visible_to(user)
            .filter(collection=declared.collection, record_type=declared.record_type, owning_organisation=organisation)
            .order_by("pk"))


def members(declared, organisation, period, user, choices=(), revised=frozenset()):
    """Every record the triggers or the organisation's choices put in or out of the
    return, as Members, in id order; records neither triggered nor chosen are left out.
    `revised`: ids of records to take as they stand now (changed since a submission)."""
    chosen = {choice.record_id: choice for choice in choices}
    found = []
    for record in candidates(declared, organisation, user):
        state = state_at_end(record, period, now=record.pk in revised)
        triggered, excluded_by = evaluate(declared, record, state, period)
        if triggered or record.pk in chosen:
            found.append(Member(record, state, reference_of(declared, state.answers), triggered, excluded_by,
                                chosen.get(record.pk)))
    return found


@dataclass
class Differences:
    """What changed between two sets of frozen records ({record id: values})."""

    new: list  # record ids
    gone: list
    changed: dict  # record id: [variable, ...]

    def __bool__(self):
        return bool(self.new or self.gone or self.changed)


def differences(before, after):
    changed = {}
    for number in sorted(set(before) & set(after)):
        names = sorted(name for name in set(before[number]) | set(after[number])
                       if before[number].get(name) != after[number].get(name))
        if names:
            changed[number] = names
    return Differences(sorted(set(after) - set(before)), sorted(set(before) - set(after)), changed)
