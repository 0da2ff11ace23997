"""Writing records for an API client, through the gateway like every channel.

What the API adds to the gateway:
- the version must be one the service collects; answers must name the definition's
  variables (and never a derived one): otherwise a 400 naming them;
- organisations and people in answers are references, resolved among those the
  client acts for (cldc.api.references);
- a write is all or nothing: if the gateway refuses any value sent (a hard error on
  it), nothing is stored and the answer is a 422 with the errors. Soft checks never
  block; they come back as warnings to confirm. Hard errors that blame answers not
  sent in this call are reported with the record, as in the web form;
- new records only in a collection year open for new logs; changes only until the
  year's last day for changes (cldc.platform.windows).
"""

from dataclasses import dataclass

from django.db import transaction

from cldc.api.acting import organisations_acted_for
from cldc.api.problems import Problem, issue, issues_from
from cldc.api.references import (
    ORGANISATION_COLUMNS,
    PERSON_COLUMNS,
    find_organisation,
    find_person,
    not_permitted,
    refusal,
)
from cldc.platform import registry
from cldc.platform.records.gateway import StaleRecord, submit
from cldc.platform.records.models import Record
from cldc.platform.windows.models import collection_year
from cldc.platform.windows.service import editing_closed_message, may_edit, open_for_new_logs

SOURCE = "api"


@dataclass
class Written:
    outcome: object  # the gateway's Outcome
    created: bool

    @property
    def refused(self):
        return bool(self.outcome.rejected)


def refused_problem(outcome):
    names = ", ".join(sorted(outcome.rejected))
    return Problem(422, "validation-failed", f"Nothing was stored: these answers break hard rules: {names}",
                   issues_from(outcome.errors))


class Writer:
    """Writes for one client in one service (one request, or one batch)."""

    def __init__(self, client, service):
        self.client = client
        self.service = service
        self.acted_for = {o.pk: o for o in organisations_acted_for(client)}
        # A batch asks the same questions a thousand times: remember the answers.
        self._open_versions, self._editable, self._soft_rules, self._people = {}, {}, {}, {}

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

    def open_for_new_logs(self, collection, record_type):
        if (collection, record_type) not in self._open_versions:
            self._open_versions[collection, record_type] = open_for_new_logs(collection, record_type)
        return self._open_versions[collection, record_type]

    def may_edit(self, record):
        """Whether the record's collection year still allows changes (the same for
        every record of a version, today)."""
        key = (record.collection, record.record_type, record.version)
        if key not in self._editable:
            self._editable[key] = may_edit(record)
        return self._editable[key]

    def person(self, reference):
        key = str(reference).strip().lower()
        if key not in self._people:
            self._people[key] = find_person(reference, self.acted_for.values())
        return self._people[key]

    def resolve_references(self, definition, answers):
        """Organisations and people in the record's own fields, as ids the gateway
        stores. Returns the errors for those the client may not name."""
        errors = []
        for column, variable in definition.record_fields.items():
            value = answers.get(variable)
            if value in (None, ""):
                continue
            if column in ORGANISATION_COLUMNS:
                found = find_organisation(value, self.acted_for)
            elif column in PERSON_COLUMNS:
                found = self.person(value)
            else:
                continue
            if found is None:
                errors.append(issue(variable, f"{column}_permitted", refusal(column, value)))
            else:
                answers[variable] = str(found.pk)
        return errors

    # --- Writing -----------------------------------------------------------------------------
    def new_record(self, data, path=""):
        """A new, unsaved record and the answers to submit for it, from a create payload."""
        collection, definition = self.definition(data["record_type"], data["version"], data.get("collection"), path)
        answers = dict(data["answers"])
        self.check_variables(definition, answers, data.get("confirm", []), path)
        owner = find_organisation(data["organisation"], self.acted_for)
        if owner is None:
            raise Problem(422, "validation-failed", not_permitted(data["organisation"]),
                          [issue(f"{path}organisation", "owning_organisation_permitted", not_permitted(data["organisation"]))])
        if definition.version not in self.open_for_new_logs(collection, definition.record_type):
            message = f"You cannot create logs for the {collection_year(definition.version)} collection year now."
            raise Problem(422, "validation-failed", message, [issue(f"{path}version", "window_closed", message)])
        errors = self.resolve_references(definition, answers)
        if errors:
            raise Problem(422, "validation-failed", errors[0]["message"], errors)
        fields = definition.record_fields
        owner_variable = fields.get("owning_organisation")
        if owner_variable and answers.get(owner_variable) not in (None, "", str(owner.pk)):
            message = "The owning organisation in the answers is not the record's organisation"
            raise Problem(422, "validation-failed", message, [issue(owner_variable, "owning_organisation_conflict", message)])
        manager_variable = fields.get("managing_organisation")
        manager = self.acted_for[int(answers[manager_variable])] if answers.get(manager_variable) else owner
        for column, organisation in (("owning_organisation", owner), ("managing_organisation", manager)):
            if fields.get(column) and answers.get(fields[column]) in (None, ""):
                answers[fields[column]] = str(organisation.pk)
        record = Record(collection=collection, record_type=definition.record_type, version=definition.version,
                        owning_organisation=owner, managing_organisation=manager)
        return record, answers

    def prepare_change(self, record, data, path=""):
        """The answers to submit to an existing record, from a change payload."""
        definition = registry.get(record.collection).definition(record.record_type, record.version)
        answers = dict(data.get("answers") or {})
        self.check_variables(definition, answers, data.get("confirm", []), path)
        if not self.may_edit(record):
            raise Problem(409, "window-closed", editing_closed_message(record))
        errors = self.resolve_references(definition, answers)
        if errors:
            raise Problem(422, "validation-failed", errors[0]["message"], errors)
        return answers

    def write(self, record, answers, confirm=(), expected_version=None, validate_only=False):
        """The gateway's submit, all or nothing: when it refuses any value sent, the
        savepoint is rolled back and the record stays as it was."""
        created, read_version = record.pk is None, record.lock_version
        if validate_only:
            return Written(submit(record, answers, SOURCE, None, confirm=list(confirm), validate_only=True), created)
        try:
            with transaction.atomic():
                outcome = submit(record, answers, SOURCE, None, confirm=list(confirm), expected_version=expected_version,
                                 api_client=self.client)
                if outcome.rejected:
                    transaction.set_rollback(True)
                    outcome.saved = False
        except StaleRecord:
            since = read_version if expected_version is None else expected_version
            raise Problem(412, "stale-record", f"Record {record.pk} has changed since version {since}. "
                          "Read it again, then send your change with its new ETag.") from None
        if outcome.rejected and created:
            record.pk = None  # its row was rolled back
        return Written(outcome, created)
