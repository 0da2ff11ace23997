"""schemathesis against the OpenAPI document the service serves. Every operation gets
generated requests (valid ones and invalid ones, with a key and without), and every
answer must be documented and match the document: no server error, no status the
operation does not list, no body or header that breaks its schema. A last test sends
answers generated from a version's own JSON Schema, so the gateway sees real
questions with odd but typed values, not only unknown names.

The requests go through Django's test client (the `requests` adapter below): the WSGI
runner schemathesis ships would close the test database connection after each
request, and pytest-django keeps each test in one transaction. Hypothesis is
derandomized, so CI runs the same examples every time."""

import copy
import io
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests
import schemathesis
import urllib3
import yaml
from django.test import Client
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

BASE_URL = f"http://{SERVICES['visits']}"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
EXAMPLES = settings(max_examples=25, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))
POSITIVE, NEGATIVE = schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE


class DjangoTestClientAdapter(requests.adapters.HTTPAdapter):
    """Answers a `requests` session's calls with Django's test client, in process."""

    def __init__(self):
        super().__init__()
        self.client = Client(raise_request_exception=False)  # a crash is a 500 for the checks to report

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


@pytest.fixture
def session():
    session = requests.Session()
    session.mount("http://", DjangoTestClientAdapter())
    return session


@pytest.fixture
def served(visits_service):
    """The OpenAPI document, as the service serves it."""
    response = Client(HTTP_HOST=SERVICES["visits"]).get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture(autouse=True)
def no_rate_limit_and_no_broker(settings, monkeypatch):
    """Thousands of calls from one client; an upload that gets through is not sent to a
    broker (nothing here would run it)."""
    settings.CLDC_API_RATE_LIMIT = "1000000/minute"
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: None)


@pytest.fixture
def api(api_for, orgs):
    return api_for(organisation=orgs["parent"])


@pytest.fixture
def record_id(api, orgs):
    """One of the client's records, for the operations that take a record id."""
    created = api.post("records/", {"record_type": "visit", "version": 2026,
                                    "organisation": f"ORG{orgs['parent'].pk}",
                                    "answers": {"visitref": "FUZZ-1", "visitdate": "2026-05-04"}})
    assert created.status_code == 201, created.json()
    return created.json()["id"]


def operations(document):
    return [result.ok() for result in schemathesis.openapi.from_dict(document).get_all_operations()]


def run(operation, session, auth, mode=POSITIVE, expect=None, **fixed):
    """Send an operation's generated cases with the `auth` headers (and parts of
    the request `fixed`, as schemathesis's as_strategy takes them); each answer must
    pass the checks (and have a status in `expect`, when given). Returns the statuses
    seen."""
    seen = set()

    @EXAMPLES
    @given(case=operation.as_strategy(generation_mode=mode, **fixed))
    def check(case):
        if not auth:  # schemathesis fills in the security scheme's header: send none
            case.headers.pop("Authorization", None)
        response = case.call(base_url=BASE_URL, session=session, headers=auth)
        case.validate_response(response, checks=CHECKS, headers=auth)
        assert expect is None or response.status_code in expect, (response.status_code, response.text[:500])
        seen.add(response.status_code)

    check()
    return seen


def has_inputs(operation):
    return bool(operation.definition.raw.get("parameters") or operation.definition.raw.get("requestBody"))


@pytest.mark.parametrize("mode", [POSITIVE, NEGATIVE])
def test_every_operation_with_a_key_answers_as_documented(served, session, api, record_id, mode):
    auth = {"Authorization": f"Bearer {api.key}"}
    seen = {}
    for operation in operations(served):
        if mode == NEGATIVE and not has_inputs(operation):
            continue  # nothing to make invalid
        seen[operation.label] = run(operation, session, auth, mode)
        if operation.path == "/api/v1/records/{id}/":  # and on a record that exists
            seen[operation.label] |= run(operation, session, auth, mode, path_parameters={"id": record_id})
    # The calls reached the views, not only the door.
    assert {200, 204} <= seen["GET /api/v1/records/{id}/"] | seen["DELETE /api/v1/records/{id}/"], seen
    assert 400 in seen["POST /api/v1/records/"], seen


def test_every_operation_without_a_key_answers_as_documented(served, session):
    for operation in operations(served):
        public = not operation.definition.raw.get("security")
        seen = run(operation, session, {}, expect=None if public else {401})
        assert public or seen == {401}


def version_answers(schema):
    """A version's JSON Schema of a PATCH body, as an OpenAPI schema object."""
    return {key: value for key, value in schema.items() if key not in ("$schema", "$id")}


def test_answers_from_the_versions_json_schema_answer_as_documented(served, session, api, record_id, orgs):
    """PATCH and validate-only create with answers drawn from the visit 2026 JSON
    Schema the service publishes: typed, in range, but in any combination."""
    answers = version_answers(Client(HTTP_HOST=SERVICES["visits"]).get(
        "/api/v1/definitions/visits/visit/2026/schema/?partial=true").json())
    answers["minProperties"] = 5  # enough answers that rules have something to compare, few enough that some pass
    document = copy.deepcopy(served)
    schemas = document["components"]["schemas"]
    schemas["PatchedRecordUpdateRequest"] = {"type": "object", "properties": {"answers": answers},
                                             "required": ["answers"], "additionalProperties": False}
    schemas["RecordCreateRequest"] = {"type": "object", "properties": {
        "record_type": {"type": "string", "enum": ["visit"]}, "version": {"type": "integer", "enum": [2026]},
        "organisation": {"type": "string", "enum": [f"ORG{orgs['parent'].pk}"]}, "answers": answers},
        "required": ["record_type", "version", "organisation", "answers"], "additionalProperties": False}
    auth = {"Authorization": f"Bearer {api.key}"}
    by_label = {operation.label: operation for operation in operations(document)}
    changed = run(by_label["PATCH /api/v1/records/{id}/"], session, auth, path_parameters={"id": record_id},
                  headers={"If-Match": "*"}, query={"validate_only": False})
    checked = run(by_label["POST /api/v1/records/validate/"], session, auth)
    assert 200 in changed and 200 in checked, (changed, checked)  # some went through the gateway and passed
