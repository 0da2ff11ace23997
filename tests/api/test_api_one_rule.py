"""The API holds to the rules every channel holds to: nothing dropped without a word (an
answer its other answers route away), and only the options a question offers the
record's organisation (`offered_when`). Whom a record may name
(cldc.platform.records.references): tests/records/test_references.py, and through the
API, with CORE's managing organisation, tests/core/test_core_api.py."""

import pytest
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform.records.models import Record

VISIT = {"visitref": "V-200", "visitdate": "2026-05-04", "repairs": 1}
DETAIL_NOT_STORED = ("Not stored: you answered “What repairs did they report?”, but also “No” to “Did the household "
                     "report any repairs?”.")


@pytest.fixture
def api(api_for, orgs):
    return api_for(service="visits", organisation=orgs["parent"])


def create(api, organisation, answers, path="records/"):
    return api.post(path, {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
                           "answers": {**VISIT, **answers}})


def test_an_answer_routed_away_is_not_stored_and_comes_back_as_a_warning(api, orgs):
    response = create(api, orgs["parent"], {"repairs": 2, "repairsdetail": "Broken window"})
    assert response.status_code == 201, response.json()
    record = response.json()
    assert "repairsdetail" not in record["answers"] and record["answers"]["repairs"] == 2
    assert {"field": "repairsdetail", "rule": "not_applicable", "severity": "warning",
            "message": DETAIL_NOT_STORED} in record["warnings"]
    # A change that sends it again is told again; a change that routes away what was
    # stored before is not a contradiction (the record's `cleared` answers).
    patched = api.patch(f"records/{record['id']}/", {"answers": {"repairsdetail": "Broken window"}}).json()
    assert [w["rule"] for w in patched["warnings"] if w["field"] == "repairsdetail"] == ["not_applicable"]
    # A batch says the same, record by record.
    batch = api.post("records/batch/", {"records": [{"record_type": "visit", "version": 2026,
                                                     "organisation": f"ORG{orgs['parent'].pk}",
                                                     "answers": {**VISIT, "visitref": "B-1", "repairs": 2,
                                                                 "repairsdetail": "Broken window"}}]})
    assert batch.status_code == 200, batch.json()
    (result,) = batch.json()["results"]
    assert result["outcome"] == "created" and {"field": "repairsdetail", "rule": "not_applicable", "severity": "warning",
                                               "message": DETAIL_NOT_STORED} in result["warnings"]
    with schema_context("visits"):
        assert not any("repairsdetail" in r.answers for r in Record.objects.all())


COUNCIL_MODE = "Select in person or by phone for a visit made by a council."


@pytest.fixture
def council_api(api_for, make_organisation, make_person):
    council = make_organisation("Visiting Borough Council", type="local_authority")
    return api_for(service="visits", organisation=council,
                   created_by=make_person("visits@council.example", council, role="data_coordinator")), council


def test_a_council_visit_is_not_given_a_mode_offered_only_to_housing_associations(council_api):
    # The web form offers a council's visit modes 1 and 2 only (offered_when); the API holds to the same.
    api, council = council_api
    refused = problem_of(create(api, council, {"visitmode": 3}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in refused["errors"]] == [
        ("visitmode", "option_not_offered", COUNCIL_MODE)]
    with schema_context("visits"):
        assert not Record.objects.exists()
    created = create(api, council, {"visitmode": 2})  # a council's own mode
    assert created.status_code == 201, created.json()
    assert created.json()["answers"]["visitmode"] == 2 and created.json()["errors"] == []


def test_a_stored_answer_no_longer_offered_does_not_stop_an_unrelated_change(council_api):
    # A council's visit holding a housing association's mode (stored before the API held
    # to offered_when): a change to another answer is stored, and the record says what
    # to fix, on its field; nothing is lost.
    api, council = council_api
    record = create(api, council, {"visitmode": 2}).json()
    with schema_context("visits"):
        Record.objects.filter(pk=record["id"]).update(answers={**record["answers"], "visitmode": 3})
    changed = api.patch(f"records/{record['id']}/", {"answers": {"visitref": "V-201"}})
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert body["answers"]["visitref"] == "V-201" and body["answers"]["visitmode"] == 3
    assert [(e["field"], e["rule"], e["message"]) for e in body["errors"]] == [
        ("visitmode", "option_not_offered", COUNCIL_MODE)]
    assert body["status"] == "in_progress"
    fixed = api.patch(f"records/{record['id']}/", {"answers": {"visitmode": 1}}).json()
    assert fixed["answers"]["visitmode"] == 1 and fixed["errors"] == []
