"""Back-testing: run a version's rules over existing records and count, per rule,
how many would fail. Use it before a rule change goes live."""

from collections import Counter

from cldc.platform.definitions.values import from_json, normalise
from cldc.platform.records.gateway import context_for


def backtest(collection, record_type, version, records):
    """records: an iterable of Record rows of this collection and record type (any
    version). Answers the version does not know are counted, not fatal."""
    definition = collection.definition(record_type, version)
    pack = collection.rule_pack(record_type, version)
    failing, unknown_fields, total = Counter(), Counter(), 0
    for record in records:
        total += 1
        values, errors = normalise(definition, from_json(definition, record.answers), record.answers)
        for error in errors:
            if error.rule == "unknown_field":
                unknown_fields[error.field] += 1
            else:
                failing[error.rule] += 1
        values = {k: v for k, v in values.items() if v is not None}
        context = context_for(record, definition)
        derived = pack.derive(values, context)
        for finding in pack.check({**derived, **values}, context, channel="api"):
            failing[finding.rule_id] += 1
    return {
        "collection": collection.name,
        "record_type": record_type,
        "version": version,
        "records": total,
        "failing_by_rule": dict(failing.most_common()),
        "answers_unknown_to_this_version": dict(unknown_fields.most_common()),
    }
