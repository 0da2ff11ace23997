"""A record as the API shows it: its columns, its answers as stored, a parallel
`labels` object (the label of each coded value, the name of each organisation), its
derived values, and what the gateway says is outstanding. Its warnings are the soft
checks to confirm (severity "soft") and the gateway's notes (severity "warning"): an
answer sent but not stored, as its question does not apply, and the missing half of a
pair; these ask for nothing."""

from dataclasses import dataclass, field

from cldc.api.problems import issues_from
from cldc.platform import registry
from cldc.platform.definitions.values import from_json
from cldc.platform.records.gateway import context_for, evaluate
from cldc.platform.records.models import Record
from cldc.platform.records.references import ORGANISATION_COLUMNS


def definition_of(record):
    return registry.get(record.collection).definition(record.record_type, record.version)


def labels(definition, record):
    labelled = {}
    for name, value in {**record.derived, **record.answers}.items():
        question = definition.variables.get(name)
        if question is not None and question.is_coded and value is not None:
            label = question.label_for(value)
            if label is not None:
                labelled[name] = label
    for column in ORGANISATION_COLUMNS:
        variable = definition.record_fields.get(column)
        organisation = getattr(record, column)
        if variable in record.answers and organisation is not None:
            labelled[variable] = organisation.name
    return labelled


@dataclass
class RecordView:
    """What RecordSerializer reads: the record's columns, and the findings of the
    gateway (from the submission that produced it, or checked afresh)."""

    record: Record
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    missing: list = field(default_factory=list)

    def __getattr__(self, name):  # id, collection, status, answers...: the record's own
        return getattr(self.record, name)

    @property
    def id(self):
        return self.record.pk

    @property
    def labels(self):
        return labels(definition_of(self.record), self.record)

    @classmethod
    def of_outcome(cls, outcome):
        return cls(outcome.record, issues_from(outcome.errors), issues_from(outcome.warnings + outcome.notes),
                   outcome.missing)

    @classmethod
    def checked(cls, record):
        """The record with its outstanding errors, warnings and missing answers, from
        the gateway's pure part (nothing is saved or changed)."""
        collection = registry.get(record.collection)
        definition = collection.definition(record.record_type, record.version)
        pack = collection.rule_pack(record.record_type, record.version)
        result = evaluate(definition, pack, from_json(definition, record.answers), {}, context_for(record, definition),
                          "api", dict(record.confirmations))
        return cls(record, issues_from(result.errors), issues_from(result.warnings + result.notes), result.missing)
