"""The gateway: every channel (web form, bulk upload, API) changes records here,
with one set of rules.

    outcome = submit(record, {"age1": 34}, source="api", user=person)

It normalises the answers against the definition, clears answers that no longer
apply, derives, validates, and saves with a revision. Presence never blocks a save:
missing answers only keep the record in progress. A value that breaks a hard rule
is not stored. A soft rule asks for a confirmation, recorded with the values it
confirmed. Nothing is dropped without a word: an answer given to a question that the
other answers route away is not stored and is reported (`notes`), and so is the
missing half of a pair (an income without its frequency: the pack's `built_in:
completeness` rules). A change outside the collection window is refused
(WindowClosed), whichever channel sends it.

One result a layer: evaluate(), the pure part, returns an Evaluation (the typed answers
and derived values, errors, warnings, notes, status, and the rule engine's Findings);
submit() returns an Outcome, that Evaluation extended with the record, the changes
stored, whether the record was `created` and `saved`, and whether a value sent was
`refused`. Every channel reads the Outcome (the API's `Writer.write` returns it too).
"""

import datetime as dt
import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.routing import not_asked_message, route, unanswered
from cldc.platform.definitions.values import from_json, normalise, to_json
from cldc.platform.organisations import agreements
from cldc.platform.organisations.context import organisation_context
from cldc.platform.records.copying import copy_new
from cldc.platform.records.models import Record, Revision, SoftCheckOutcome, Status
from cldc.platform.registers import context as registers
from cldc.platform.rules.engine import Finding
from cldc.platform.windows.service import WindowClosed, refusal  # noqa: F401 - WindowClosed: raised by submit()

MAX_PASSES = 3
NUMBER_CHECKS = ("numeric_format", "numeric_min_max", "numeric_step")  # the normaliser's, for a number


class StaleRecord(Exception):
    """Someone else changed the record since it was read (optimistic locking)."""


def context_for(record, definition, today=None, answers=None):
    """Values the rules may read besides answers. `entries`: the register entries that
    `answers` (default: the record's own) choose (cldc.platform.registers.context)."""
    return {
        "today": today or dt.date.today(),
        "version": definition.version,
        "collection_start": definition.valid_from,
        "collection_end": definition.valid_to,
        "owning_organisation_type": getattr(record.owning_organisation, "type", None),
        "managing_organisation_type": getattr(record.managing_organisation, "type", None),
        "entries": registers.entries_for(record, definition, record.answers if answers is None else answers),
        # owning_organisation, managing_organisation: their merges, stock, agreement, options in use
        **organisation_context(record, definition, record.answers if answers is None else answers),
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
    notes: list = field(default_factory=list)  # answers given but not stored, halves of pairs missing
    filled: dict = field(default_factory=dict)  # answers the chosen register entries filled (docs/registers.md)


@dataclass(kw_only=True)
class Outcome(Evaluation):
    """What submit() did: the Evaluation of the answers, and what became of the record.
    `answers` and `derived` are typed; the record holds them as JSON (`as_dict`)."""

    record: Record
    changes: dict  # variable -> [old, new], as stored
    created: bool  # the record was new (no primary key) when submitted
    saved: bool = False

    @property
    def ok(self):
        return not self.errors

    @property
    def refused(self):
        """A value sent was not stored (`rejected`): its format or a hard rule refused it."""
        return bool(self.rejected)

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
            "notes": self.notes,
        }


NOTE = "warning"  # the severity of a note: told, never blocking, nothing to confirm
NOT_ASKED = "not_applicable"  # the rule id of an answer given to a question that does not apply
NOT_OFFERED = "option_not_offered"  # the rule id of an answer its question's offered_when does not offer


