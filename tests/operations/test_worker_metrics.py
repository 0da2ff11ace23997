"""Task metrics end to end: a real Celery worker runs tasks, and its metrics say so.
Tasks run in the worker's process, so their counts are in its metrics, not in a web
process's (docs/observability.md): the worker serves them on CLDC_WORKER_METRICS_PORT,
or, with PROMETHEUS_MULTIPROC_DIR, any process of the machine adds every process's up
(what a web process's /metrics does in that mode)."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import uuid

import pytest
from django.db import connection

from cldc.platform.celery import ping


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_worker(queue, env, pool="solo"):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cldc.platform.celery", "worker", f"--pool={pool}", "--concurrency=1",
         "-Q", queue, "--without-mingle", "--without-gossip", "--loglevel=warning"],
        env={**os.environ, "CLDC_DB_NAME": connection.settings_dict["NAME"], **env},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(worker):
    worker.terminate()
    return worker.communicate(timeout=60)[0]


def sample(text, name, **labels):
    """The value of one sample in Prometheus text, or None."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    found = re.search(rf"^{re.escape(name)}\{{{re.escape(wanted)}\}} (\S+)$", text, re.M)
    return float(found.group(1)) if found else None


def scrape(port, deadline=60):
    """The worker's /metrics, once it serves them (it starts serving when ready)."""
    until = time.monotonic() + deadline
    while True:
        try:
            return urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        except OSError:
            if time.monotonic() > until:
                raise
            time.sleep(0.5)


def test_a_worker_serves_its_tasks_counts_durations_failures_and_the_queue_length(core_service):
    queue, port = f"test-{uuid.uuid4().hex[:8]}", free_port()
    worker = start_worker(queue, {"CLDC_WORKER_METRICS_PORT": str(port), "CLDC_METRICS_QUEUES": queue})
    try:
        assert ping.apply_async(args=["core"], queue=queue).get(timeout=60)["schema"] == "core"
        assert ping.apply_async(args=["core"], queue=queue).get(timeout=60)["schema"] == "core"
        with pytest.raises(Exception, match="DoesNotExist|does not exist"):
            ping.apply_async(args=["no_such_service"], queue=queue).get(timeout=60)
        text = scrape(port)
    finally:
        output = stop(worker)
    assert sample(text, "cldc_celery_tasks_total", task="cldc.ping", outcome="success") == 2, output
    assert sample(text, "cldc_celery_tasks_total", task="cldc.ping", outcome="failure") == 1, output
    assert sample(text, "cldc_celery_task_duration_seconds_count", task="cldc.ping") == 3
    assert sample(text, "cldc_celery_task_duration_seconds_sum", task="cldc.ping") > 0
    assert sample(text, "cldc_celery_queue_length", queue=queue) == 0  # each task was taken


def test_in_multiprocess_mode_another_process_adds_up_a_prefork_worker_s_task_counts(core_service, tmp_path):
    """A prefork worker's tasks run in its child process; a web process (here a separate
    Python, as gunicorn's would be) reads them from the shared folder."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {"PROMETHEUS_MULTIPROC_DIR": str(tmp_path), "CLDC_METRICS_QUEUES": queue}
    worker = start_worker(queue, env, pool="prefork")
    try:
        for _ in range(3):
            ping.apply_async(args=["core"], queue=queue).get(timeout=60)
    finally:
        output = stop(worker)
    web = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); from prometheus_client import generate_latest; "
         "from cldc.platform.operations.metrics import registry; print(generate_latest(registry()).decode())"],
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings"},
        capture_output=True, text=True, timeout=120)
    assert web.returncode == 0, web.stderr
    assert sample(web.stdout, "cldc_celery_tasks_total", task="cldc.ping", outcome="success") == 3, output
    assert sample(web.stdout, "cldc_celery_task_duration_seconds_count", task="cldc.ping") == 3
    assert sample(web.stdout, "cldc_celery_queue_length", queue=queue) == 0
