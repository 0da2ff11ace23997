"""No personal answer and no secret in any log line. A record full of personal answers
(names, a date of birth, National Insurance numbers, an address) goes through the web
form, the API and a bulk upload, with an API key; every line the configured handlers
print (JSON, one object a line) is read back and searched for each of them."""

import io
import json
import logging

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform.records.models import Record
from cldc.platform.uploads import tasks
from cldc.tests.forms.test_web_form import VISIT_DAY, page, set_up_log

NAME, OTHER_NAME = "Philippa Quennell-Ashworth", "Tobias Marchetti"
BIRTH_DATE = "1987-03-14"
NINO, OTHER_NINO = "QQ 12 34 56 C", "AB123456D"
ADDRESS = "14 Lavender Hill Crescent, Little Snoring, NR21 0AB"
PERSONAL = [NAME, OTHER_NAME, BIRTH_DATE, NINO, OTHER_NINO, ADDRESS, "NR21 0AB", "Quennell", "Marchetti"]
DETAIL = f"{NAME} (born {BIRTH_DATE}, NI {NINO}) at {ADDRESS}; partner {OTHER_NAME} {OTHER_NINO}"


@pytest.fixture
def log_lines():
    """Every line the configured handlers print, while the test runs, at the configured
    levels: what production would write."""
    handlers = {handler for logger in [logging.getLogger(), *map(logging.getLogger, logging.root.manager.loggerDict)]
                if isinstance(logger, logging.Logger) for handler in logger.handlers
                if type(handler) is logging.StreamHandler}  # not pytest's capturing handlers
    assert len(handlers) >= 2, "the console and access-log handlers"
    stream = io.StringIO()
    originals = [(handler, handler.setStream(stream)) for handler in handlers]
    cache.clear()  # rate limits
    yield lambda: stream.getvalue().splitlines()
    for handler, original in originals:
        handler.setStream(original)


@pytest.fixture
def council(make_organisation, orgs):
    return make_organisation("Logs Borough Council", type="local_authority", parent=orgs["parent"])


@pytest.fixture
def officer(make_person, council):
    return make_person("officer@logs-council.example", council, role="data_coordinator", name=OTHER_NAME)


def test_personal_answers_and_keys_reach_no_log_line(log_lines, client_for, officer, council, visits_service,
                                                    visits_template_csv, monkeypatch):
    with schema_context("visits"):
        key = create_client(name="Logs system", created_by=officer, organisation=council).key

    # The web form: answers, then answers it refuses (echoed back on the page, not logged).
    client = client_for("visits", officer)
    record = set_up_log(client, council)
    page(client, record, "visit", {"visitref": NINO, **VISIT_DAY})
    page(client, record, "repairs", {"repairs": "1", "repairsdetail": DETAIL})
    page(client, record, "visit", {"visitref": OTHER_NINO, "visitdate_0": "31", "visitdate_1": "2",
                                   "visitdate_2": NAME})
    client.get(f"/logs/{record.pk}/?q={NAME}&api_key={key}")

    # The API: a record created, one refused.
    api = Client(HTTP_HOST="visits.localhost", HTTP_AUTHORIZATION=f"Bearer {key}")
    body = {"record_type": "visit", "version": 2026, "organisation": f"ORG{council.pk}",
            "answers": {"visitref": OTHER_NINO, "visitdate": "2026-05-04", "repairs": 1, "repairsdetail": DETAIL}}
    assert api.post("/api/v1/records/", json.dumps(body), content_type="application/json").status_code == 201
    refused = {**body, "answers": {**body["answers"], "visitdate": BIRTH_DATE, "repairs": NAME}}
    assert api.post("/api/v1/records/", json.dumps(refused), content_type="application/json").status_code == 422

    # A bulk upload through the API, run as the worker runs it.
    queued = []
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: queued.append(args))
    rows = ({"visitref": NINO, "repairs": 1, "repairsdetail": DETAIL},
            {"visitref": OTHER_NINO, "repairs": NAME, "visitdate": BIRTH_DATE})
    upload = SimpleUploadedFile("visits.csv", visits_template_csv(council, rows=rows), content_type="text/csv")
    response = api.post("/api/v1/uploads/", {"record_type": "visit", "version": 2026,
                                             "organisation": f"ORG{council.pk}", "file": upload})
    assert response.status_code == 202, response.content
    for args in queued:
        tasks.process_upload.apply(args=args)

    # A wrong key, and the key in a query string (last: that revokes it).
    Client(HTTP_HOST="visits.localhost", HTTP_AUTHORIZATION=f"Bearer {key}x").get("/api/v1/records/")
    Client(HTTP_HOST="visits.localhost").get(f"/api/v1/records/?key={key}&name={NAME}")

    with schema_context("visits"):  # the answers did go through
        assert Record.objects.filter(answers__repairsdetail=DETAIL).count() == 2
    lines = log_lines()
    assert lines, "the requests above log something: their refusals and the upload's progress"
    printed = [json.loads(line) for line in lines]  # every line is one JSON object
    assert all(line["request_id"] for line in printed), lines
    text = "\n".join(lines)
    for value in [*PERSONAL, key, key.rsplit("_", 1)[1]]:
        assert value not in text, f"{value!r} is in the logs"