def evaluate(definition, pack, answers, incoming, context, channel, confirmations, inferred=frozenset()):
    """The pure part of the gateway, without saving. Used by submit() and by
    validate-only callers (the API, `cldc validate`, the bulk-upload preview).
    `inferred`: incoming values the channel worked out rather than the person gave
    (bulk upload's "person 3 is absent" for blank columns): not reported when routing
    removes them."""
    values, field_errors = normalise(definition, incoming, answers)
    rejected = {e.field: incoming.get(e.field) for e in field_errors}
    submitted = {name for name in values if name not in rejected}

    rejecting = []  # hard findings that stopped a submitted value being stored
    for _ in range(MAX_PASSES):
        candidate = {k: v for k, v in {**answers, **{n: values[n] for n in submitted}}.items() if v is not None}
        kept, cleared, applicable = route(definition, candidate, context)
        filled = registers.fills(definition, context.get("entries"), kept, applicable)  # la from the location
        kept.update(filled)
        cleared = [name for name in cleared if name not in filled]
        # Derived values that only repeat an answer are not derived: keep the answer.
        # (A derived value is never None, so one without an answer of its name is kept unasked.)
        derived = {k: v for k, v in pack.derive(kept, context).items() if k not in kept or kept[k] != v}
        current = {**derived, **kept}
        findings = pack.check(current, context, channel, definition)
        findings += _not_offered(definition, kept, current, context)
        hard = [f for f in findings if f.severity == "hard"]
        # A hard rule blames the submitted values it attaches its message to; those
        # are not stored. Values it only reads stay: the error then shows where the
        # person must change something.
        blamed = set()
        if hard:
            standing = submitted & set(kept)  # routing may have cleared some of what was sent
            for finding in hard:
                blamed |= standing & set(finding.attach_to)
        if not blamed:
            break
        rejecting += [f for f in hard if standing & set(f.attach_to)]
        for name in blamed:  # a value that breaks a hard rule is not stored: keep the old one
            rejected[name] = values.get(name)
            submitted.discard(name)

    # A number's format, range and step count only where its question is asked (CORE's
    # shared numeric checks skip a page not routed to): routing clears it, not refuses it.
    number_errors = [e for e in field_errors if e.rule in NUMBER_CHECKS]
    asked = _asked(applicable) if number_errors else None  # worked out only when needed: most records need none
    unasked_numbers = {e.field for e in number_errors if e.field not in asked}
    for name in unasked_numbers:
        del rejected[name]
    cleared = sorted({*cleared, *unasked_numbers})
    errors = [e.as_dict() for e in field_errors if e.field not in unasked_numbers]
    seen = set()  # one message once on its field (rules for either end of a range say the same words)
    for finding in rejecting + hard:
        field_name = finding.attach_to[0] if finding.attach_to else None
        if (field_name, finding.message) not in seen:
            seen.add((field_name, finding.message))
            errors.append({**finding.as_dict(), "field": field_name})
    warnings, confirmed = [], []
    for finding in findings:
        if finding.severity != "soft":
            continue
        snapshot = to_json({name: current.get(name) for name in finding.fields})
        if confirmations.get(finding.rule_id) == snapshot:
            confirmed.append(finding.rule_id)
        else:
            warnings.append({**finding.as_dict(), "field": finding.attach_to[0] if finding.attach_to else None,
                             "confirm_question": finding.confirm_question})
    unasked = unanswered(applicable, kept, context)
    missing = [q.id for q in unasked]
    told = []  # answers given now that are not stored, each to be told why
    if cleared:
        given = {name for name in submitted if values.get(name) is not None and name not in inferred}
        given |= unasked_numbers - set(inferred)
        told = [name for name in cleared if name in given]
    if told and asked is None:
        asked = _asked(applicable)
    notes = [note for name in told if (note := _not_stored(definition, name, kept, context, asked, inferred))]
    notes += _halves_missing(definition, pack, unasked, kept)
    if not kept:
        status = Status.NOT_STARTED
    elif missing or errors or warnings:
        status = Status.IN_PROGRESS
    else:
        status = Status.COMPLETED
    return Evaluation(kept, derived, cleared, rejected, errors, warnings, confirmed, missing, status, rejecting + findings,
                      notes, filled)


def _asked(applicable):
    """The variables of the questions that apply."""
    return {name for question in applicable for name in question.variables}


def _not_offered(definition, kept, current, context):
    """A hard finding for each answer its question does not offer now (`offered_when`),
    in every channel. Like any hard finding, it refuses a value sent now; an answer
    stored before stays, with the message on its field, so that other changes are still
    saved and nothing is lost. `current`: the derived values and `kept` over them."""
    offering = [q for q in definition.offering if kept.get(q.id) is not None]
    if not offering:
        return []
    env = scope(current, context)
    findings = []
    for question in offering:
        offer = question.offer(env)
        # A retired code is judged as retired (normalise: kept where held, never chosen anew), not as not offered.
        if offer is not None and kept[question.id] not in offer.codes and kept[question.id] in question.codes:
            if offer.options_of:  # the options its organisation uses: the organisation's answer is read
                read = [v for v in [definition.record_fields.get(offer.options_of)] if v]
            else:
                read = sorted(offer.when.names & definition.variables.keys())
            findings.append(Finding(NOT_OFFERED, "hard", [question.id, *read], [question.id],
                                    question.not_offered_message(offer, kept[question.id])))
    return findings


