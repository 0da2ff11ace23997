"""Processing an upload in a Celery worker, in its service's schema."""

from celery import shared_task
from django_tenants.utils import schema_context


@shared_task(name="cldc.uploads.process")
def process_upload(schema_name, upload_id):
    from cldc.platform.uploads.models import Upload
    from cldc.platform.returns.tasks import refresh_after_bulk_change
    from cldc.platform.uploads.importer import Importer

    with schema_context(schema_name):
        upload = Upload.objects.select_related("organisation", "user").get(pk=upload_id)
        Importer(upload).run()
        if upload.created or upload.updated:  # many records at once: their returns are judged in the background
            refresh_after_bulk_change(upload.collection, upload.record_type)
        return upload.status
