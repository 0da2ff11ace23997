"""Batches: an upsert keyed on the provider's reference, each record with its own
result; sending the same batch again changes nothing; too many records is a 413."""

import dataclasses

import pytest
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform import registry
from cldc.platform.records.models import Record, Revision


@pytest.fixture
def api(api_for, orgs):
    return api_for(service="visits", organisation=orgs["parent"])


def item(organisation, reference, **answers):
    return {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
            "answers": {"visitref": reference, "visitdate": "2026-05-04", "repairs": 2, **answers}}


def outcomes(response):
    assert response.status_code == 200, response.json()
    return [r["outcome"] for r in response.json()["results"]]


def test_each_record_has_its_own_result_and_a_bad_one_loses_nothing(api, orgs):
    batch = {"records": [item(orgs["parent"], "B1"), item(orgs["parent"], "B2", repairs=9),
                         item(orgs["child"], "B3"), item(orgs["other"], "B4")]}
    response = api.post("records/batch/", batch)
    assert outcomes(response) == ["created", "rejected", "created", "rejected"]
    body = response.json()
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    created, bad, _, stranger = body["results"]
    assert created["id"] and created["provider_reference"] == "b1|2026-05-04" and created["status"] == "in_progress"
    assert [(e["field"], e["rule"]) for e in bad["errors"]] == [("repairs", "invalid_option")] and bad["id"] is None
    assert stranger["errors"][0]["field"] == "records[3].organisation"
    with schema_context("visits"):
        assert sorted(Record.objects.values_list("answers__visitref", flat=True)) == ["B1", "B3"]
        assert set(Revision.objects.values_list("api_client", flat=True)) == {api.client.pk}


def test_the_same_batch_twice_changes_nothing(api, orgs):
    batch = {"records": [item(orgs["parent"], f"R{n}", hhmemb=1, age1=69 + n, work1=1) for n in range(1, 6)]}
    first = api.post("records/batch/", batch)
    assert outcomes(first) == ["created"] * 5
    assert [[w["rule"] for w in r["warnings"]] for r in first.json()["results"]] == [["older_person_in_work_1"]] * 5
    with schema_context("visits"):
        before = (list(Record.objects.order_by("pk").values_list("pk", "lock_version", "answers")),
                  Revision.objects.count())
    again = api.post("records/batch/", batch)
    assert outcomes(again) == ["unchanged"] * 5
    with schema_context("visits"):
        after = (list(Record.objects.order_by("pk").values_list("pk", "lock_version", "answers")), Revision.objects.count())
    assert after == before
    assert [r["id"] for r in again.json()["results"]] == [pk for pk, _, _ in before[0]]


def test_a_changed_record_in_a_batch_updates_the_one_it_matches(api, orgs):
    api.post("records/batch/", {"records": [item(orgs["parent"], "U1"), item(orgs["parent"], "U2")]})
    changed = {"records": [item(orgs["parent"], "U1", repairs=1), item(orgs["parent"], "U2")]}
    assert outcomes(api.post("records/batch/", changed)) == ["updated", "unchanged"]
    with schema_context("visits"):
        assert Record.objects.count() == 2
        assert Record.objects.get(answers__visitref="U1").answers["repairs"] == 1


def test_the_reference_is_needed_and_used_once(api, orgs):
    batch = {"records": [item(orgs["parent"], "D1"), item(orgs["parent"], "d1 "),
                         {**item(orgs["parent"], "X"), "answers": {"repairs": 2}}]}
    response = api.post("records/batch/", batch)
    assert outcomes(response) == ["created", "rejected", "rejected"]
    duplicate, unreferenced = response.json()["results"][1:]
    assert duplicate["errors"][0]["rule"] == "duplicate_in_batch" and "records[0]" in duplicate["errors"][0]["message"]
    assert unreferenced["errors"][0]["rule"] == "reference_required"


def test_mistakes_in_a_record_of_the_batch_are_named_by_its_position(api, orgs):
    problem = problem_of(api.post("records/batch/", {"records": [item(orgs["parent"], "P1"),
                                                                 {**item(orgs["parent"], "P2"), "colour": "red"}]}), 400)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("records[1].colour", "unknown_field")]
    response = api.post("records/batch/", {"records": [item(orgs["parent"], "P1", favourite="x")]})
    assert response.json()["results"][0]["errors"][0]["field"] == "records[0].answers.favourite"


def test_validate_only_batches_store_nothing(api, orgs):
    response = api.post("records/batch/?validate_only=true", {"records": [item(orgs["parent"], "V1")]})
    assert outcomes(response) == ["created"] and response.json()["validate_only"] is True
    assert response.json()["results"][0]["id"] is None
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_collection_may_take_fewer_records_in_a_validate_only_batch(api, orgs, monkeypatch):
    visits = registry.get("visits")
    monkeypatch.setitem(registry.collections(), "visits", dataclasses.replace(visits, validate_only_max=2))
    records = [item(orgs["parent"], f"W{n}") for n in range(3)]
    assert outcomes(api.post("records/batch/?validate_only=true", {"records": records[:2]})) == ["created"] * 2
    problem = problem_of(api.post("records/batch/?validate_only=true", {"records": records}), 413)
    assert problem["type"] == "urn:cldc:problem:batch-too-large"
    assert problem["detail"] == "A validate-only call may check at most 2 visits; this one has 3. Split it."
    assert outcomes(api.post("records/batch/", {"records": records})) == ["created"] * 3  # storing: the full batch


def test_a_batch_over_the_limit_is_refused_whole(api, orgs, settings):
    records = [item(orgs["parent"], f"L{n}") for n in range(settings.CLDC_API_BATCH_MAX + 1)]
    problem = problem_of(api.post("records/batch/", {"records": records}), 413)
    assert problem["type"] == "urn:cldc:problem:batch-too-large" and "at most 1,000 records" in problem["detail"]
    assert problem_of(api.post("records/batch/", {"records": []}), 400)["errors"][0]["field"] == "records"
    with schema_context("visits"):
        assert not Record.objects.exists()