def _not_stored(definition, name, kept, context, asked, inferred):
    """The note for an answer given to a question the other answers route away (none
    when only values the channel inferred route it away)."""
    message = not_asked_message(definition, name, kept, context, asked, inferred)
    if message is None:
        return None
    return {"field": name, "rule": NOT_ASKED, "severity": NOTE, "fields": [name], "attach_to": [name],
            "message": message}


def _halves_missing(definition, pack, unasked, kept):
    """For each applicable question left blank while the other half of its pair is
    given, the pack's `built_in: completeness` rule for it (CORE: "Select how often the
    household receives income." when the income is given): which question is missing,
    in every channel. Presence never blocks a save, so it is a note, not an error. Of
    two rules over one pair, the one attached first to the blank question."""
    if not unasked:
        return []
    pairs = [r for r in pack.rules if r.built_in.startswith("completeness")]
    notes = []
    for question in unasked:
        fitting = [r for r in pairs if question.id in r.fields
                   and all(kept.get(name) is not None for name in r.fields if name != question.id)]
        if fitting:
            rule = next((r for r in fitting if r.attach_to[:1] == [question.id]), fitting[0])
            notes.append({"field": question.id, "rule": rule.id, "severity": NOTE, "fields": rule.fields,
                          "attach_to": [question.id], "message": rule.render(kept, {}, definition)})
    return notes


def submit(record, incoming, source, user=None, *, confirm=(), expected_version=None, validate_only=False, today=None,
           api_client=None, windows=None, inferred=frozenset()):
    """Apply answers from a channel to a record and save it (unless validate_only).

    confirm: ids of soft checks the person confirms for the values now in the record.
    expected_version: the lock_version the caller read; a mismatch raises StaleRecord.
    api_client: the API client making the change, named on the revision (provenance).
    windows: a windows.service.Windows, for a caller that submits many records.
    inferred: incoming values the channel worked out itself (see evaluate()).
    today: the day of the submission, for the rules and the window (tests pin it).

    A new record, or a change, outside the collection window raises WindowClosed,
    validate_only or not (check_window); a submission that changes nothing does not,
    nor does reading a record (validate_only, with no answers and no confirmation).
    A new record, or a change of its organisations, naming an organisation that has not
    accepted the data sharing agreement the collection asks for raises
    AgreementNotAccepted, a WindowClosed (cldc.platform.organisations.agreements).
    """
    collection = registry.get(record.collection)
    definition = collection.definition(record.record_type, record.version)
    pack = collection.rule_pack(record.record_type, record.version)
    incoming = registers.canonical(definition, incoming)  # an entry named by its number or code: stored as its code
    context = context_for(record, definition, today, {**record.answers, **incoming})
    answers = from_json(definition, record.answers)
    confirmations = dict(record.confirmations)

    result = evaluate(definition, pack, answers, incoming, context, source, confirmations, inferred)
    if confirm:  # record the confirmations against the values they confirm, then judge again
        current = {**result.derived, **result.answers}
        for finding in result.findings:
            if finding.severity == "soft" and finding.rule_id in confirm:
                confirmations[finding.rule_id] = to_json({name: current.get(name) for name in finding.fields})
        result = evaluate(definition, pack, answers, incoming, context, source, confirmations, inferred)

    confirmations = {rule: values for rule, values in confirmations.items() if rule in result.confirmed}
    changes = changes_to(record, result, confirmations)
    reading = validate_only and not incoming and not confirm  # a page showing what a record needs
    if record.pk is None or (changes and not reading):
        check_window(record, today, windows)
        refused = agreements.refusal(record, definition, pack, to_json(result.answers), context)
        if refused:  # the collection asks for an organisation's data sharing agreement
            raise refused
    outcome = Outcome(**vars(result), record=record, changes=changes, created=record.pk is None)
    hold(record, definition, result, confirmations)
    if validate_only:
        return outcome
    _save(record, changes, source, user, expected_version, definition.record_fields, api_client)
    outcome.saved = True
    return outcome


