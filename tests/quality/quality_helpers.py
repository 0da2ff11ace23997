"""Helpers for the data-quality tests: visits made through the gateway, and the
figures recounted from the records themselves, to hold the summaries to."""

import datetime as dt

from django.utils import timezone

from cldc.platform.quality.models import CompletionDay, SoftCheckSummary, Summary
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

DAY = dt.date(2026, 6, 1)  # inside the visits window


def visit(organisation, answers, source="api", **kwargs):
    """A visit of this organisation, saved through the gateway (in the visits schema)."""
    record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                    managing_organisation=organisation)
    submit(record, {**answers, "owning_organisation_id": organisation.pk}, source, today=DAY, **kwargs)
    return record


def recount():
    """The figures worked out from every record, one by one: what the summaries must say."""
    counts = {}

    def add(key, amount=1):
        counts[key] = counts.get(key, 0) + amount

    for record in Record.objects.all():
        year = (record.owning_organisation_id, record.collection, record.record_type, record.version)
        add((*year, "logs"))
        add((*year, "completed"), record.status == "completed")
        add((*year, "with_errors"), record.error_count > 0)
        add((*year, "errors"), record.error_count)
        for rule, outcome in record.soft_checks.items():
            add((*year, rule, outcome))
        if record.status == "completed":
            add((*year, timezone.localdate(record.completed_at)))
    return {key: count for key, count in counts.items() if count}


def summaries():
    """The figures as the summary tables hold them."""
    counts = {}
    for row in Summary.objects.all():
        year = (row.organisation_id, row.collection, row.record_type, row.version)
        for name in ("logs", "completed", "with_errors", "errors"):
            counts[(*year, name)] = getattr(row, name)
    for row in SoftCheckSummary.objects.all():
        year = (row.organisation_id, row.collection, row.record_type, row.version)
        for name in ("waiting", "confirmed", "corrected"):
            counts[(*year, row.rule, name)] = getattr(row, name)
    for row in CompletionDay.objects.all():
        counts[(row.organisation_id, row.collection, row.record_type, row.version, row.day)] = row.completed
    return {key: count for key, count in counts.items() if count}
