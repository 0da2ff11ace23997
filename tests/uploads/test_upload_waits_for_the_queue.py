"""Redis down (the cache and the task queue): an upload is kept and its page says it is
waiting, not a 500; once Redis is back, the page's next look sends it, and it runs."""

import copy
import re

import kombu.exceptions
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.platform.uploads import tasks
from cldc.platform.uploads.models import Upload

pytestmark = pytest.mark.usefixtures("eager_celery")  # once the queue is back, the task runs in this process


def test_an_upload_waits_while_redis_is_down_and_goes_through_once_it_is_back(
        client_for, make_organisation, make_person, visits_service, visits_template_csv, settings, monkeypatch):
    council = make_organisation("Queue Borough Council", type="local_authority")
    client = client_for("visits", make_person("queue@example.com", council, role="data_coordinator"))
    working_caches = copy.deepcopy(settings.CACHES)
    down = copy.deepcopy(settings.CACHES)
    down["default"]["LOCATION"] = "redis://127.0.0.1:1/0"  # nothing listens there
    settings.CACHES = down

    def queue_down(*args, **kwargs):  # what Celery raises when it cannot reach the broker
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.process_upload, "delay", queue_down)
        response = client.post("/uploads/new/", {
            "record_type": "visits:visit", "year": "2026", "organisation": council.pk, "on_errors": "wait",
            "file": SimpleUploadedFile("visits.csv", visits_template_csv(council), content_type="text/csv")})
        assert response.status_code == 302
        page = client.get(response.url)
        assert page.status_code == 200
        assert "Your file is waiting to be checked" in page.content.decode()
        pk = int(re.search(r"/uploads/(\d+)/", response.url).group(1))
        with schema_context("visits"):
            assert Upload.objects.get(pk=pk).status == "received"
        assert client.get(f"/uploads/{pk}/status.json").json()["status"] == "received"  # still down: still waiting

    settings.CACHES = working_caches  # Redis is back
    client.get(f"/uploads/{pk}/status.json")  # the page polls this: the upload is sent, and runs
    assert client.get(f"/uploads/{pk}/status.json").json()["status"] == "done"
    assert "Your file is waiting to be checked" not in client.get(response.url).content.decode()
    with schema_context("visits"):
        assert Record.objects.filter(owning_organisation=council).count() == 1