def changes_to(record, result, confirmations):
    """What storing an evaluation would change in the record: variable -> [old, new] as
    stored, and the confirmations still standing under `confirmations` if they differ."""
    old_answers, new_answers = record.answers, to_json(result.answers)
    changes = {
        name: [old_answers.get(name), new_answers.get(name)]
        for name in sorted(set(old_answers) | set(new_answers))
        if old_answers.get(name) != new_answers.get(name)
    }
    if confirmations != record.confirmations:
        changes["confirmations"] = [record.confirmations, confirmations]
    return changes


def hold(record, definition, result, confirmations):
    """Put an evaluation on the record, unsaved: its answers and derived values as JSON,
    the confirmations still standing, its status and facts, and the record's columns
    that its answers name (submit(), and a move to another version)."""
    new_answers = to_json(result.answers)
    record.error_count = outstanding_errors(result)
    completed = result.status == Status.COMPLETED
    record.completed_at = (record.completed_at or timezone.now()) if completed else None
    record.soft_checks = soft_check_outcomes(record.soft_checks, result)
    record.answers, record.derived = new_answers, to_json(result.derived)
    record.confirmations, record.status = confirmations, result.status
    record.provider_reference = provider_reference(definition, new_answers)
    record.duplicate_key = duplicate_key(definition, new_answers)
    record.search_text = search_text(definition, new_answers)
    for column, variable in definition.record_fields.items():  # e.g. the owning organisation
        value = str(new_answers.get(variable) or "")
        if value.isdecimal():  # an answer that holds a record column sets it
            setattr(record, f"{column}_id", int(value))


def outstanding_errors(result):
    """How many hard errors the record's stored answers have: those on values refused
    now are not stored, so they are not the record's."""
    return sum(1 for error in result.errors if error["field"] not in result.rejected)


def soft_check_outcomes(before, result):
    """Every soft check that has fired on the record, and what became of it: waiting,
    confirmed, or corrected (it fired before and no longer does, because an answer
    changed). Kept for the data-quality figures."""
    outcomes = dict.fromkeys(before, SoftCheckOutcome.CORRECTED.value)
    outcomes |= {warning["rule"]: SoftCheckOutcome.WAITING.value for warning in result.warnings}
    outcomes |= dict.fromkeys(result.confirmed, SoftCheckOutcome.CONFIRMED.value)
    return outcomes


def check_window(record, today=None, windows=None):
    """Raise WindowClosed, with the one message every channel shows, when the record may
    not be started (a new one) or changed today: the collection window. submit() asks
    before every change; deleting a record asks too."""
    message = refusal(record, today, windows)
    if message:
        raise WindowClosed(message)


def commit(outcome, source, user=None, *, expected_version=None, api_client=None):
    """Store an outcome checked with validate_only=True, without judging it again (the
    bulk-upload pipeline stores only the rows it found valid; a move to another version)."""
    record = outcome.record
    definition = registry.get(record.collection).definition(record.record_type, record.version)
    _save(record, outcome.changes, source, user, expected_version, definition.record_fields, api_client)
    outcome.saved = True
    return outcome


@transaction.atomic
def create_many(outcomes, source, user=None, *, api_client=None):
    """Store new records from outcomes checked with validate_only=True: one COPY for
    the records and one for their first revisions (the bulk-upload pipeline's chunks;
    COPY rather than INSERT for speed, ADR 0021; an API batch's new records, whose
    revisions name the `api_client`)."""
    records = [outcome.record for outcome in outcomes]
    if any(record.pk is not None for record in records):
        raise ValueError("create_many stores new records only; use commit() for a change")
    for record in records:
        record.source, record.created_by, record.lock_version = source, user, 1
    copy_new(Record, records)
    copy_new(Revision, [Revision(record=outcome.record, number=1, user=user, source=source, changes=outcome.changes,
                                 api_client=api_client) for outcome in outcomes])
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


def search_text(definition, answers):
    """The answers people search the list of logs by (the definition's search_fields), lower
    case, one a line: one trigram-indexed column finds any part of any of them, where the
    answers' JSON cannot be indexed for every collection's own fields (forms.views.log_list)."""
    return "\n".join(str(answers[name]).lower() for name in definition.search_fields
                     if answers.get(name) not in (None, ""))


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
            version=record.version,  # changed only by a move to another version (records.versions)
            answers=record.answers, derived=record.derived, confirmations=record.confirmations,
            status=record.status, provider_reference=record.provider_reference, duplicate_key=record.duplicate_key,
            search_text=record.search_text,
            error_count=record.error_count, completed_at=record.completed_at, soft_checks=record.soft_checks,
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
