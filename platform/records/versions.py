"""Moving a record to a later version of its definition: a record that lives across
years, still open when a new collection year starts, is recorded from then on against
that year's questions, through the gateway like any change.

    move = move_to_version(record, 2026, person, "form")   # validate_only=True: what it would do
    move.kept             # the answers carried over as they were
    move.needs_answer     # [{field, rule, message, value}]: answers to give again, with why
    move.no_longer_asked  # the same shape: answers dropped because their question is not asked now

What is carried over: each answer whose question the new version asks, with a value
the new version would take as a new answer (values.normalise, holding nothing). So a
code the new version retires is not carried, nor one retired before that the record
held: an old record keeps a retired code only in its old version. Such an answer is
dropped and needs a new answer; where the definition says which codes replaced it, the
message names them. The rest is judged again by the gateway's evaluate() in the new
version: answers a hard rule finds wrong are kept with the error on their field, as
any stored answer is, and need a new answer too; derived values, status and soft
checks are worked out again. An answer whose question the new version does not have,
or does not ask given the other answers (its routing), is dropped as routing always
drops one, and reported as no longer asked.

It is saved as one revision: the changed answers and `version: [from, to]`, with who
(a person or an API client), when and through which channel (records.history reads
it). The new version's window must have opened and still take changes today, and
`expected_version` is the lock_version the caller read, as for any change. A move to
an earlier version, to the same version, or to one the collection does not have is
refused (MoveRefused). Who may move a record is the channel's to check, as for any
change (changeable_by in the web form, acting.visible_records in the API).
"""

from dataclasses import dataclass, field

from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import (
    Outcome, WindowClosed, changes_to, check_window, commit, context_for, evaluate, hold)
from cldc.platform.records.history import VERSION
from cldc.platform.windows.models import collection_year, long_date
from cldc.platform.windows.service import window_for, windowed

NOT_IN_VERSION = "not_in_version"  # why an answer is no longer asked: the new version has no such question
NOT_ASKED = "not_applicable"  # why an answer is no longer asked: the new version's routing does not ask it


class MoveRefused(ValueError):
    """The record cannot move to that version. The message is for the person."""


@dataclass
class Move:
    """What a move to another version does, or would do (validate_only)."""

    record: object
    from_version: int
    to_version: int
    outcome: Outcome  # the gateway's evaluation in the new version: status, errors, warnings, missing
    kept: list  # variables carried over as they were, in form order
    refused: list  # {field, rule, message, value}: answers the new version does not take as they are
    no_longer_asked: list  # the same: answers whose question the new version does not have, or does not ask
    new_questions: list = field(default_factory=list)  # questions the new version adds that now need an answer
    saved: bool = False

    @property
    def invalid(self):
        """Answers carried over that a hard rule of the new version finds wrong: kept,
        with the error on their field."""
        return [{**error, "value": self.record.answers.get(error["field"])}
                for error in self.outcome.errors if error["field"] in self.kept]

    @property
    def needs_answer(self):
        """Every answer to give again, by field, with why: those not taken, then those found wrong."""
        return self.refused + self.invalid

    def as_dict(self):
        fields = ("field", "rule", "message", "value")
        return {"id": self.record.pk, "from_version": self.from_version, "to_version": self.to_version,
                "status": self.outcome.status, "kept": self.kept,
                "needs_answer": [{key: item.get(key) for key in fields} for item in self.needs_answer],
                "no_longer_asked": [{key: item.get(key) for key in fields} for item in self.no_longer_asked],
                "new_questions": self.new_questions, "saved": self.saved}


def later_versions(record):
    """The versions of the record's type after its own, oldest first: where it may move."""
    return [v for v in registry.get(record.collection).versions(record.record_type) if v > record.version]


def move_to_version(record, version, user, source, *, expected_version=None, validate_only=False, today=None,
                    api_client=None):
    """Move a stored record to a later `version` of its definition (see the module's
    docstring). Returns a Move; raises MoveRefused, WindowClosed, or the gateway's
    StaleRecord when the record changed since `expected_version`."""
    collection = registry.get(record.collection)
    old, new = record.version, int(version)
    before = collection.definition(record.record_type, old)
    noun = before.nouns[0]
    if new <= old:
        where = "already in" if new == old else "in"
        raise MoveRefused(f"This {noun} is {where} the {collection_year(old)} collection year. "
                          f"It can only move to a later year.")
    if new not in collection.versions(record.record_type):
        raise MoveRefused(f"There is no {collection_year(new)} collection year for this {noun}.")
    after = collection.definition(record.record_type, new)
    today = today or timezone.localdate()

    asked = {name: value for name, value in record.answers.items() if name in after.variables}
    no_longer_asked = [{"field": name, "rule": NOT_IN_VERSION, "value": value,
                        "message": f"“{answer_label(before, name)}” is not a question in the {collection_year(new)} "
                                   "collection year."}
                       for name, value in record.answers.items() if name not in asked]
    values, problems = normalise(after, asked)  # as new answers: a code the new version does not offer is refused
    refused = [{**problem.as_dict(), "value": asked[problem.field]} for problem in problems]
    carried = {name: value for name, value in values.items() if name not in {p.field for p in problems}}

    context = context_for(record, after, today)
    pack = collection.rule_pack(record.record_type, new)
    result = evaluate(after, pack, carried, {}, context, source, dict(record.confirmations))
    no_longer_asked += [{"field": name, "rule": NOT_ASKED, "value": record.answers.get(name),
                         "message": f"“{answer_label(after, name)}” is not asked in the {collection_year(new)} "
                                    f"collection year, given this {noun}’s other answers."}
                        for name in result.cleared]
    confirmations = {rule: snapshot for rule, snapshot in record.confirmations.items() if rule in result.confirmed}
    changes = {**changes_to(record, result, confirmations), VERSION: [old, new]}

    record.version = new  # the window judged is the new version's
    try:
        _check_opened(record, today, before.nouns[1])
        check_window(record, today)
    except WindowClosed:
        record.version = old
        raise
    outcome = Outcome(**vars(result), record=record, changes=changes, created=False)
    move = Move(record, old, new, outcome,
                kept=[name for name in after.variables if name in result.answers and name in record.answers],
                refused=refused, no_longer_asked=no_longer_asked,
                new_questions=[name for name in result.missing if name not in before.questions])
    if validate_only:
        record.version = old
        return move
    hold(record, after, result, confirmations)
    commit(outcome, source, user, expected_version=expected_version, api_client=api_client)
    move.saved = True
    return move


def _check_opened(record, today, nouns):
    """A stored record may change until its version's last day for changes (the
    gateway's check_window); one moving into a version needs that version's window to
    have opened too."""
    if not windowed(record.collection):
        return
    window = window_for(record.collection, record.record_type, record.version)
    if window is not None and today < window.opens_on:
        raise WindowClosed(f"You can move {nouns} to the {collection_year(record.version)} collection year "
                           f"from {long_date(window.opens_on)}.")


def answer_label(definition, name):
    """A stored variable's question as people read it: its label; a tick box's with its option."""
    question = definition.variables[name]
    label = question.label or question.text or name
    return f"{label}: {question.label_for(name)}" if question.type == "checkbox" else label
