"""The gateway: every channel (web form, bulk upload, API) changes records here,
with one set of rules.

    outcome = submit(record, {"age1": 34}, source="api", user=person)

It normalises the answers against the definition, clears answers that no longer
apply, derives, validates, and saves with a revision. Presence never blocks a save:
missing answers only keep the record in progress. A value that breaks a hard rule
is not stored. A soft rule asks for a confirmation, recorded with the values it
confirmed.
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.routing import route, unanswered
from cldc.platform.definitions.values import from_json, normalise, to_json
from cldc.platform.records.models import Record, Revision, Status

MAX_PASSES = 3


class StaleRecord(Exception):
    """Someone else changed the record since it was read (optimistic locking)."""


@dataclass
class Outcome:
    record: Record
    errors: list = field(default_factory=list)  # hard: dicts with field, rule, severity, message
    warnings: list = field(default_factory=list)  # soft checks waiting for confirmation
    confirmed: list = field(default_factory=list)  # soft checks that fired and are confirmed
    rejected: dict = field(default_factory=dict)  # submitted values not stored, by variable
    cleared: list = field(default_factory=list)  # answers removed because they no longer apply
    missing: list = field(default_factory=list)  # applicable questions not yet answered
    changes: dict = field(default_factory=dict)  # variable -> [old, new], as stored
    status: str = Status.NOT_STARTED
    saved: bool = False

    @property
    def ok(self):
        return not self.errors

    def as_dict(self):
        return {
            "id": self.record.pk,
            "status": self.status,
            "answers": self.record.answers,
            "derived": self.record.derived,
            "errors": self.errors,
            "warnings": self.warnings,
            "cleared": self.cleared,
            "missing": self.missing,
        }


def context_for(record, definition, today=None):
    """Values the rules may read besides answers."""
    return {
        "today": today or dt.date.today(),
        "version": definition.version,
        "collection_start": definition.valid_from,
        "collection_end": definition.valid_to,
        "owning_organisation_type": getattr(record.owning_organisation, "type", None),
        "managing_organisation_type": getattr(record.managing_organisation, "type", None),
    }


@dataclass
class Evaluation:
    """What the gateway makes of incoming answers, before anything is saved."""

    answers: dict  # the typed answers to store (after rejections and routing)
    derived: dict
    cleared: list  # answers removed because they no longer apply
    rejected: dict  # submitted values not stored, by variable
    errors: list  # hard problems: dicts with field, rule, severity, message
    warnings: list  # soft checks waiting for confirmation
    confirmed: list  # soft checks that fired and are confirmed
    missing: list  # applicable questions not yet answered
    status: str
    findings: list  # every rule that fired, including those that refused a value


def evaluate(definition, pack, answers, incoming, context, channel, confirmations):
    """The pure part of the gateway, without saving. Used by submit() and by
    validate-only callers (the API, `cldc validate`, the bulk-upload preview)."""
    values, field_errors = normalise(definition, incoming, answers)
    rejected = {e.field: incoming.get(e.field) for e in field_errors}
    submitted = {name for name in values if name not in rejected}

    rejecting = []  # hard findings that stopped a submitted value being stored
    for _ in range(MAX_PASSES):
        candidate = {k: v for k, v in {**answers, **{n: values[n] for n in submitted}}.items() if v is not None}
        kept, cleared, applicable = route(definition, candidate, context)
        # Derived values that only repeat an answer are not derived: keep the answer.
        derived = {k: v for k, v in pack.derive(kept, context).items() if kept.get(k) != v}
        findings = pack.check({**derived, **kept}, context, channel, definition)
        hard = [f for f in findings if f.severity == "hard"]
        # A hard rule blames the submitted values it attaches its message to; those
        # are not stored. Values it only reads stay: the error then shows where the
        # person must change something.
        standing = submitted & set(kept)  # routing may have cleared some of what was sent
        blamed = set()
        for finding in hard:
            blamed |= standing & set(finding.attach_to)
        if not blamed:
            break
        rejecting += [f for f in hard if standing & set(f.attach_to)]
        for name in blamed:  # a value that breaks a hard rule is not stored: keep the old one
            rejected[name] = values.get(name)
            submitted.discard(name)

    errors = [e.as_dict() for e in field_errors]
    seen = set()
    for finding in rejecting + hard:
        if (finding.rule_id, finding.message) not in seen:
            seen.add((finding.rule_id, finding.message))
            errors.append({**finding.as_dict(), "field": finding.attach_to[0] if finding.attach_to else None})
    warnings, confirmed = [], []
    current = {**derived, **kept}
    for finding in findings:
        if finding.severity != "soft":
            continue
        snapshot = to_json({name: current.get(name) for name in finding.fields})
        if confirmations.get(finding.rule_id) == snapshot:
            confirmed.append(finding.rule_id)
        else:
            warnings.append({**finding.as_dict(), "field": finding.attach_to[0] if finding.attach_to else None,
                             "confirm_question": finding.confirm_question})
    missing = [q.id for q in unanswered(applicable, kept, context)]
    if not kept:
        status = Status.NOT_STARTED
    elif missing or errors or warnings:
        status = Status.IN_PROGRESS
    else:
        status = Status.COMPLETED
    return Evaluation(kept, derived, cleared, rejected, errors, warnings, confirmed, missing, status, rejecting + findings)


def submit(record, incoming, source, user=None, *, confirm=(), expected_version=None, validate_only=False, today=None,
           api_client=None):
    """Apply answers from a channel to a record and save it (unless validate_only).

    confirm: ids of soft checks the person confirms for the values now in the record.
    expected_version: the lock_version the caller read; a mismatch raises StaleRecord.
    api_client: the API client making the change, named on the revision (provenance).
    """
    collection = registry.get(record.collection)
    definition = collection.definition(record.record_type, record.version)
    pack = collection.rule_pack(record.record_type, record.version)
    context = context_for(record, definition, today)
    answers = from_json(definition, record.answers)
    confirmations = dict(record.confirmations)

    result = evaluate(definition, pack, answers, incoming, context, source, confirmations)
    if confirm:  # record the confirmations against the values they confirm, then judge again
        current = {**result.derived, **result.answers}
        for finding in result.findings:
            if finding.severity == "soft" and finding.rule_id in confirm:
                confirmations[finding.rule_id] = to_json({name: current.get(name) for name in finding.fields})
        result = evaluate(definition, pack, answers, incoming, context, source, confirmations)

    old_answers = record.answers
    new_answers = to_json(result.answers)
    changes = {
        name: [old_answers.get(name), new_answers.get(name)]
        for name in sorted(set(old_answers) | set(new_answers))
        if old_answers.get(name) != new_answers.get(name)
    }
    confirmations = {rule: values for rule, values in confirmations.items() if rule in result.confirmed}
    if confirmations != record.confirmations:
        changes["confirmations"] = [record.confirmations, confirmations]
    outcome = Outcome(
        record=record, errors=result.errors, warnings=result.warnings, confirmed=result.confirmed,
        rejected=result.rejected, cleared=result.cleared, missing=result.missing, changes=changes, status=result.status,
    )
    record.answers, record.derived = new_answers, to_json(result.derived)
    record.confirmations, record.status = confirmations, result.status
    record.provider_reference = provider_reference(definition, new_answers)
    record.duplicate_key = duplicate_key(definition, new_answers)
    for column, variable in definition.record_fields.items():  # e.g. the owning organisation
        value = str(new_answers.get(variable) or "")
        if value.isdigit():  # an answer that holds a record column sets it
            setattr(record, f"{column}_id", int(value))
    if validate_only:
        return outcome
    _save(record, changes, source, user, expected_version, definition.record_fields, api_client)
    outcome.saved = True
    return outcome


def commit(outcome, source, user=None, *, expected_version=None):
    """Store an outcome checked with validate_only=True, without judging it again (the
    bulk-upload pipeline stores only the rows it found valid)."""
    record = outcome.record
    definition = registry.get(record.collection).definition(record.record_type, record.version)
    _save(record, outcome.changes, source, user, expected_version, definition.record_fields)
    outcome.saved = True
    return outcome


@transaction.atomic
def create_many(outcomes, source, user=None):
    """Store new records from outcomes checked with validate_only=True: one insert for
    the records and one for their first revisions (the bulk-upload pipeline's chunks)."""
    records = [outcome.record for outcome in outcomes]
    if any(record.pk is not None for record in records):
        raise ValueError("create_many stores new records only; use commit() for a change")
    for record in records:
        record.source, record.created_by, record.lock_version = source, user, 1
    Record.objects.bulk_create(records)
    Revision.objects.bulk_create(
        Revision(record=outcome.record, number=1, user=user, source=source, changes=outcome.changes)
        for outcome in outcomes)
    for outcome in outcomes:
        outcome.saved = True
    return outcomes


def provider_reference(definition, answers):
    """The provider's own key for the record (the definition's reference_key), used to
    match re-uploads and API upserts. Blank until every part is answered."""
    parts = [answers.get(name) for name in definition.reference_key]
    if not parts or any(p in (None, "") for p in parts):
        return ""
    return "|".join(str(p).strip().lower() for p in parts)


def duplicate_key(definition, answers):
    """A digest of the duplicate-check answers (blank ones count as blank, as the
    UPRN is when an address is typed), once every one that is not optional is given."""
    names = definition.duplicate_check_variables
    needed = [n for n in names if definition.variables[n].optional is False]
    if not names or any(answers.get(n) in (None, "") for n in needed):
        return ""
    text = "|".join(f"{n}={str(answers.get(n) or '').strip().lower()}" for n in names)
    return hashlib.sha256(text.encode()).hexdigest()


@transaction.atomic
def _save(record, changes, source, user, expected_version, record_columns, api_client=None):
    created = record.pk is None
    if created:
        record.source = source
        record.created_by = user
        record.lock_version = 1
        record.save()
    else:
        if not changes:
            return
        expected = record.lock_version if expected_version is None else expected_version
        updated = Record.objects.filter(pk=record.pk, lock_version=expected).update(
            answers=record.answers, derived=record.derived, confirmations=record.confirmations,
            status=record.status, provider_reference=record.provider_reference, duplicate_key=record.duplicate_key,
            **{f"{column}_id": getattr(record, f"{column}_id") for column in record_columns},
            lock_version=F("lock_version") + 1,
            updated_at=timezone.now(),
        )
        if not updated:
            raise StaleRecord(f"Record {record.pk} changed since version {expected}")
        record.lock_version = expected + 1
    number = 1 if created else record.revisions.count() + 1
    Revision.objects.create(record=record, number=number, user=user, source=source, changes=changes,
                            api_client=api_client)
