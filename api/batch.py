"""A batch: up to CLDC_API_BATCH_MAX records in one call, as an upsert keyed on the
provider's reference (the definition's `reference_key` answers) within the owning
organisation and version. Each record is written in its own savepoint and gets its
own result, so one bad record never loses the others; sending the same batch again
changes nothing (every result `unchanged`, no new revisions). New records are checked
one by one (the gateway with validate_only, as bulk upload checks its rows) and those
accepted are stored together, in one COPY of records and one of revisions
(gateway.create_many): a savepoint, two inserts and a release a record cost more than
the checking."""

from django.db import transaction

from cldc.api.problems import Problem, issue, issues_from
from cldc.platform import registry
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.places.fill import postcodes_filling
from cldc.api.submission import SOURCE
from cldc.platform.records.gateway import create_many, provider_reference
from cldc.platform.records.models import Record


def result(index, outcome, record=None, errors=(), warnings=(), status=None):
    return {"index": index, "outcome": outcome, "id": getattr(record, "pk", None),
            "provider_reference": getattr(record, "provider_reference", "") or "",
            "status": status, "errors": list(errors), "warnings": list(warnings)}


def rejected(index, problem, record=None):
    errors = problem.errors or [issue(None, problem.slug, problem.detail)]
    return result(index, "rejected", record, errors)


def validate_only_limit(service, sent):
    """(the most records, their plural noun) a validate-only batch may hold: the smallest
    `validate_only_max` of the service's collections that its records name (by
    `collection`, or by a record type of the collection), else None."""
    limits = []
    for name in service.collections:
        package = registry.get(name)
        if package.validate_only_max is None:
            continue
        for item in sent:
            named = isinstance(item, dict) and item.get("collection") in (name, None, "")
            if named and item.get("record_type") in package.record_types:
                newest = package.definition(item["record_type"], package.versions(item["record_type"])[-1])
                limits.append((package.validate_only_max, newest.nouns[1]))
                break
    return min(limits, default=None)


def reference_of(definition, answers):
    values, _ = normalise(definition, {k: v for k, v in answers.items() if k in definition.reference_key})
    return provider_reference(definition, to_json({k: v for k, v in values.items() if v is not None}))


class Batch:
    def __init__(self, writer, validate_only):
        self.writer, self.validate_only = writer, validate_only

    def run(self, items):
        prepared, results = {}, {}
        for index, item in enumerate(items):
            path = f"records[{index}]."
            try:
                record, answers = self.writer.new_record(item, path)
            except Problem as problem:
                results[index] = rejected(index, problem)
                continue
            definition = registry.get(record.collection).definition(record.record_type, record.version)
            reference = reference_of(definition, answers)
            if not reference:
                names = ", ".join(definition.reference_key) or "(none: this record type has no reference)"
                results[index] = result(index, "rejected", errors=[issue(
                    f"{path}answers", "reference_required",
                    f"A batch matches records by the provider's reference: give {names}")])
                continue
            key = (record.collection, record.record_type, record.version, record.owning_organisation_id, reference)
            if key in prepared:
                results[index] = result(index, "rejected", errors=[issue(
                    f"{path}answers", "duplicate_in_batch",
                    f"This record has the same reference as records[{prepared[key][0]}]. Send it once.")])
                continue
            prepared[key] = (index, record, answers, item)
        existing = self.existing(prepared)
        self.writer.postcodes.prepare([  # looked up together, BULK_SIZE a request (docs/places.md)
            postcode for _, record, answers, _ in prepared.values() for postcode in postcodes_filling(
                registry.get(record.collection).definition(record.record_type, record.version), answers)])
        with transaction.atomic():  # one commit for the batch; each change in its own savepoint
            new = []  # (index, outcome) of the new records accepted, stored together below
            for key, (index, record, answers, item) in prepared.items():
                results[index] = self.write(index, existing.get(key), record, answers, item, new)
            if new:
                create_many([outcome for _, outcome in new], SOURCE, api_client=self.writer.client)
            for index, outcome in new:
                results[index] = self.result_of(index, outcome.record, outcome)
        ordered = [results[i] for i in range(len(items))]
        counts = {name: 0 for name in ("created", "updated", "unchanged", "rejected")}
        for item in ordered:
            counts[item["outcome"]] += 1
        return {"validate_only": self.validate_only, "counts": counts, "results": ordered}

    def existing(self, prepared):
        """The stored records the batch's references match, by key, in one query."""
        if not prepared:
            return {}
        references = {key[4] for key in prepared}
        owners = {key[3] for key in prepared}
        found = Record.objects.filter(provider_reference__in=references, owning_organisation__in=owners).select_related(
            "owning_organisation", "managing_organisation")
        return {(r.collection, r.record_type, r.version, r.owning_organisation_id, r.provider_reference): r for r in found}

    def write(self, index, record, new_record, answers, item, new):
        """The result of writing one record; None for a new record accepted, which is
        added to `new` to be stored with the others."""
        path = f"records[{index}]."
        store_later = record is None and not self.validate_only
        if record is None:
            record = new_record
        else:
            try:  # an update: the answers as sent, without the defaults of a new record
                answers = self.writer.prepare_change(record, item, path)
            except Problem as problem:
                return rejected(index, problem, record)
        try:
            outcome = self.writer.write(record, answers, item["confirm"], path=path,
                                        validate_only=self.validate_only or store_later)
        except Problem as problem:
            return rejected(index, problem, record)
        if store_later and not outcome.refused:
            new.append((index, outcome))
            return None
        return self.result_of(index, record, outcome)

    @staticmethod
    def result_of(index, record, outcome):
        if outcome.refused:
            return result(index, "rejected", None if outcome.created else record, issues_from(outcome.errors))
        name = "created" if outcome.created else ("updated" if outcome.changes else "unchanged")
        return result(index, name, record, issues_from(outcome.errors), issues_from(outcome.warnings + outcome.notes),
                      outcome.status)
