"""Which records belong in a return, and as what: each record of the organisation
(owned by it, among those the person sees: Record.visible_to) as it stood at the
period's end, rebuilt from its revisions (records.history.states_at), or as it stands
now if it was created after the end (a late addition); the package's triggers over
that state; then the organisation's own choices (RecordChoice), which win."""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count, Max, Sum
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.values import from_json, to_json
from cldc.platform.records.gateway import context_for
from cldc.platform.records.history import states_at
from cldc.platform.organisations.models import Organisation
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


def states_at_end(records, period, now=frozenset()):
    """{record id: State}: each record as it stood at the period's end; as it stands
    now if it did not exist then, or if its id is in `now` (a revision frozen at
    resubmission). The answers of all of them come from one query of revisions
    (records.history.states_at): records unchanged since the end cost none."""
    end = end_of(period.end)
    states = {}
    for record in records:
        if record.pk in now or record.updated_at <= end:  # unchanged since: its state then is its state now
            states[record.pk] = State(dict(record.answers), dict(record.derived), record.version,
                                      late=record.created_at > end)
    rebuilt = [record for record in records if record.pk not in states]
    then = states_at(rebuilt, period.end)
    for record in rebuilt:
        answers, version = then[record.pk]
        if answers is None:
            states[record.pk] = State(dict(record.answers), dict(record.derived), record.version, late=True)
            continue
        # Derived values are not in the revisions: derived again from the answers then, by the version then.
        collection = registry.get(record.collection)
        definition = collection.definition(record.record_type, version)
        derived = collection.rule_pack(record.record_type, version).derive(
            from_json(definition, answers), context_for(record, definition, today=period.end))
        states[record.pk] = State(answers, to_json(derived), version)
    return states


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


def with_organisations(records):
    """The records, each with its owner and manager read once for all of them (the
    rules' context reads their types): select_related would make two a record."""
    ids = {r.owning_organisation_id for r in records} | {r.managing_organisation_id for r in records}
    found = Organisation.objects.in_bulk(ids - {None})
    for name in ("owning_organisation", "managing_organisation"):
        field = Record._meta.get_field(name)
        for record in records:
            field.set_cached_value(record, found.get(getattr(record, field.attname)))
    return records


def members(declared, organisation, period, user, choices=(), revised=frozenset(), records=None):
    """Every record the triggers or the organisation's choices put in or out of the
    return, as Members, in id order; records neither triggered nor chosen are left out.
    `revised`: ids of records to take as they stand now (changed since a submission).
    `records`: the candidates already read (a list of several periods reads them once)."""
    chosen = {choice.record_id: choice for choice in choices}
    records = with_organisations(list(candidates(declared, organisation, user))) if records is None else records
    states = states_at_end(records, period, now=revised)
    found = []
    for record in records:
        state = states[record.pk]
        triggered, excluded_by = evaluate(declared, record, state, period)
        if triggered or record.pk in chosen:
            found.append(Member(record, state, reference_of(declared, state.answers), triggered, excluded_by,
                                chosen.get(record.pk)))
    return found


COUNT_KEPT_FOR = 7 * 24 * 3600  # seconds: a count is worked out again sooner whenever a record or choice changes


def included_counts(declared, organisation, periods, user, choices):
    """{period: how many records are in the organisation's open return}, for the list of
    returns. Each count is kept in the cache under a fingerprint of the records the
    person sees (how many, their ids, their last change and lock versions) and of the
    period's choices, so it is worked out again only after one of them changed; the
    records are then read once for every period. `choices`: {period: RecordChoices}."""
    seen = candidates(declared, organisation, user).order_by().aggregate(
        count=Count("pk"), ids=Sum("pk"), changed=Max("updated_at"), locks=Sum("lock_version"))
    keys = {}
    for period in periods:
        chosen = sorted((c.record_id, c.include) for c in choices.get(period, ()))
        fingerprint = hashlib.sha256(repr((sorted(seen.items()), chosen)).encode()).hexdigest()
        keys[period] = (f"return-count:{declared.collection}:{declared.record_type}:{organisation.pk}:"
                        f"{period.key}:{fingerprint}")
    kept = cache.get_many(list(keys.values()))
    counts = {period: kept[key] for period, key in keys.items() if key in kept}
    missing = [period for period in periods if period not in counts]
    if missing:
        records = with_organisations(list(candidates(declared, organisation, user)))
        for period in missing:
            found = members(declared, organisation, period, user, choices.get(period, ()), records=records)
            counts[period] = sum(member.included for member in found)
        cache.set_many({keys[period]: counts[period] for period in missing}, COUNT_KEPT_FOR)
    return counts


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
