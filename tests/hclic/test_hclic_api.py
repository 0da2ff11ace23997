"""H-CLIC cases through the submission API, as a case-management system's supplier
sends them: a batch upserted on the case reference, one stage changed with PATCH (by
the case's id, or found by its reference), a retired code refused naming the codes
that replaced it, validate-only calls of up to the package's 50 cases, and the rule
pack and JSON Schema of both versions published."""

import json

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.api.models import Supplier, SupplierAuthorisation
from cldc.platform import registry
from cldc.platform.records.models import Record, Revision

# Three cases at different stages, in 2026/27 (today is in that year's window).
PREVENTION = {"caseref": "LOC/2026/0001", "appdate": "2026-04-10", "assessdate": "2026-04-15", "assessoutcome": 1,
              "s21notice": 1, "referred": 4, "reason": 10, "accom": 8, "eligibility": 1, "supportneeds": 2,
              "firstname1": "Ana", "surname1": "O'Neill", "dob1": "1991-06-01", "age1": 34, "sex1": 2,
              "ethnic1": 1, "ecstat1": 2, "nationality1": 1, "sexid1": 1, "genderid1": 1,
              "hhmembers": 2, "relat2": 2, "age2": 8, "sex2": 1, "ethnic2": 1, "nationality2": 1,
              "taplacements": 0, "reviewcount": 0}
RELIEF = {**PREVENTION, "caseref": "LOC/2026/0002", "preventend": 3, "preventenddate": "2026-05-20",
          "reliefstartdate": "2026-05-20"}
MAIN_DUTY = {**RELIEF, "caseref": "LOC/2026/0003", "reliefend": 2, "reliefenddate": "2026-07-15", "mainduty": 1,
             "mddate": "2026-07-20", "priorityneed": 1, "taplacements": 1, "tatype1": 4, "taduty1": 1,
             "taoutside1": 2, "tastart1": "2026-05-21"}
RELIEF_ENDED = {"reliefend": 1, "reliefenddate": "2026-07-01", "reliefaccom": 4, "reliefactivity": 1}


@pytest.fixture
def council(hclic_service, make_organisation):
    return make_organisation("Anytown Council", type="local_authority")


@pytest.fixture
def supplier_api(council, make_person):
    """A case-management system's supplier, authorised by the council, calling with its key."""
    coordinator = make_person("coordinator@anytown.example", council, role="data_coordinator")
    with schema_context("hclic"):
        supplier = Supplier.objects.create(name="Case Systems Ltd", contact="api@case-systems.example")
        SupplierAuthorisation.objects.create(organisation=council, supplier=supplier, granted_by=coordinator)
        new = create_client(name="Case system", created_by=coordinator, supplier=supplier)
    return Api(new.key)


