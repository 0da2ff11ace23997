"""One real round trip: a task sent through Redis, run by a real Celery worker
process against the test database, and its result read back."""

import os
import subprocess
import sys
import uuid

from django.db import connection

from cldc.platform.celery import ping


def test_a_real_worker_runs_a_task_in_a_service_schema(core_service):
    queue = f"test-{uuid.uuid4().hex[:8]}"  # no other worker listens here
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cldc.platform.celery", "worker", "--pool=solo", "-Q", queue,
         "--without-mingle", "--without-gossip", "--loglevel=warning"],
        env={**os.environ, "CLDC_DB_NAME": connection.settings_dict["NAME"]},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        result = ping.apply_async(args=["core"], queue=queue)
        assert result.get(timeout=60) == {"schema": "core", "service": core_service.title}
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert "Traceback" not in output, output


def test_tasks_sent_from_a_fresh_django_process_use_our_broker():
    """The web server sends tasks from a process that never imported the Celery app
    module itself: its tasks must still be bound to our configured app and broker."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'cldc.platform.settings'); django.setup(); "
        "from django.conf import settings; from cldc.platform.uploads.tasks import process_upload; "
        "print(process_upload.app.main, process_upload.app.conf.broker_url == settings.CELERY_BROKER_URL)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["cldc", "True"]
