"""Bad input gets a precise 4xx, never a 500, always as one problem-details shape,
whether DRF raised it or not."""

import pytest
from django_tenants.utils import schema_context

from api_helpers import Api, problem_of
from cldc.platform.records.models import Record


@pytest.fixture
def api(api_for, orgs):
    return api_for(service="visits", organisation=orgs["parent"])


@pytest.fixture
def payload(orgs):
    return {"record_type": "visit", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
            "answers": {"visitref": "E1"}}


def test_malformed_json(api):
    response = api.http.post("/api/v1/records/", '{"record_type": "visit",', content_type="application/json")
    problem = problem_of(response, 400)
    assert problem["type"] == "urn:cldc:problem:malformed-body" and "JSON parse error" in problem["detail"]


def test_a_body_that_is_not_json(api, payload):
    response = api.http.post("/api/v1/records/", "record_type=visit", content_type="application/x-www-form-urlencoded")
    problem = problem_of(response, 415)
    assert problem["type"] == "urn:cldc:problem:unsupported-media-type"
    assert "application/x-www-form-urlencoded" in problem["detail"]


def test_unknown_fields_are_named(api, payload):
    problem = problem_of(api.post("records/", {**payload, "colour": "red", "priority": 1}), 400)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("colour", "unknown_field"), ("priority", "unknown_field")]
    assert problem["detail"] == "Check these fields: colour, priority"


@pytest.mark.parametrize("change, field, rule", [
    ({"version": "twenty"}, "version", "invalid"),
    ({"answers": ["visitref", "E1"]}, "answers", "not_a_dict"),
    ({"answers": {"visitref": {"nested": 1}}}, "answers.visitref", "wrong_type"),
    ({"record_type": None}, "record_type", "null"),
    ({"organisation": ["ORG1"]}, "organisation", "invalid"),
    ({"confirm": "rule"}, "confirm", "not_a_list"),
    ({"answers": {"visitref": "E\u00001"}}, "answers.visitref", "null_characters_not_allowed"),
    ({"answers": {"visitref": "E\ud8001"}}, "answers.visitref", "surrogate_characters_not_allowed"),
])
def test_wrong_types_are_named(api, payload, change, field, rule):
    problem = problem_of(api.post("records/", {**payload, **change}), 400)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [(field, rule)]


def test_a_missing_field_and_a_body_that_is_not_an_object(api, payload):
    problem = problem_of(api.post("records/", {k: v for k, v in payload.items() if k != "version"}), 400)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("version", "required")]
    problem = problem_of(api.post("records/", [payload]), 400)
    assert problem["errors"][0]["rule"] == "invalid"


def test_an_answer_of_the_wrong_type_for_its_question_is_a_field_error(api, payload):
    problem = problem_of(api.post("records/", {**payload, "answers": {"visitdate": "4 May", "repairs": "x"}}), 422)
    assert {(e["field"], e["rule"]) for e in problem["errors"]} == {("visitdate", "date_format"),
                                                                    ("repairs", "invalid_option")}


def test_an_unknown_record_type_or_version(api, payload):
    problem = problem_of(api.post("records/", {**payload, "record_type": "case"}), 400)
    assert problem["errors"][0]["field"] == "record_type"
    problem = problem_of(api.post("records/", {**payload, "version": 1999}), 400)
    assert problem["errors"][0] == {"field": "version", "rule": "unknown_version", "severity": "hard",
                                    "message": "There is no version 1999 of visit. Versions: 2026"}


def test_an_oversized_body_is_refused_before_it_is_read(api, payload, settings):
    settings.CLDC_API_MAX_BODY_BYTES = 1000
    problem = problem_of(api.post("records/", {**payload, "answers": {"visitref": "x" * 2000}}), 413)
    assert problem["type"] == "urn:cldc:problem:too-large" and "at most 1,000 bytes" in problem["detail"]
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_errors_outside_the_api_views_are_problems_too(api):
    for path in ("/api/v1/nothing-here/", "/api/v2/records/", "/api/"):
        problem = problem_of(api.http.get(path), 404)
        assert problem["instance"] == path
    response = api.http.put("/api/v1/records/", "{}", content_type="application/json")
    assert problem_of(response, 405)["type"] == "urn:cldc:problem:method-not-allowed"
    assert "GET" in response["Allow"]
    refused = problem_of(api.get("records/", HTTP_ACCEPT="text/html"), 406)
    assert refused["type"] == "urn:cldc:problem:not-acceptable"


def test_an_unexpected_error_is_a_500_problem_without_details(api, payload, monkeypatch):
    from cldc.api import submission

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(submission.Writer, "write", broken)
    problem = problem_of(api.post("records/", payload), 500)
    assert problem["type"] == "urn:cldc:problem:server-error" and "secret" not in str(problem)


def test_the_web_pages_are_untouched(client_for):
    response = Api(service="visits").http.get("/no-such-page/")
    assert response.status_code == 404 and "text/html" in response["Content-Type"]


def test_numbers_too_large_for_the_database_are_not_500s(api):
    problem_of(api.get(f"records/{10 ** 30}/"), 404)
    problem_of(api.get(f"uploads/{10 ** 30}/errors/"), 404)
    assert api.get(f"records/?version={10 ** 30}").json()["results"] == []
    problem_of(api.get(f"records/?page={10 ** 30}"), 404)


@pytest.mark.parametrize("where", ["body", "answers", "answer", "batch"])
def test_a_body_nested_too_deep_is_a_400_problem(api, payload, where, caplog):
    """1,000 levels of nesting once gave a 500 and a traceback in the log."""
    deep = "[" * 1000 + "]" * 1000
    body = {"body": deep,
            "answers": f'{{"record_type": "visit", "version": 2026, "answers": {deep}}}',
            "answer": f'{{"record_type": "visit", "version": 2026, "answers": {{"visitref": {deep}}}}}',
            "batch": f'{{"records": [{{"answers": {deep}}}]}}'}[where]
    path = "/api/v1/records/batch/" if where == "batch" else "/api/v1/records/"
    problem = problem_of(api.http.post(path, body, content_type="application/json"), 400)
    assert problem["type"] == "urn:cldc:problem:malformed-body"
    assert "nested" in problem["detail"]
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]
