from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """Health, readiness, metrics and the request id (docs/observability.md)."""

    name = "cldc.platform.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self):
        # Connected in every process that sets Django up: web processes send tasks
        # without importing the Celery app module (tests/test_celery.py).
        from cldc.platform.operations import metrics, request_id

        request_id.connect_signals()
        metrics.connect_task_signals()
