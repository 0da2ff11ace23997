"""A worker killed mid-upload loses nothing: the task is acknowledged only when done, so
the broker gives it to a worker again (bench/faults.py, fault a, runs the real thing)."""

from django.conf import settings

from cldc.platform.celery import app
from cldc.platform.uploads.tasks import process_upload


def test_an_upload_is_acknowledged_only_when_done_and_requeued_if_its_worker_is_lost():
    assert process_upload.acks_late is True
    assert process_upload.reject_on_worker_lost is True


def test_the_broker_gives_a_lost_task_again_after_the_visibility_timeout():
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] == 3600  # CLDC_CELERY_VISIBILITY_TIMEOUT
    assert app.conf.broker_transport_options["visibility_timeout"] == 3600


def test_sending_an_upload_needs_only_the_broker():
    # With a result kept, sending also subscribes to Celery's result store, which fails
    # with RuntimeError (not kombu's OperationalError) while Redis is down: a 500.
    assert process_upload.ignore_result is True
