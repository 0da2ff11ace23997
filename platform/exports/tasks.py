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
                                      person=download.requested_by, role=download.role, codes=download.codes)
        except Exception as error:
            download.run = ExportRun.objects.filter(requested_by=download.requested_by, status=ExportRun.Status.FAILED,
                                                    started_at__gte=download.requested_at).order_by("-pk").first()
            download.message = str(error) or type(error).__name__
            download.save(update_fields=["run", "message"])
            raise
        download.save(update_fields=["run"])
        return download.run.status
