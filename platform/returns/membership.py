"""Which records belong in a return, and as what (docs/returns.md, ADR 12).

Each record the organisation owns is read as it stands now (when the return is read,
prepared or submitted), and the package's triggers judge the record's own event dates
against the quarter (`quarter_start`, `quarter_end`). Not its state at the quarter's
end rebuilt from when its changes were saved: councils send a quarter after it ends,
so the saving dates say nothing about the quarter. Then the organisation's own choices
(RecordChoice) win.

What the triggers and choices made of each record is kept per return, as ReturnMember
rows (one a record, with its lock_version then): `refresh` judges again only the
records changed or chosen since, and drops those the organisation no longer owns, so
a page reads stored rows. Rows are the organisation's; a page or a submission shows
only those whose records the person sees (`shown`: Record.visible_to)."""

import json
from dataclasses import dataclass, field

from django.db import connection

from cldc.platform import registry
from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.values import from_json
from cldc.platform.organisations.models import Organisation
from cldc.platform.records.gateway import context_for
from cldc.platform.records.models import Record
from cldc.platform.returns.models import RecordChoice, Return, ReturnMember, SnapshotRecord


@dataclass
class State:
    """A record's answers and derived values (as stored: JSON), as it stands."""

    answers: dict
    derived: dict
    version: int  # the definition version the record is in

    @property
    def values(self):
        return {**self.derived, **self.answers}


def state_of(record):
    return State(dict(record.answers), dict(record.derived), record.version)


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


def judge(declared, record, periods):
    """{period: (include triggers that hold, exclude triggers that hold)} for a record as
    it stands: its values read once, the triggers given each period's dates."""
    state = state_of(record)
    definition = registry.get(record.collection).definition(record.record_type, state.version)
    values = from_json(definition, state.values)
    held = {}
    for period in periods:
        env = scope(values, {**context_for(record, definition, today=period.end), **period.context()})
        held[period] = tuple([trigger for trigger in triggers if trigger.expression.evaluate_in(env)]
                             for triggers in (declared.include_when, declared.exclude_when))
    return held


def evaluate(declared, record, period):
    """The triggers that hold for a record as it stands: (include, exclude)."""
    return judge(declared, record, [period])[period]


def reference_of(declared, answers):
    return ", ".join(str(answers[name]) for name in declared.reference if answers.get(name) not in (None, ""))


def owned(declared, organisation):
    """The records a return is worked out over: every record of the type the organisation
    owns (a child's records are on the child's return). Shown to a person only through
    `shown`, or candidates()."""
    return Record.objects.filter(collection=declared.collection, record_type=declared.record_type,
                                 owning_organisation=organisation)


def candidates(declared, organisation, user):
    """The organisation's records the person sees: those they may name in a choice."""
    return Record.objects.visible_to(user).filter(pk__in=owned(declared, organisation).values("pk")).order_by("pk")


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


def members(declared, organisation, period, user, choices=()):
    """Every record the person sees that the triggers or the organisation's choices put
    in or out of the return, as Members, in id order, worked out now (not stored: the
    pages read ReturnMembers, kept by `refresh`; the two agree, as a test keeps them)."""
    chosen = {choice.record_id: choice for choice in choices}
    found = []
    for record in with_organisations(list(candidates(declared, organisation, user))):
        triggered, excluded_by = evaluate(declared, record, period)
        if triggered or record.pk in chosen:
            found.append(Member(record, state_of(record), reference_of(declared, record.answers), triggered,
                                excluded_by, chosen.get(record.pk)))
    return found


# --- Kept per return -------------------------------------------------------------------------


def return_for(declared, organisation, period, lock=False):
    """The organisation's return for a period, made the first time it is read or acted on."""
    made, _ = Return.objects.get_or_create(organisation=organisation, collection=declared.collection,
                                           record_type=declared.record_type, year=period.year, number=period.number)
    return Return.objects.select_for_update().get(pk=made.pk) if lock else made


# What judging a record reads of it (the triggers' values, its reference, the rules' context).
JUDGED_FIELDS = ("collection", "record_type", "version", "answers", "derived", "lock_version",
                 "owning_organisation", "managing_organisation")


def refresh(declared, returns):
    """Bring the ReturnMembers of some returns (one organisation's) up to date with its
    records and choices: drop rows of records it no longer owns, and judge again each
    record with no row of its lock_version (new, changed, or chosen since: `forget`).
    The records to judge are read once for all the returns. Returns how many were judged."""
    if not returns:
        return 0
    organisation = returns[0].organisation
    records = owned(declared, organisation)
    stale = {}
    for made in returns:
        if made.members_by != declared.fingerprint:  # another returns file: judge every record again
            ReturnMember.objects.filter(return_made=made).delete()
            Return.objects.filter(pk=made.pk).update(members_by=declared.fingerprint)
            made.members_by = declared.fingerprint
        ReturnMember.objects.filter(return_made=made).exclude(
            record__owning_organisation=organisation, record__collection=declared.collection,
            record__record_type=declared.record_type).delete()
    # Compared here, not by an anti-join: just after many rows are stored the planner,
    # thinking the table small, loops over it once a record (minutes at 20,000).
    now = dict(records.values_list("pk", "lock_version"))
    kept = {}
    for made_id, record_id, lock_version in ReturnMember.objects.filter(return_made__in=returns).values_list(
            "return_made", "record", "lock_version"):
        kept.setdefault(made_id, {})[record_id] = lock_version
    for made in returns:
        judged = kept.get(made.pk, {})
        stale[made] = {pk for pk, lock_version in now.items() if judged.get(pk) != lock_version}
    wanted = sorted(set().union(*stale.values()))
    if not wanted:
        return 0
    chosen = {(choice.return_made_id, choice.record_id): choice
              for choice in RecordChoice.objects.filter(return_made__in=returns)}  # a few, however many records
    read = records if len(wanted) == len(now) else records.filter(pk__in=wanted)  # every one: no list of ids to send
    rows = []
    for record in with_organisations(list(read.only(*JUDGED_FIELDS).order_by("pk"))):
        mine = [made for made in returns if record.pk in stale[made]]
        if not mine:  # stored since the records were compared: judged at the next refresh
            continue
        held = judge(declared, record, [made.period for made in mine])
        reference = reference_of(declared, record.answers)
        for made in mine:
            member = Member(record, None, reference, *held[made.period], chosen.get((made.pk, record.pk)))
            rows.append((made.pk, record.pk, record.lock_version, bool(member.triggered) or member.choice is not None,
                         member.included, reference, json.dumps(member.reasons)))
    _store(rows)
    return len(rows)


