"""Records through the API: create, read with labels, list with filters for
incremental sync, partial changes with optimistic locking, delete while the window
allows, validate-only, and the provenance of every change."""

from datetime import date, timedelta
from urllib.parse import quote

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform import registry
from cldc.platform.records.models import Record, Revision
from cldc.platform.windows.models import CollectionWindow

VISIT = {"visitref": "V-100", "visitdate": "2026-05-04", "repairs": 2}  # a visit begun: no household yet
OLDER_PERSON_IN_WORK = {"hhmemb": 1, "age1": 70, "work1": 1}  # a soft check


@pytest.fixture
def api(api_for, orgs):
    return api_for(service="visits", organisation=orgs["parent"])


def create(api, organisation, answers=None, **extra):
    body = {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
            "answers": VISIT if answers is None else answers, **extra}
    return api.post("records/", body)


def test_create_returns_the_record_with_its_location_and_etag(api, orgs):
    response = create(api, orgs["parent"])
    assert response.status_code == 201, response.json()
    record = response.json()
    assert response["Location"] == f"http://visits.localhost/api/v1/records/{record['id']}/" == record["url"]
    assert response["ETag"] == '"1"' and record["lock_version"] == 1
    assert record["status"] == "in_progress" and record["source"] == "api"
    assert record["answers"]["repairs"] == 2 and record["labels"]["repairs"] == "No"
    assert record["answers"]["owning_organisation_id"] == str(orgs["parent"].pk)  # the organisation, as an answer
    assert record["provider_reference"] == "v-100|2026-05-04"
    assert "hhmemb" in record["missing"] and record["errors"] == []
    with schema_context("visits"):
        stored = Record.objects.get(pk=record["id"])
        assert stored.created_by is None and stored.source == "api"
        (revision,) = stored.revisions.all()
        assert revision.api_client_id == api.client.pk and revision.user is None and revision.source == "api"


