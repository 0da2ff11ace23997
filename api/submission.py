"""Writing records for an API client, through the gateway like every channel.

What the API adds to the gateway:
- the version must be one the service collects; answers must name the definition's
  variables (and never a derived one): otherwise a 400 naming them;
- the organisation of a new record, and organisations and people in answers, are
  references, resolved as in every channel among those the client acts for
  (cldc.platform.records.references);
- a write is all or nothing: if the gateway refuses any value sent (a hard error on
  it), nothing is stored and the answer is a 422 with the errors. Soft checks never
  block; they come back as warnings to confirm. Hard errors that blame answers not
  sent in this call are reported with the record, as in the web form;
- the gateway refuses a new record, or a change, outside the collection window: a
  new record is a 422 (on `version`), a change a 409 window-closed problem.
"""

from django.db import transaction

from cldc.api.acting import organisations_acted_for_by_pk
from cldc.api.problems import Problem, issue, issues_from
from cldc.platform import registry
from cldc.platform.places.fill import PostcodeAuthorities, fill_for_channel, still_unanswered
from cldc.platform.records.gateway import StaleRecord, WindowClosed, submit
from cldc.platform.records.models import Record
from cldc.platform.records.references import References
from cldc.platform.windows.service import Windows

SOURCE = "api"


def answers_named(record_fields, answers):
    """The record's own columns (owner, manager, assignee) the answers give a value."""
    return {column for column, variable in record_fields.items() if answers.get(variable) not in (None, "")}


def refused_problem(outcome):
    names = ", ".join(sorted(outcome.rejected))
    return Problem(422, "validation-failed", f"Nothing was stored: these answers break hard rules: {names}",
                   issues_from(outcome.errors))


