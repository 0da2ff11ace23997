"""Running an export: the records of one record type and version that changed since the
last run (or all of them), each column made by PostgreSQL (columns.py), streamed in
batches through a server-side cursor and written by a format, with the run recorded.

    run = run_export(service, "visits", "visit", 2026, "csv")            # what changed since the last run
    run = run_export(service, "visits", "visit", 2026, "parquet", full=True)
"""

import os
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.exports.columns import column_rows
from cldc.platform.exports.formats import writer_for
from cldc.platform.exports.layouts import Selection, layout
from cldc.platform.exports.models import ExportRun
from cldc.platform.records.models import Record

def run_export(service, collection, record_type, version, format, layout_id=None, full=False, since=None,
               person=None, role=None, codes=True):
    """Export and record the run (ExportRun). Without `since` and `full`, takes what changed
    since the last finished run of the same layout and format made for no one in
    particular (all, if there was none).
    `person` limits the records to those they see (Record.visible_to); `role` to the
    columns it may have. A failure is recorded as a failed run and raised."""
    chosen = Selection.of(layout(collection, record_type, version, layout_id), role, codes)
    writer, extension = writer_for(format)
    with schema_context(service.schema_name):
        # A person's download saw only their records: only whole runs are starting points.
        same = ExportRun.objects.filter(collection=collection, record_type=record_type, version=version,
                                        layout=chosen.layout.id, format=format, status=ExportRun.Status.DONE,
                                        requested_by=None, role="")
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
        records = records.filter(updated_at__lte=run.started_at).order_by("pk")
        folder = Path(settings.MEDIA_ROOT) / "exports" / service.schema_name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{run.pk}-{collection}-{record_type}-{version}-{chosen.layout.id}.{extension}"
        partial = path.with_name(path.name + ".part")
        counted = [0]

        def rows():
            for row in column_rows(chosen, records):
                counted[0] += 1
                yield row

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