def test_read_gives_answers_labels_derived_values_and_what_is_outstanding(api, orgs):
    created = create(api, orgs["parent"], {**VISIT, "period": 4, "rent": "520.00"}).json()
    response = api.get(f"records/{created['id']}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    record = response.json()
    period = registry.get("visits").definition("visit", 2026).variables["period"]
    assert record["labels"]["period"] == period.label_for(4)
    assert record["answers"]["rent"] == 520
    assert record["derived"] == created["derived"] and record["missing"] == created["missing"]
    assert set(record) >= {"answers", "labels", "derived", "errors", "warnings", "missing", "lock_version"}


def test_a_value_that_breaks_a_hard_rule_refuses_the_whole_record(api, orgs):
    problem = problem_of(create(api, orgs["parent"], {**VISIT, "visitdate": "2031-01-01"}), 422)
    assert problem["type"] == "urn:cldc:problem:validation-failed"
    assert any(e["field"] == "visitdate" and e["severity"] == "hard" for e in problem["errors"])
    with schema_context("visits"):
        assert not Record.objects.exists() and not Revision.objects.exists()


def test_patch_changes_only_the_answers_sent(api, orgs):
    record = create(api, orgs["parent"]).json()
    response = api.patch(f"records/{record['id']}/", {"answers": {"visitref": "V-101"}}, HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.json()
    changed = response.json()
    assert response["ETag"] == '"2"' and changed["answers"]["visitref"] == "V-101"
    assert {k: v for k, v in changed["answers"].items() if k != "visitref"} == {
        k: v for k, v in record["answers"].items() if k != "visitref"}
    with schema_context("visits"):
        latest = Revision.objects.filter(record=record["id"]).last()
        assert latest.changes == {"visitref": ["V-100", "V-101"]} and latest.api_client_id == api.client.pk


def test_a_stale_if_match_is_refused_with_412(api, orgs):
    record = create(api, orgs["parent"]).json()
    assert api.patch(f"records/{record['id']}/", {"answers": {"visitref": "A"}}, HTTP_IF_MATCH='"1"').status_code == 200
    problem = problem_of(api.patch(f"records/{record['id']}/", {"answers": {"visitref": "B"}}, HTTP_IF_MATCH='"1"'), 412)
    assert problem["type"] == "urn:cldc:problem:stale-record" and "version 2" in problem["detail"]
    problem_of(api.delete(f"records/{record['id']}/", HTTP_IF_MATCH='W/"1"'), 412)
    with schema_context("visits"):
        assert Record.objects.get(pk=record["id"]).answers["visitref"] == "A"
    assert api.patch(f"records/{record['id']}/", {"answers": {"visitref": "B"}}, HTTP_IF_MATCH="*").status_code == 200


def test_a_refused_change_stores_nothing(api, orgs):
    record = create(api, orgs["parent"]).json()
    problem = problem_of(api.patch(f"records/{record['id']}/", {"answers": {"visitref": "C", "repairs": 7}}), 422)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("repairs", "invalid_option")]
    with schema_context("visits"):
        stored = Record.objects.get(pk=record["id"])
        assert stored.answers["visitref"] == "V-100" and stored.lock_version == 1


def test_soft_checks_come_back_as_warnings_and_are_confirmed_by_id(api, orgs):
    record = create(api, orgs["parent"], {**VISIT, **OLDER_PERSON_IN_WORK}).json()
    assert [(w["rule"], w["severity"], w["field"]) for w in record["warnings"]] == [
        ("older_person_in_work_1", "soft", "age1")]
    with schema_context("visits"):
        assert Record.objects.get(pk=record["id"]).answers["age1"] == 70  # stored all the same
    confirmed = api.patch(f"records/{record['id']}/", {"confirm": ["older_person_in_work_1"]}).json()
    assert confirmed["warnings"] == []
    assert api.get(f"records/{record['id']}/").json()["warnings"] == []
    unknown = problem_of(api.patch(f"records/{record['id']}/", {"confirm": ["no_such_rule"]}), 400)
    assert unknown["errors"][0]["rule"] == "unknown_rule"


def test_validate_only_stores_nothing(api, orgs):
    payload = {"record_type": "visit", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}", "answers": VISIT}
    checked = api.post("records/validate/", payload)
    assert checked.status_code == 200 and checked.json()["id"] is None and checked.json()["status"] == "in_progress"
    assert checked.json()["answers"]["visitref"] == "V-100"
    also = api.post("records/?validate_only=true", payload)
    assert also.status_code == 200 and also.json()["id"] is None
    problem_of(api.post("records/?validate_only=maybe", payload), 400)
    bad = api.post("records/validate/", {**payload, "answers": {"repairs": 9}})
    assert problem_of(bad, 422)["errors"][0]["field"] == "repairs"
    with schema_context("visits"):
        assert not Record.objects.exists() and not Revision.objects.exists()
    record = create(api, orgs["parent"]).json()
    patched = api.patch(f"records/{record['id']}/?validate_only=true", {"answers": {"visitref": "ZZZ"}})
    assert patched.status_code == 200 and patched.json()["answers"]["visitref"] == "ZZZ"
    with schema_context("visits"):
        assert Record.objects.get().answers["visitref"] == "V-100" and Revision.objects.count() == 1


def test_delete_while_the_window_allows_changes(api, orgs):
    keep, remove = create(api, orgs["parent"]).json(), create(api, orgs["parent"], {"visitref": "GONE"}).json()
    assert api.delete(f"records/{remove['id']}/", HTTP_IF_MATCH='"1"').status_code == 204
    problem_of(api.get(f"records/{remove['id']}/"), 404)
    with schema_context("visits"):
        CollectionWindow.objects.filter(collection="visits", record_type="visit", version=2026).update(
            new_logs_end=date.today() - timedelta(days=2), editing_end=date.today() - timedelta(days=1))
    closed = problem_of(api.delete(f"records/{keep['id']}/"), 409)
    assert closed["type"] == "urn:cldc:problem:window-closed" and "could be changed until" in closed["detail"]
    problem_of(api.patch(f"records/{keep['id']}/", {"answers": {"visitref": "LATE"}}), 409)
    late = problem_of(create(api, orgs["parent"]), 422)
    assert late["errors"][0] == {"field": "version", "rule": "window_closed", "severity": "hard",  # the gateway's refusal
                                 "message": "You can no longer create visits for the 2026 to 2027 collection year. "
                                            "The deadline was 30 April 2027."}
    with schema_context("visits"):
        assert Record.objects.filter(pk=keep["id"]).exists()


def test_the_list_filters_and_pages(api, orgs):
    first = create(api, orgs["parent"], {"visitref": "A1", "visitdate": "2026-05-04"}).json()
    since = timezone.now()
    second = create(api, orgs["child"], {"visitref": "B2", "visitdate": "2026-06-01", "repairs": 1}).json()
    api.patch(f"records/{first['id']}/", {"answers": {"repairs": 2}})

    def ids(query=""):
        response = api.get(f"records/?{query}")
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids() == [second["id"], first["id"]]  # least recently changed first
    assert ids(f"updated_since={quote(since.isoformat())}") == [second["id"], first["id"]]
    latest = api.get(f"records/{first['id']}/").json()["updated_at"]
    assert ids(f"updated_since={quote(latest)}") == [first["id"]]  # at or after: the last one seen comes again
    assert ids(f"organisation=ORG{orgs['child'].pk}") == [second["id"]]
    assert ids(f"organisation={orgs['other'].regulator_number}") == []  # not acted for: nothing
    assert ids("reference=A1|2026-05-04") == [first["id"]]
    assert ids("record_type=visit&version=2026&status=in_progress") == [second["id"], first["id"]]
    assert ids("record_type=inspection") == [] and ids("version=2027") == []  # none of that type or version
    page = api.get("records/?page_size=1").json()
    assert page["count"] == 2 and page["results"][0]["id"] == second["id"]
    assert api.http.get(page["next"]).json()["results"][0]["id"] == first["id"]
    bad = problem_of(api.get("records/?updated_since=yesterday&colour=red"), 400)
    assert {e["field"] for e in bad["errors"]} == {"colour"}
    bad = problem_of(api.get("records/?updated_since=yesterday"), 400)
    assert [e["field"] for e in bad["errors"]] == ["updated_since"]
