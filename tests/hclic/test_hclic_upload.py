"""H-CLIC cases by bulk upload (CSV or XLSX), in a case-management system's own
columns: one row a case, household members and temporary accommodation placements as
numbered columns ("Person 2 Age", "TA Placement 1 Start Date"). The columns are matched automatically
(the definition and the package's synonyms, collections/hclic/synonyms/case.yaml), the
rows go through the same pipeline as CORE's, a retired code is refused naming the codes
that replaced it, and the cases stored are the same as the API stores from the same
answers."""

import csv
import io
import json

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.automap import load_synonyms, suggest, synonym_problems
from cldc.tests.hclic.test_hclic_api import MAIN_DUTY, PREVENTION, RELIEF, Api

# How one system's export names H-CLIC's fields (headings, by the answer each holds).
COLUMNS = {
    "Case Reference": "caseref", "Date of Approach": "appdate", "Assessment Date": "assessdate",
    "Duty Owed at Assessment": "assessoutcome", "S21 Notice Served": "s21notice", "Referral Source": "referred",
    "Reason for Homelessness": "reason", "Accommodation at Approach": "accom", "Eligibility Status": "eligibility",
    "Support Needs": "supportneeds", "Main Applicant Forename": "firstname1", "Main Applicant Surname": "surname1",
    "Main Applicant Date of Birth": "dob1", "Main Applicant Age": "age1", "Main Applicant Gender": "sex1",
    "Main Applicant Ethnicity": "ethnic1", "Main Applicant Employment Status": "ecstat1",
    "Main Applicant Nationality": "nationality1", "Main Applicant Sexual Orientation": "sexid1",
    "Main Applicant Gender Identity": "genderid1", "Number in Household": "hhmembers",
    "Person 2 Relationship to Applicant": "relat2", "Person 2 Age": "age2", "Person 2 Gender": "sex2",
    "Person 2 Ethnicity": "ethnic2", "Person 2 Nationality": "nationality2",
    "Prevention Outcome": "preventend", "Prevention Outcome Date": "preventenddate",
    "Relief Duty Start Date": "reliefstartdate", "Relief Outcome": "reliefend", "Relief Outcome Date": "reliefenddate",
    "Relief Accommodation Secured": "reliefaccom", "Main Relief Activity": "reliefactivity",
    "Main Duty Decision": "mainduty", "Main Duty Decision Date": "mddate", "Priority Need Reason": "priorityneed",
    "Main Duty End Reason": "mdend", "Main Duty End Date": "mdenddate",
    "Number of TA Placements": "taplacements",
    "TA Placement 1 Type": "tatype1", "TA Placement 1 Duty": "taduty1", "TA Placement 1 Out of Area": "taoutside1",
    "TA Placement 1 Start Date": "tastart1", "TA Placement 1 End Date": "taend1",
    "TA Placement 2 Type": "tatype2", "TA Placement 2 Duty": "taduty2", "TA Placement 2 Out of Area": "taoutside2",
    "TA Placement 2 Start Date": "tastart2", "TA Placement 2 End Date": "taend2",
    "Number of Reviews": "reviewcount", "Date Case Closed": "closedate", "Assistance at Closure": "closeassist",
}
# A main-duty case that moved placement, ended with a social housing offer and was
# closed: every stage of a case.
CLOSED = {**MAIN_DUTY, "caseref": "LOC/2026/0004", "taend1": "2026-06-30", "taplacements": 2, "tatype2": 5,
          "taduty2": 1, "taoutside2": 2, "tastart2": "2026-06-30", "taend2": "2026-10-30", "mdend": 1,
          "mdenddate": "2026-10-30", "closedate": "2026-11-02", "closeassist": 1}
CASES = [PREVENTION, RELIEF, MAIN_DUTY, CLOSED]


def cell(variable, value):
    """A value as a case system writes it: dates day first, sex by its word."""
    if value is None:
        return ""
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        year, month, day = value.split("-")
        return f"{day}/{month}/{year}"
    if variable in ("sex1", "sex2"):
        return {1: "Male", 2: "Female"}[value]
    return str(value)


