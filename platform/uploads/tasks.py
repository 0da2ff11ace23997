"""Processing an upload in a Celery worker, in its service's schema."""

import kombu.exceptions
import redis
from celery import shared_task
from django_tenants.utils import schema_context

# Upload.message of an upload received while the task queue (Redis) could not be reached.
WAITING_FOR_QUEUE = "waiting for the task queue"


# Acknowledged when done, not when taken: if the worker dies mid-file, the task goes back
# to the queue (after settings.CELERY_BROKER_TRANSPORT_OPTIONS' visibility timeout) and
# runs again from the start, which is safe: rows already stored are found by their
# reference (or duplicate check) and changed, not created twice (bench/faults.py, a).
# No result kept: the upload's own row says how it went, and sending then needs only the
# broker (with Redis down, Celery's result store raises an error of its own, not kombu's).
@shared_task(name="cldc.uploads.process", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
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


def send(schema_name, upload):
    """Queue the upload's run. With the queue (Redis) unreachable the upload is marked
    waiting, its page says so, and each look at the page (or its status.json, which the
    page polls) tries again: it goes through once Redis is back."""
    from cldc.platform.uploads.models import Upload

    try:
        process_upload.delay(schema_name, upload.pk)
    except (kombu.exceptions.OperationalError, redis.RedisError):
        message = WAITING_FOR_QUEUE
    else:
        message = ""
    if upload.message != message:
        upload.message = message
        Upload.objects.filter(pk=upload.pk).update(message=message)
    return not message


def send_if_waiting(schema_name, upload):
    from cldc.platform.uploads.models import Upload

    if upload.status == Upload.Status.RECEIVED and upload.message == WAITING_FOR_QUEUE:
        send(schema_name, upload)
