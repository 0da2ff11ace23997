"""Running an export: the records of one record type and version that changed since the
last run (or all of them), streamed from the database in batches through a server-side
cursor, turned into a layout's values and written by a format, with the run recorded.

    run = run_export(service, "visits", "visit", 2026, "csv")            # what changed since the last run
    run = run_export(service, "visits", "visit", 2026, "parquet", full=True)
"""

import datetime as dt
import os
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.exports.formats import writer_for
from cldc.platform.exports.layouts import Selection, layout
from cldc.platform.exports.models import ExportRun
from cldc.platform.records.models import Record

BATCH = 2_000  # records fetched at a time: memory stays flat whatever the year's size

RECORD_VALUES = {
    "id": lambda r: r.pk,
    "status": lambda r: r.status,
    "collection_year": lambda r: r.version,
    "source": lambda r: r.source,
    "created_at": lambda r: r.created_at,
    "updated_at": lambda r: r.updated_at,
    "owning_organisation": lambda r: r.owning_organisation.name if r.owning_organisation_id else None,
    "managing_organisation": lambda r: r.managing_organisation.name if r.managing_organisation_id else None,
    "assigned_to": lambda r: r.assigned_to.email if r.assigned_to_id else None,
    "created_by": lambda r: r.created_by.email if r.created_by_id else None,
}


def run_export(service, collection, record_type, version, format, layout_id=None, full=False, since=None,
               person=None, role=None, codes=True):
    """Export and record the run (ExportRun). Without `since` and `full`, takes what changed
    since the last finished run of the same layout and format (all, if there was none).
    `person` limits the records to those they see (Record.visible_to); `role` to the
    columns it may have. A failure is recorded as a failed run and raised."""
    chosen = Selection.of(layout(collection, record_type, version, layout_id), role, codes)
    writer, extension = writer_for(format)
    with schema_context(service.schema_name):
        same = ExportRun.objects.filter(collection=collection, record_type=record_type, version=version,
                                        layout=chosen.layout.id, format=format, status=ExportRun.Status.DONE)
        if not full and since is None and (last := same.order_by("-started_at").first()):
            since = last.started_at
        run = ExportRun.objects.create(
            collection=collection, record_type=record_type, version=version, layout=chosen.layout.id, format=format,
            codes=codes, role=role or "", full=full, since=None if full else since,
            started_at=timezone.now(), requested_by=person)
        records = Record.objects.filter(collection=collection, record_type=record_type, version=version)
        if person is not None:
            records = records.visible_to(person)
        if run.since is not None:
            records = records.filter(Q(updated_at__gte=run.since))
        records = records.filter(updated_at__lte=run.started_at).select_related(
            "owning_organisation", "managing_organisation", "assigned_to", "created_by").order_by("pk")
        folder = Path(settings.MEDIA_ROOT) / "exports" / service.schema_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{run.pk}-{collection}-{record_type}-{version}-{chosen.layout.id}.{extension}"
        partial = path.with_name(path.name + ".part")
        counted = [0]

        row = row_maker(chosen)

        def rows():
            for record in records.iterator(chunk_size=BATCH):
                counted[0] += 1
                yield row(record)

        try:
            writer(chosen, rows(), partial)
            os.replace(partial, path)  # a file is there whole or not at all
        except Exception as error:
            partial.unlink(missing_ok=True)
            run.status, run.message, run.finished_at = ExportRun.Status.FAILED, f"{type(error).__name__}: {error}", timezone.now()
            run.save(update_fields=["status", "message", "finished_at"])
            raise
        run.status, run.records, run.path, run.finished_at = ExportRun.Status.DONE, counted[0], str(path), timezone.now()
        run.save(update_fields=["status", "records", "path", "finished_at"])
        return run


def row_maker(selection):
    """A function from a record to its row in a selection's columns (codes or labels,
    dates as dates), each column's way to its value worked out once, not per record."""
    getters = [_getter(column, selection.codes) for column in selection.columns]

    def row(record):
        answers, derived = record.answers, record.derived
        return [get(record, answers, derived) for get in getters]
    return row


def _getter(column, codes):
    if column.record:
        fact = RECORD_VALUES[column.record]
        return lambda record, answers, derived: fact(record)
    name, question, derivation = column.answer, column.question, column.derivation
    if question is None:  # a derived value
        labels = None if codes or not derivation.options else dict(derivation.options)
        if labels is None:
            return lambda record, answers, derived: derived.get(name)
        return lambda record, answers, derived: _label(labels, derived.get(name))
    if question.type == "checkbox":
        if codes:
            return lambda record, answers, derived: answers.get(name)
        return lambda record, answers, derived: _label(TICKED, answers.get(name))
    options = question.options + question.retired_options
    if options and not codes:
        labels = dict(options)
        return lambda record, answers, derived: _label(labels, _answer(answers, derived, name))
    if question.type == "date":
        return lambda record, answers, derived: _date(_answer(answers, derived, name))
    if question.type == "numeric":
        return lambda record, answers, derived: _number(_answer(answers, derived, name))
    return lambda record, answers, derived: _answer(answers, derived, name)


TICKED = {1: "Yes", 0: "No"}


def _answer(answers, derived, name):
    """An answer, else a derived value of the same name (the service fills some in)."""
    value = answers.get(name)
    return derived.get(name) if value is None else value


def _label(labels, value):
    return None if value is None else labels.get(value, value)


def _date(value):
    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _number(value):
    if isinstance(value, str):  # an amount kept as text to keep its pence exact
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value