class Api:
    def __init__(self, key=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        self.http = Client(HTTP_HOST="hclic.localhost", **headers)

    def call(self, method, path, body=None, **headers):
        data = {} if body is None else {"data": json.dumps(body), "content_type": "application/json"}
        return getattr(self.http, method)(f"/api/v1/{path}", **data, **headers)


def item(council, answers):
    return {"record_type": "case", "version": 2026, "organisation": council.ons_code, "answers": answers}


def stored(reference):
    with schema_context("hclic"):
        return Record.objects.get(provider_reference=reference.lower())


def test_a_batch_creates_cases_at_every_stage_then_updates_them_on_their_case_reference(supplier_api, council):
    first = supplier_api.call("post", "records/batch/", {"records": [item(council, c) for c in (PREVENTION, RELIEF)]})
    assert first.status_code == 200, first.json()
    assert [r["outcome"] for r in first.json()["results"]] == ["created", "created"]
    relief_id = first.json()["results"][1]["id"]

    # The next quarter's batch: the relief case has ended, and a third case is new.
    second = supplier_api.call("post", "records/batch/", {"records": [
        item(council, PREVENTION), item(council, {"caseref": RELIEF["caseref"], **RELIEF_ENDED}),
        item(council, MAIN_DUTY)]})
    body = second.json()
    assert [r["outcome"] for r in body["results"]] == ["unchanged", "updated", "created"], body
    assert body["results"][1]["id"] == relief_id
    assert body["counts"] == {"created": 1, "updated": 1, "unchanged": 1, "rejected": 0}
    relief = stored(RELIEF["caseref"])
    assert {k: relief.answers[k] for k in RELIEF_ENDED} == RELIEF_ENDED
    assert relief.answers["preventend"] == 3  # the answers not sent stay
    with schema_context("hclic"):
        assert Record.objects.filter(collection="hclic", owning_organisation=council).count() == 3
        assert Revision.objects.filter(record=relief).count() == 2
    main_duty = stored(MAIN_DUTY["caseref"])
    assert main_duty.answers["tatype1"] == 4 and main_duty.derived["ta_current"] == 1


def test_a_bad_case_in_a_batch_is_named_by_its_index_and_field_and_loses_no_other(supplier_api, council):
    retired = {**RELIEF, "caseref": "LOC/2026/0009", "preventend": 12}  # retired: split into 7 and 8
    response = supplier_api.call("post", "records/batch/", {"records": [
        item(council, PREVENTION), item(council, retired), item(council, {**MAIN_DUTY, "tastart1": "2026-04-01"})]})
    results = response.json()["results"]
    assert [r["outcome"] for r in results] == ["created", "rejected", "rejected"]
    assert [r["index"] for r in results] == [0, 1, 2]
    (error,) = results[1]["errors"]
    assert (error["field"], error["rule"]) == ("preventend", "retired_option")
    assert "“Withdrew application” (7)" in error["message"] and "“Applicant deceased” (8)" in error["message"]
    assert ("tastart1", "placement_after_application_1") in {(e["field"], e["rule"]) for e in results[2]["errors"]}
    with schema_context("hclic"):
        assert list(Record.objects.values_list("provider_reference", flat=True)) == ["loc/2026/0001"]


def test_one_stage_of_a_case_is_changed_with_patch_by_its_id_or_found_by_its_reference(supplier_api, council):
    created = supplier_api.call("post", "records/", item(council, RELIEF))
    assert created.status_code == 201, created.json()
    found = supplier_api.call("get", f"records/?reference={RELIEF['caseref']}")
    (summary,) = found.json()["results"]
    assert summary["id"] == created.json()["id"]

    changed = supplier_api.call("patch", f"records/{summary['id']}/", {"answers": RELIEF_ENDED},
                                HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 200, changed.json()
    assert {k: changed.json()["answers"][k] for k in RELIEF_ENDED} == RELIEF_ENDED
    assert changed.json()["answers"]["appdate"] == RELIEF["appdate"] and changed["ETag"] == '"2"'

    refused = supplier_api.call("patch", f"records/{summary['id']}/", {"answers": {"reliefenddate": "2026-05-01"}})
    assert refused.status_code == 422
    assert ("reliefenddate", "reliefenddate_not_before_relief_owed") in {
        (e["field"], e["rule"]) for e in refused.json()["errors"]}
    assert stored(RELIEF["caseref"]).answers["reliefenddate"] == "2026-07-01"


def test_validate_only_checks_up_to_fifty_cases_in_one_call_and_refuses_fifty_one(supplier_api, council):
    assert registry.get("hclic").validate_only_max == 50
    cases = [item(council, {**MAIN_DUTY, "caseref": f"LOC/2026/{n:04}"}) for n in range(51)]
    fifty = supplier_api.call("post", "records/batch/?validate_only=true", {"records": cases[:50]})
    assert fifty.status_code == 200, fifty.json()
    assert fifty.json()["counts"]["created"] == 50 and fifty.json()["validate_only"] is True

    too_many = supplier_api.call("post", "records/batch/?validate_only=true", {"records": cases})
    assert too_many.status_code == 413
    problem = too_many.json()
    assert problem["type"] == "urn:cldc:problem:batch-too-large"
    assert problem["detail"] == "A validate-only call may check at most 50 cases; this one has 51. Split it."
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("records", "max_length")]
    with schema_context("hclic"):
        assert not Record.objects.exists()
    stored_batch = supplier_api.call("post", "records/batch/", {"records": cases})  # storing takes a full batch
    assert stored_batch.json()["counts"]["created"] == 51


@pytest.mark.parametrize("version", [2025, 2026])
def test_the_rule_pack_and_json_schema_of_each_version_are_published(hclic_service, version):
    public = Api()
    listed = public.call("get", "definitions/").json()
    assert {(d["collection"], d["record_type"], d["version"]) for d in listed} == {
        ("hclic", "case", 2025), ("hclic", "case", 2026)}
    rules = public.call("get", f"definitions/hclic/case/{version}/rules/")
    assert rules.status_code == 200
    assert "relief_not_before_prevention_ends" in {rule["id"] for rule in rules.json()["rules"]}
    schema = public.call("get", f"definitions/hclic/case/{version}/schema/").json()
    assert schema["properties"]["tatype1"]["x-repeat"] == "placement"
    retired = {code["const"]: code.get("x-replaced-by") for code in schema["properties"]["tatype1"].get(
        "x-retired-options", [])}
    assert retired == ({6: [7, 8]} if version == 2026 else {})


def test_the_api_reference_page_lists_both_versions_and_the_validate_only_limit(hclic_service):
    page = Api().call("get", "docs/")
    assert page.status_code == 200
    text = page.content.decode()
    for version in (2025, 2026):
        assert f'href="/api/v1/definitions/hclic/case/{version}/schema/"' in text
        assert f'href="/api/v1/definitions/hclic/case/{version}/rules/"' in text
    assert ("A validate-only batch of H-CLIC: homelessness case level information may have up to 50 records, "
            "as the validation its suppliers use today takes.") in text
