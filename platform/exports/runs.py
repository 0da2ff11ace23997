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

from cldc.platform import registry
from cldc.platform.exports.columns import Rows
from cldc.platform.exports.formats import GIVEN_THE_RUN, LAYOUT_OF, writer_for
from cldc.platform.exports.layouts import Selection, layout
from cldc.platform.exports.models import ExportRun
from cldc.platform.records.models import Record

PROGRESS_EVERY = 1_000
# A record's file names these (organisations' names, people's email addresses): when
# one of them changes, a partial run sends the record again.
NAMED = ("owning_organisation", "managing_organisation", "created_by", "assigned_to")


def changed_between(start, end):
    """Records that changed from `start` to `end` (both included), or whose organisations
    or people did."""
    changed = Q(updated_at__range=(start, end))
    for name in NAMED:
        changed |= Q(**{f"{name}__updated_at__range": (start, end)})
    return changed


def run_export(service, collection, record_type, version, format, layout_id=None, full=False, since=None,
               person=None, role=None, codes=True, progress=None):
    """Export and record the run (ExportRun). Without `since` and `full`, takes what changed
    since the last finished run of the same layout and format made for no one in
    particular (all, if there was none).
    `person` limits the records to those they see (Record.visible_to); `role` to the
    columns it may have. `progress(done, total)`, if given, is told how far the run has
    got every PROGRESS_EVERY records. A failure is recorded as a failed run and raised."""
    registry.get(collection).load_functions()  # the package's formats too
    writer, extension = writer_for(format)
    chosen = Selection.of(layout(collection, record_type, version, layout_id or LAYOUT_OF.get(format)), role, codes)
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
        if run.since is None:
            records = records.filter(updated_at__lte=run.started_at)
        else:
            records = records.filter(changed_between(run.since, run.started_at))
        rows = Rows(chosen, records.order_by("pk"), progress)
        name = f"{run.pk}-{collection}-{record_type}-{version}-{chosen.layout.id}.{extension}"

        def write(partial):
            if format in GIVEN_THE_RUN:  # it names its file, and may write none
                named = writer(chosen, rows, partial, run)
            else:
                writer(chosen, rows, partial)
                named = name
            return rows.count, named

        return finish(run, exports_folder(service), name, write)


def exports_folder(service):
    """Where a service's export files are kept: var/media/exports/<service>/."""
    folder = Path(settings.MEDIA_ROOT) / "exports" / service.schema_name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def finish(run, folder, name, write):
    """Write a run's file and record how it went. `write(path)` writes to `path` (beside
    the file `name` in `folder`) and returns (records written, the file's name, or None
    when it wrote none). A file is there whole or not at all; a failure is recorded on
    the run as failed, with its reason, and raised."""
    partial = folder / f"{name}.part"
    try:
        records, named = write(partial)
        if named is None:
            partial.unlink(missing_ok=True)
        else:
            os.replace(partial, folder / named)
    except Exception as error:
        partial.unlink(missing_ok=True)
        run.status, run.message, run.finished_at = ExportRun.Status.FAILED, f"{type(error).__name__}: {error}", timezone.now()
        run.save(update_fields=["status", "message", "finished_at"])
        raise
    run.status, run.records, run.finished_at = ExportRun.Status.DONE, records, timezone.now()
    run.path = "" if named is None else str(folder / named)
    run.save(update_fields=["status", "records", "path", "finished_at"])
    return run