class Writer:
    """Writes for one client in one service (one request, or one batch)."""

    def __init__(self, client, service):
        self.client = client
        self.service = service
        self.acted_for = organisations_acted_for_by_pk(client)  # {pk: Organisation}, one query
        # A batch asks the same questions a thousand times: remember the answers.
        self._soft_rules, self._references = {}, {}
        self.windows = Windows()
        self.postcodes = PostcodeAuthorities()  # each postcode looked up once; a batch prepares them all at once

    # --- Checks before the gateway -----------------------------------------------------
    def definition(self, record_type, version, collection=None, path=""):
        """The collection and definition a request names, or a 400."""
        names = [collection] if collection else [
            name for name in self.service.collections if record_type in registry.get(name).record_types]
        field = f"{path}collection" if collection or len(names) > 1 else f"{path}record_type"
        if collection and collection not in self.service.collections:
            raise Problem(400, "invalid-request", f"This service does not collect {collection!r}",
                          [issue(field, "unknown_collection", f"Use one of: {', '.join(self.service.collections)}")])
        if len(names) != 1 or record_type not in registry.get(names[0]).record_types:
            message = (f"Say which collection: {', '.join(names)}" if len(names) > 1
                       else f"This service collects no record type {record_type!r}")
            raise Problem(400, "invalid-request", message, [issue(field, "unknown_record_type", message)])
        try:
            return names[0], registry.get(names[0]).definition(record_type, version)
        except LookupError:
            versions = ", ".join(str(v) for v in registry.get(names[0]).versions(record_type))
            message = f"There is no version {version} of {record_type}. Versions: {versions}"
            raise Problem(400, "invalid-request", message, [issue(f"{path}version", "unknown_version", message)]) from None

    def check_variables(self, definition, answers, confirm, path=""):
        """Every answer must be a question of the definition, and not a derived value;
        every confirmation a soft check of its rule pack: otherwise a 400 naming them."""
        errors = []
        for name in answers:
            question = definition.variables.get(name)
            if question is None:
                errors.append(issue(f"{path}answers.{name}", "unknown_field",
                                    f"{name} is not a question in {definition.record_type} {definition.version}"))
            elif question.type == "derived":
                errors.append(issue(f"{path}answers.{name}", "derived_value",
                                    f"{name} is derived from other answers: it cannot be sent"))
        errors += [issue(f"{path}confirm", "unknown_rule", f"{rule} is not a soft check of this version")
                   for rule in confirm if rule not in self.soft_rules(definition)]
        if errors:
            raise Problem(400, "invalid-request", "Check these fields: " + ", ".join(e["field"] for e in errors), errors)

    def soft_rules(self, definition):
        key = (definition.collection, definition.record_type, definition.version)
        if key not in self._soft_rules:
            pack = registry.get(definition.collection).rule_pack(definition.record_type, definition.version)
            self._soft_rules[key] = {rule.id for rule in pack.rules if rule.severity == "soft"}
        return self._soft_rules[key]

    def references(self, definition):
        key = (definition.collection, definition.record_type, definition.version)
        if key not in self._references:
            self._references[key] = References(definition, self.acted_for)
        return self._references[key]

    def resolve(self, definition, answers, defaults):
        """The organisations and person the answers' record fields name, resolved as in
        every channel (their ids go into `answers`), or a 422 with what may not be used."""
        fields = definition.record_fields
        given = answers_named(fields, answers)
        named = self.references(definition).resolve(
            {column: answers[variable] for column, variable in fields.items() if column in given}, defaults)
        if named.issues:
            raise Problem(422, "validation-failed", named.issues[0]["message"], issues_from(named.issues))
        answers.update(named.answers)
        return named

    # --- Writing -----------------------------------------------------------------------------
    def new_record(self, data, path=""):
        """A new, unsaved record and the answers to submit for it, from a create payload."""
        collection, definition = self.definition(data["record_type"], data["version"], data.get("collection"), path)
        answers = dict(data["answers"])
        self.check_variables(definition, answers, data.get("confirm", []), path)
        references = self.references(definition)
        owner = references.organisation(str(data["organisation"]).strip())
        if owner is None:  # the rule and message of an owning organisation in the answers
            refused = references.refusal("owning_organisation")
            raise Problem(422, "validation-failed", refused["message"],
                          issues_from([{**refused, "field": f"{path}organisation"}]))
        owner_variable = definition.record_fields.get("owning_organisation")
        given = str(answers.get(owner_variable) or "").strip() if owner_variable else ""
        if given and references.organisation(given) != owner:
            message = "The owning organisation in the answers is not the record's organisation"
            raise Problem(422, "validation-failed", message, [issue(owner_variable, "owning_organisation_conflict", message)])
        answers.pop(owner_variable, None)  # the body's organisation owns it
        named = self.resolve(definition, answers, {"owning_organisation": owner, "managing_organisation": owner})
        record = Record(collection=collection, record_type=definition.record_type, version=definition.version,
                        owning_organisation=owner, managing_organisation=named.managing_organisation,
                        assigned_to=named.assigned_to)
        return record, answers

    def prepare_change(self, record, data, path=""):
        """The answers to submit to an existing record, from a change payload."""
        definition = registry.get(record.collection).definition(record.record_type, record.version)
        answers = dict(data.get("answers") or {})
        self.check_variables(definition, answers, data.get("confirm", []), path)
        if answers_named(definition.record_fields, answers):
            self.resolve(definition, answers, {"owning_organisation": record.owning_organisation,
                                               "managing_organisation": record.managing_organisation,
                                               "assigned_to": record.assigned_to})
        return answers

    def write(self, record, answers, confirm=(), expected_version=None, validate_only=False, path=""):
        """The gateway's submit, all or nothing: when it refuses any value sent, the
        savepoint is rolled back and the record stays as it was. The gateway's refusal
        of a change outside the collection window is a 409 window-closed problem; of a
        new record, a 422 on its version. Returns the gateway's Outcome."""
        created, read_version = record.pk is None, record.lock_version
        definition = registry.get(record.collection).definition(record.record_type, record.version)
        answers, not_filled = fill_for_channel(definition, record.answers, answers, self.postcodes)  # docs/places.md
        try:
            if validate_only:
                outcome = submit(record, answers, SOURCE, None, confirm=list(confirm), validate_only=True,
                                 windows=self.windows)
                outcome.notes += still_unanswered(not_filled, outcome.record.answers)
                return outcome
            with transaction.atomic():
                outcome = submit(record, answers, SOURCE, None, confirm=list(confirm), expected_version=expected_version,
                                 api_client=self.client, windows=self.windows)
                outcome.notes += still_unanswered(not_filled, outcome.record.answers)
                if outcome.refused:
                    transaction.set_rollback(True)
                    outcome.saved = False
        except WindowClosed as closed:
            if created:
                raise Problem(422, "validation-failed", str(closed),
                              [issue(f"{path}version", "window_closed", str(closed))]) from None
            raise Problem(409, "window-closed", str(closed)) from None
        except StaleRecord:
            since = read_version if expected_version is None else expected_version
            raise Problem(412, "stale-record", f"Record {record.pk} has changed since version {since}. "
                          "Read it again, then send your change with its new ETag.") from None
        if outcome.refused and outcome.created:
            record.pk = None  # its row was rolled back
        return outcome
