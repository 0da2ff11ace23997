"""schemathesis against the OpenAPI document the service serves: every operation gets
generated requests (valid ones, invalid ones, with a key and without), and every
answer must be documented and match the document: no server error, no status the
operation does not list, no body or header that breaks its schema.

The requests go through Django's test client (a `requests` adapter below): the WSGI
runner schemathesis ships would close the test database connection after each
request, and pytest-django keeps each test in one transaction.

Hypothesis is derandomized, so CI runs the same examples every time."""

import io
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import schemathesis
import urllib3
import yaml
from django.test import Client
from django_tenants.utils import schema_context
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api_helpers import SERVICES
from cldc.platform.uploads import tasks

BASE_URL = f"http://{SERVICES['core']}"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))


class DjangoTestClientAdapter(requests.adapters.HTTPAdapter):
    """Answers a `requests` session's calls with Django's test client, in process."""

    def __init__(self, client):
        super().__init__()
        self.client = client

    def send(self, request, **kwargs):
        url = urlsplit(request.url)
        headers = {name: value for name, value in request.headers.items()
                   if name.lower() not in ("content-type", "content-length", "host")}
        answer = self.client.generic(
            request.method, urlunsplit(("", "", url.path, url.query, "")), data=request.body or b"",
            content_type=request.headers.get("Content-Type", "application/octet-stream"), headers=headers,
            HTTP_HOST=url.hostname)
        raw = urllib3.HTTPResponse(body=io.BytesIO(answer.content), headers=list(answer.items()),
                                   status=answer.status_code, reason=answer.reason_phrase, version=11,
                                   preload_content=False)
        return self.build_response(request, raw)


def session_for_django():
    session = requests.Session()
    session.mount("http://", DjangoTestClientAdapter(Client(raise_request_exception=False)))
    return session


@pytest.fixture
def api_schema(core_service):
    """The OpenAPI document as the service serves it."""
    served = Client(HTTP_HOST=SERVICES["core"]).get("/api/v1/schema/")
    assert served.status_code == 200
    return schemathesis.openapi.from_dict(yaml.safe_load(served.content))


@pytest.fixture
def quick_api(settings):
    """No rate limit to speak of, and uploads queued here rather than on a broker."""
    settings.CLDC_API_RATE_LIMIT = "1000000/minute"
    queued = []
    original = tasks.process_upload.delay
    tasks.process_upload.delay = lambda *args: queued.append(args)
    yield queued
    tasks.process_upload.delay = original


@pytest.fixture
def key_and_record(api_for, orgs, official_template_row):
    """A key of the parent organisation's client, and one of its records for the
    operations that take a record id."""
    api = api_for(organisation=orgs["parent"])
    created = api.post("records/", {"record_type": "lettings", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
                                    "answers": {"tenancycode": "FUZZ-1", "startdate": "2026-05-04"}})
    assert created.status_code == 201, created.json()
    return api.key, created.json()["id"]


def run_operation(operation, session, headers, mode, path_parameters=None, expect=None):
    seen = []
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)

    @EXAMPLES
    @given(case=strategy)
    def check(case):
        response = case.call(base_url=BASE_URL, session=session, headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)
        seen.append(response.status_code)
        if response.status_code == 401 and headers: print("DBG", dict(response.request.headers), response.text[:300])
        if expect is not None:
            assert response.status_code in expect, (response.status_code, response.text[:500])

    check()
    print(operation.label, mode, path_parameters, sorted(set(seen)), len(seen))


def operations(schema):
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_every_operation_with_a_key_answers_as_documented(api_schema, quick_api, key_and_record, mode):
    key, record_id = key_and_record
    session = session_for_django()
    headers = {"Authorization": f"Bearer {key}"}
    for operation in operations(api_schema):
        if mode == "negative" and not (operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody")):
            continue
        run_operation(operation, session, headers, mode)
        if operation.path == "/api/v1/records/{id}/":  # and on a record that exists
            run_operation(operation, session, headers, mode, path_parameters={"id": record_id})


def test_every_operation_without_a_key_answers_as_documented(api_schema, quick_api):
    session = session_for_django()
    for operation in operations(api_schema):
        public = not operation.definition.raw.get("security")
        run_operation(operation, session, {}, schemathesis.GenerationMode.POSITIVE,
                      expect=None if public else {401})