def export(cases, kind):
    """The cases as a system's export: a CSV file, or a workbook of one sheet."""
    rows = [list(COLUMNS), *([cell(variable, case.get(variable)) for variable in COLUMNS.values()] for case in cases)]
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        return out.getvalue().encode()
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def councils(hclic_service, make_organisation, make_person):
    uploading = make_organisation("Anytown Council", type="local_authority")
    sending = make_organisation("Otherton Council", type="local_authority")
    make_person("officer@anytown.example", uploading, role="data_coordinator")
    make_person("coordinator@otherton.example", sending, role="data_coordinator")
    return uploading, sending


def upload(tmp_path, council, content, kind):
    path = tmp_path / f"cases-export.{kind}"
    path.write_bytes(content)
    out = io.StringIO()
    call_command("cldc", "upload", "--service", "hclic", "--record-type", "case", "--version", "2026",
                 "--organisation", council.ons_code, "--user", "officer@anytown.example", str(path), stdout=out)
    return json.loads(out.getvalue())


def cases_of(council):
    with schema_context("hclic"):
        return {r.answers["caseref"]: (r.answers, r.derived, r.status)
                for r in Record.objects.filter(owning_organisation=council)}


@pytest.mark.parametrize("version", [2025, 2026])
def test_every_synonym_names_a_question_of_the_definition(version):
    definition = registry.get("hclic").definition("case", version)
    synonyms = load_synonyms(definition)
    assert synonyms["variables"] and synonym_problems(definition, synonyms) == []


def test_the_columns_of_a_case_systems_export_are_all_matched_without_asking():
    definition = registry.get("hclic").definition("case", 2026)
    mappings = suggest(definition, list(COLUMNS))
    assert {m.header: (m.target.variable if m.target else None) for m in mappings} == COLUMNS
    assert {m.band for m in mappings} == {"confident"}


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_cases_uploaded_in_a_case_systems_columns_are_the_cases_the_api_stores(tmp_path, councils, kind):
    uploading, sending = councils
    retired = {**RELIEF, "caseref": "LOC/2026/0009", "preventend": 12}  # retired: split into 7 and 8
    refused = upload(tmp_path, uploading, export([*CASES, retired], kind), kind)
    assert (refused["status"], refused["stored"], refused["rejected"]) == ("checked", False, 1), refused
    (error,) = [e for e in refused["errors"] if e["severity"] == "hard"]
    assert (error["row"], error["column"], error["field"], error["rule"]) == (
        6, "Prevention Outcome", "preventend", "retired_option")
    assert "“Withdrew application” (7)" in error["message"] and "“Applicant deceased” (8)" in error["message"]
    assert cases_of(uploading) == {}  # nothing stored while a row has an error

    done = upload(tmp_path, uploading, export(CASES, kind), kind)
    assert (done["status"], done["created"], done["rejected"]) == ("done", 4, 0), done["errors"]

    coordinator = sending.memberships.get().user
    with schema_context("hclic"):
        key = create_client(name="Case system", created_by=coordinator, organisation=sending).key
    sent = Api(key).call("post", "records/batch/", {"records": [
        {"record_type": "case", "version": 2026, "organisation": sending.ons_code, "answers": case} for case in CASES]})
    assert sent.json()["counts"]["created"] == 4, sent.json()

    by_upload, by_api = cases_of(uploading), cases_of(sending)
    assert sorted(by_upload) == sorted(case["caseref"] for case in CASES)
    assert by_upload == by_api
    assert by_upload["LOC/2026/0004"][0]["tastart2"] == "2026-06-30" and by_upload["LOC/2026/0004"][2] == "completed"


def test_a_case_systems_workbook_is_uploaded_on_the_web_pages_with_nothing_to_match(
        client_for, eager_celery, councils):
    uploading, _ = councils
    client = client_for("hclic", uploading.memberships.get().user)
    form = client.get("/uploads/new/").content.decode()
    assert 'name="record_type" value="hclic:case"' in form and 'value="2026"' in form
    response = client.post("/uploads/new/", {
        "record_type": "hclic:case", "year": "2026", "organisation": uploading.pk, "on_errors": "wait",
        "file": SimpleUploadedFile("cases.xlsx", export(CASES, "xlsx"))})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert "/columns/" not in response.url and "/values/" not in response.url  # every column and value matched
    page = client.get(response.url).content.decode()
    assert '<dd class="govuk-summary-list__value" id="count-created">4</dd>' in page
    assert "4 cases created, 0 updated." in page
    assert sorted(cases_of(uploading)) == sorted(case["caseref"] for case in CASES)
