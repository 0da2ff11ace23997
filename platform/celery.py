"""The Celery application. Workers start with `celery -A cldc.platform.celery worker`.

Tasks that touch records must run in their service's schema: django-tenants'
tenant-aware task base class is not used yet; a task takes the schema name and
activates it itself (see cldc.platform.tenancy.services.activate).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")

app = Celery("cldc")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.task(name="cldc.ping")
def ping(schema_name="public"):
    """A round trip through the broker and a worker, used by the health check and tests."""
    from django.db import connection

    from cldc.platform.tenancy.models import Service

    connection.set_schema(schema_name)
    try:
        service = Service.objects.get(schema_name=schema_name)
        return {"schema": schema_name, "service": service.title}
    finally:
        connection.set_schema_to_public()