def _store(rows):
    """Write ReturnMember rows (return, record, lock_version, listed, included, reference,
    reasons as JSON), replacing any of the same return and record: one statement a
    batch, each column sent as an array (a bulk_create of 20,000 rows spent seconds
    building its SQL)."""
    table = ReturnMember._meta.db_table
    sql = (f"INSERT INTO {table} (return_made_id, record_id, lock_version, listed, included, reference, reasons) "
           f"SELECT m, r, l, li, i, ref, rs::jsonb FROM unnest(%s::bigint[], %s::bigint[], %s::int[], %s::bool[], "
           f"%s::bool[], %s::text[], %s::text[]) AS t(m, r, l, li, i, ref, rs) "
           f"ON CONFLICT (return_made_id, record_id) DO UPDATE SET lock_version = EXCLUDED.lock_version, "
           f"listed = EXCLUDED.listed, included = EXCLUDED.included, reference = EXCLUDED.reference, "
           f"reasons = EXCLUDED.reasons")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), STORED_AT_ONCE):
            cursor.execute(sql, [list(column) for column in zip(*rows[start:start + STORED_AT_ONCE])])
        if len(rows) >= ANALYSED_AFTER:  # many new rows: let the planner know, for the pages' queries
            cursor.execute(f"ANALYZE {table}")


STORED_AT_ONCE = 10_000
ANALYSED_AFTER = 5_000


def forget(made, record):
    """Judge a record again at the next refresh (its choice changed)."""
    ReturnMember.objects.filter(return_made=made, record=record).delete()


def shown(made, user):
    """The return's ReturnMembers whose records the person sees (Record.visible_to)."""
    return ReturnMember.objects.filter(return_made=made, record__in=Record.objects.visible_to(user).values("pk"))


def included_counts(declared, organisation, returns, user):
    """{Return: how many records the person sees are in it}, for the list of returns:
    the returns' ReturnMembers brought up to date (records read once for all of them)."""
    refresh(declared, returns)
    return {made: shown(made, user).filter(included=True).count() for made in returns}


@dataclass
class Differences:
    """What changed between two sets of frozen records ({record id: values})."""

    new: list  # record ids
    gone: list
    changed: dict  # record id: [variable, ...]

    def __bool__(self):
        return bool(self.new or self.gone or self.changed)


# --- Compared in PostgreSQL ------------------------------------------------------------------
# Each a query of rows (n: record id, v: its values as Member.state.values reads them,
# answers over derived values), for differences_between.


def frozen_values(snapshot):
    """The records frozen in a snapshot."""
    return (f"SELECT record_number AS n, derived || answers AS v FROM {SnapshotRecord._meta.db_table} "
            f"WHERE snapshot_id = %s", (snapshot.pk,))


def included_values(made, user):
    """The records in an open return that the person sees, as they stand."""
    visible, params = Record.objects.visible_to(user).values("pk").query.sql_with_params()
    return (f"SELECT r.id AS n, r.derived || r.answers AS v FROM {ReturnMember._meta.db_table} m "
            f"JOIN {Record._meta.db_table} r ON r.id = m.record_id "
            f"WHERE m.return_made_id = %s AND m.included AND r.id IN ({visible})", (made.pk, *params))


def differences_between(before, after):
    """Differences between two queries of values (above): records only in `after` (new),
    only in `before` (gone), and in both with the names whose values differ (a null and
    a missing value are the same), worked out by PostgreSQL, so a large return's values
    never come to Python."""
    (before_sql, before_params), (after_sql, after_params) = before, after
    sql = (f"SELECT COALESCE(a.n, b.n), b.n IS NULL, a.n IS NULL, CASE WHEN a.n IS NOT NULL AND b.n IS NOT NULL "
           f"THEN ARRAY(SELECT k FROM (SELECT jsonb_object_keys(a.v) AS k UNION SELECT jsonb_object_keys(b.v)) keys "
           f"WHERE COALESCE(a.v -> k, 'null'::jsonb) IS DISTINCT FROM COALESCE(b.v -> k, 'null'::jsonb) "
           f'ORDER BY k COLLATE "C") END '
           f"FROM ({before_sql}) b FULL JOIN ({after_sql}) a ON a.n = b.n "
           f"WHERE a.n IS NULL OR b.n IS NULL OR a.v <> b.v ORDER BY 1")
    new, gone, changed = [], [], {}
    with connection.cursor() as cursor:
        cursor.execute(sql, (*before_params, *after_params))
        for number, is_new, is_gone, names in cursor.fetchall():
            if is_new:
                new.append(number)
            elif is_gone:
                gone.append(number)
            elif names:  # not only a null against a missing value
                changed[number] = names
    return Differences(new, gone, changed)
