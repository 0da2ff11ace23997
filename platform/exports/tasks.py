"""Making a person's download in a Celery worker, in its service's schema."""

from celery import shared_task
from django_tenants.utils import schema_context


@shared_task(name="cldc.exports.download")
def make_download(schema_name, download_id):
    """Export what the Download asks for, as its person and role see it (all of the
    year: a person's file is never a partial run), and link the run it made. A failure
    is kept on the Download (run_export records the failed run too)."""
    from cldc.platform.exports.models import Download, ExportRun
    from cldc.platform.exports.runs import run_export
    from cldc.platform.tenancy.models import Service

    service = Service.objects.get(schema_name=schema_name)
    with schema_context(schema_name):
        download = Download.objects.select_related("requested_by").get(pk=download_id)
        try:
            download.run = run_export(service, download.collection, download.record_type, download.version,
                                      download.format, layout_id=download.layout, full=True,
                                      person=download.requested_by, role=download.role, codes=download.codes,
                                      progress=download.set_progress)
        except Exception as error:
            download.run = ExportRun.objects.filter(requested_by=download.requested_by, status=ExportRun.Status.FAILED,
                                                    started_at__gte=download.requested_at).order_by("-pk").first()
            download.message = str(error) or type(error).__name__
            download.save(update_fields=["run", "message"])
            raise
        download.save(update_fields=["run"])
        return download.run.status


@shared_task(name="cldc.exports.scheduled")
def run_scheduled(schema_name, format, layout_id, today=None):
    """A scheduled export (schedule.py): what changed since the last run, for each record
    type and version that has the layout and is still open for changes; a package's
    format may make the run whole (formats.scheduled_run: CDS adds people, organisations
    and the night's manifest). One that fails is recorded as failed (run_export) and does
    not stop the others; the task fails at the end so that the worker's log says so.
    Returns the ids of the runs made."""
    from cldc.platform import registry
    from cldc.platform.exports.formats import SCHEDULED_RUNS
    from cldc.platform.exports.runs import run_export
    from cldc.platform.exports.schedule import targets
    from cldc.platform.tenancy.models import Service

    service = Service.objects.get(schema_name=schema_name)
    for name in service.collections:
        registry.get(name).load_functions()  # the package's formats, and what makes their runs whole
    failed = []

    def export_records():
        runs = []
        for collection, record_type, version in targets(service, layout_id, today):
            try:
                runs.append(run_export(service, collection, record_type, version, format, layout_id=layout_id))
            except Exception as error:  # recorded on its ExportRun; the others still run
                failed.append(f"{collection} {record_type} {version}: {type(error).__name__}")
        return runs

    with schema_context(schema_name):
        whole = SCHEDULED_RUNS.get(format)
        runs = whole(service, export_records, False) if whole else export_records()
        if failed:
            raise RuntimeError(f"Scheduled export failed for {'; '.join(failed)}")
        return [run.pk for run in runs]


@shared_task(name="cldc.exports.remove_old_downloads")
def remove_old_downloads():
    """Remove the files of people's downloads older than settings.DOWNLOADS_KEPT_DAYS, in
    every service: a download holds a person's copy of records (personal data, perhaps),
    and they can always ask for another. Runs made for no one (scheduled, command line)
    are what was sent, and are kept. Returns how many files were removed."""
    import datetime as dt
    from pathlib import Path

    from django.conf import settings
    from django.utils import timezone

    from cldc.platform.exports.models import ExportRun
    from cldc.platform.tenancy.models import Service

    before = timezone.now() - dt.timedelta(days=settings.DOWNLOADS_KEPT_DAYS)
    removed = 0
    for service in Service.objects.exclude(schema_name="public"):
        with schema_context(service.schema_name):
            for run in ExportRun.objects.filter(requested_by__isnull=False, finished_at__lt=before).exclude(path=""):
                Path(run.path).unlink(missing_ok=True)
                run.path = ""
                run.save(update_fields=["path"])
                removed += 1
    return removed
