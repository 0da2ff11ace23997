"""Prometheus metrics beyond django-prometheus's request metrics: Celery tasks, the
queue's length, and how long uploads and exports take (docs/observability.md).

Web processes serve them at /metrics (views.metrics). A worker is another process: it
serves its own on CLDC_WORKER_METRICS_PORT, or, with PROMETHEUS_MULTIPROC_DIR set for
every process on a machine, all of them are added up at /metrics."""

import os
import time

import redis
from celery import signals
from django.conf import settings
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, multiprocess, start_http_server
from prometheus_client.core import GaugeMetricFamily

# Buckets in seconds: from a quick task to a long upload or export.
DURATION_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

tasks = Counter("cldc_celery_tasks", "Celery tasks run, by task and outcome", ["task", "outcome"])
task_seconds = Histogram("cldc_celery_task_duration_seconds", "How long Celery tasks ran, by task", ["task"],
                         buckets=DURATION_BUCKETS)
upload_seconds = Histogram("cldc_upload_duration_seconds", "How long a bulk upload took to process",
                           buckets=DURATION_BUCKETS)
export_seconds = Histogram("cldc_export_duration_seconds", "How long an export took to make",
                           buckets=DURATION_BUCKETS)
# The platform's tasks whose durations operators watch on their own.
JOB_DURATIONS = {
    "cldc.uploads.process": upload_seconds,
    "cldc.exports.download": export_seconds,
    "cldc.exports.scheduled": export_seconds,
}

_started = {}


def task_started(task_id=None, **_):
    _started[task_id] = time.monotonic()


def task_finished(task_id=None, task=None, state=None, **_):
    started = _started.pop(task_id, None)
    tasks.labels(task.name, (state or "unknown").lower()).inc()
    if started is not None:
        seconds = time.monotonic() - started
        task_seconds.labels(task.name).observe(seconds)
        if task.name in JOB_DURATIONS:
            JOB_DURATIONS[task.name].observe(seconds)


class QueueLength:
    """Tasks waiting in each Celery queue, read from the broker when scraped."""

    def collect(self):
        gauge = GaugeMetricFamily("cldc_celery_queue_length", "Tasks waiting in a Celery queue", labels=["queue"])
        queues = settings.CLDC_METRICS_QUEUES
        try:
            broker = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_connect_timeout=1, socket_timeout=1)
            for queue in queues:
                gauge.add_metric([queue], broker.llen(queue))
        except redis.RedisError:
            pass  # no figure rather than a wrong one; /readyz says the broker is down
        yield gauge


_queue_length = QueueLength()


def registry():
    """This process's metrics, or every process's on this machine in multiprocess mode
    (a prefork worker's tasks run in its child processes)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return REGISTRY
    combined = CollectorRegistry()
    multiprocess.MultiProcessCollector(combined)
    combined.register(_queue_length)
    return combined


def serve_worker_metrics(**_):
    if settings.CLDC_WORKER_METRICS_PORT:
        start_http_server(settings.CLDC_WORKER_METRICS_PORT, addr=settings.CLDC_WORKER_METRICS_ADDRESS,
                          registry=registry())


def connect_task_signals():
    signals.task_prerun.connect(task_started, weak=False, dispatch_uid="cldc.metrics.prerun")
    signals.task_postrun.connect(task_finished, weak=False, dispatch_uid="cldc.metrics.postrun")
    signals.worker_ready.connect(serve_worker_metrics, weak=False, dispatch_uid="cldc.metrics.worker")
    REGISTRY.register(_queue_length)
