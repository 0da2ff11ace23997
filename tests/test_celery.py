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
