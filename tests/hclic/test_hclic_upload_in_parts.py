"""H-CLIC cases by bulk upload as a case-management system exports them in parts: a
main sheet (one row a case) and a sheet for each repeat block's members (people,
placements: one row a member, with the case reference), as one workbook of several
sheets or as several CSV files in one upload. Every column is matched without asking,
the members are joined to their cases by the reference, and the cases stored are those
the API stores from the same answers; what cannot be joined, or is wrong in a member's
row, is an error on that sheet's row, and nothing is stored."""

import csv
import io
import json
import re
from unittest.mock import patch

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.uploads.automap import suggest
from cldc.platform.uploads import tasks
from cldc.platform.uploads.models import Upload
from cldc.tests.hclic.test_hclic_api import Api
from cldc.tests.hclic.test_hclic_upload import CASES, COLUMNS, cases_of, cell

# The main sheet: every column of the one-row export but the members'.
MAIN = {heading: variable for heading, variable in COLUMNS.items()
        if not heading.startswith(("Person 2", "TA Placement"))}
PEOPLE = {"Case Reference": "caseref", "Relationship to Applicant": "relat{n}", "Age": "age{n}", "Gender": "sex{n}",
          "Ethnicity": "ethnic{n}", "Nationality": "nationality{n}"}
PLACEMENTS = {"Case Ref": "caseref", "Placement Type": "tatype{n}", "Placement Duty": "taduty{n}",
              "Out of Area": "taoutside{n}", "Start Date": "tastart{n}", "End Date": "taend{n}"}
# A household of three: its second member is the people sheet's second row of the case.
THREE = {**CASES[0], "caseref": "LOC/2026/0005", "hhmembers": 3, "relat3": 1, "age3": 36, "sex3": 1, "ethnic3": 1,
         "nationality3": 1, "ecstat3": 2, "sexid3": 1, "genderid3": 1}
ALL_CASES = [*CASES, THREE]
PEOPLE_ADULT = {"Employment Status": "ecstat{n}", "Sexual Orientation": "sexid{n}", "Gender Identity": "genderid{n}"}


def written(variable, case):
    """A member's answer as the system writes it: sex by its word, as the main sheet's."""
    value = case.get(variable)
    return cell("sex2" if variable.startswith("sex") and variable[3:].isdecimal() else variable, value)


def member_rows(cases, columns, first, block_present):
    """One row a member of each case, in member order (the case's numbered answers)."""
    rows = []
    for case in cases:
        n = first
        while block_present(case, n):
            rows.append([written(variable.replace("{n}", str(n)), case) for variable in columns.values()])
            n += 1
    return rows


def sheets(cases):
    """{sheet name: rows} of a system's export in parts, headings first."""
    people_columns = {**PEOPLE, **PEOPLE_ADULT}
    return {
        "Cases": [list(MAIN), *([cell(v, case.get(v)) for v in MAIN.values()] for case in cases)],
        "People": [list(people_columns),
                   *member_rows(cases, people_columns, 2, lambda case, n: f"relat{n}" in case)],
        "Placements": [list(PLACEMENTS),
                       *member_rows(cases, PLACEMENTS, 1, lambda case, n: f"tatype{n}" in case)],
    }


def workbook(parts):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in parts.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return [SimpleUploadedFile("cases-export.xlsx", out.getvalue())]


def csv_files(parts):
    files = []
    for name, rows in parts.items():
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        files.append(SimpleUploadedFile(f"{name.lower()}.csv", out.getvalue().encode()))
    return files[::-1]  # the order the files are sent in says nothing: the main file is found by its columns


@pytest.fixture
def councils(hclic_service, make_organisation, make_person):
    uploading = make_organisation("Partsville Council", type="local_authority")
    sending = make_organisation("Batchford Council", type="local_authority")
    make_person("officer@partsville.example", uploading, role="data_coordinator")
    make_person("coordinator@batchford.example", sending, role="data_coordinator")
    return uploading, sending


def post(client, council, files):
    return client.post("/uploads/new/", {"record_type": "hclic:case", "year": "2026", "organisation": council.pk,
                                         "on_errors": "wait", "file": files})


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_cases_in_a_main_sheet_and_members_sheets_are_the_cases_the_api_stores(client_for, eager_celery, councils,
                                                                               kind):
    uploading, sending = councils
    client = client_for("hclic", uploading.memberships.get().user)
    files = workbook(sheets(ALL_CASES)) if kind == "xlsx" else csv_files(sheets(ALL_CASES))
    response = post(client, uploading, files)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert "/columns/" not in response.url and "/values/" not in response.url  # every column of every part matched
    with schema_context("hclic"):
        upload = Upload.objects.get(organisation=uploading)
        assert [(part["name"], part["block"]) for part in upload.parts] == (
            [("Cases", ""), ("People", "person"), ("Placements", "placement")] if kind == "xlsx" else
            [("cases.csv", ""), ("people.csv", "person"), ("placements.csv", "placement")])
        assert (upload.status, upload.created, upload.rejected) == ("done", 5, 0), list(upload.issues.values())

    coordinator = sending.memberships.get().user
    with schema_context("hclic"):
        key = create_client(name="Case system", created_by=coordinator, organisation=sending).key
    sent = Api(key).call("post", "records/batch/", {"records": [
        {"record_type": "case", "version": 2026, "organisation": sending.ons_code, "answers": case}
        for case in ALL_CASES]})
    assert sent.json()["counts"]["created"] == 5, sent.json()
    by_parts, by_api = cases_of(uploading), cases_of(sending)
    assert sorted(by_parts) == sorted(case["caseref"] for case in ALL_CASES)
    assert by_parts == by_api
    assert by_parts["LOC/2026/0005"][0]["age3"] == 36 and by_parts["LOC/2026/0004"][0]["tastart2"] == "2026-06-30"


def test_a_member_row_of_no_case_and_a_wrong_member_answer_are_errors_on_their_own_rows(
        client_for, eager_celery, councils):
    uploading, _ = councils
    client = client_for("hclic", uploading.memberships.get().user)
    parts = sheets(ALL_CASES)
    people = parts["People"]
    age = people[0].index("Age")
    people[2][age] = "200"  # the second case's person 2: older than any person
    people.append(["LOC/2026/9999", "1", "30", "Male", "1", "1", "2", "1", "1"])  # a case the main sheet lacks
    response = post(client, uploading, workbook(parts))
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context("hclic"):
        upload = Upload.objects.get(organisation=uploading)
        assert (upload.status, upload.rejected) == ("checked", 2)  # the case with the wrong age, the row of no case
        errors = {(i.sheet, i.row, i.column, i.field, i.rule) for i in upload.issues.filter(severity="hard")}
    assert ("People", len(people), "", "", "member_without_record") in errors
    (wrong_age,) = [e for e in errors if e[3] == "age2"]
    assert wrong_age[:3] == ("People", 3, "People: Age")
    assert cases_of(uploading) == {}  # all or nothing: no case stored while a row has an error

    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    orphan = (f'<td class="govuk-table__cell">People</td><td class="govuk-table__cell govuk-table__cell--numeric">'
              f'{len(people)}</td><td class="govuk-table__cell"></td><td class="govuk-table__cell">No row of “Cases” '
              'has this row’s “Case reference”, so it belongs to no case. Check the reference, or add the case.</td>')
    assert orphan in page
    assert '<td class="govuk-table__cell">People</td><td class="govuk-table__cell govuk-table__cell--numeric">3</td>' \
           '<td class="govuk-table__cell">People: Age</td>' in page
    assert f'href="/uploads/{upload.pk}/rows/3/"' not in page  # a member's row is corrected in the person's own file


def test_the_columns_page_shows_each_sheets_columns_and_its_choices_join_the_members(
        client_for, eager_celery, councils):
    uploading, _ = councils
    client = client_for("hclic", uploading.memberships.get().user)
    parts = sheets(ALL_CASES)
    for number, row in enumerate(parts["People"]):  # a column nothing answers: the person is asked
        row.append("Person number" if number == 0 else str(number))
    response = post(client, uploading, workbook(parts))
    assert response.status_code == 302 and response.url.endswith("/columns/"), response.content.decode()[:2000]
    page = client.get(response.url).content.decode()
    selects = dict(re.findall(r'<label for="id_(column_\d+)" class="govuk-label[^"]*">\s*(.*?)\s*</label>', page))
    labels = list(selects.values())
    assert "Cases, column A: “Case Reference”" in labels
    assert [heading for heading in re.findall(r'<h2 class="govuk-fieldset__heading">\s*(.*?)\s*</h2>', page)] == [
        "Columns of “Cases”", "Columns of “People”", "Columns of “Placements”"]  # each sheet's columns together
    assert "People, column C: “Age”" in labels and "Placements, column A: “Case Ref”" in labels
    (number_column,) = [name for name, label in selects.items() if label == "People, column J: “Person number”"]
    people_age = next(name for name, label in selects.items() if label == "People, column C: “Age”")
    age_select = page[page.index(f'name="{people_age}"'):]
    age_select = age_select[:age_select.index("</select>")]
    assert 'value="age2" selected' in age_select and 'value="age1"' not in age_select  # its block's questions only
    chosen = {name: re.search(r'<option value="([^"]*)" selected', _select(page, name)).group(1)
              for name in selects if name != number_column}
    response = client.post(response.url, {**chosen, number_column: ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    with schema_context("hclic"):
        upload = Upload.objects.get(organisation=uploading)
        assert (upload.status, upload.created, upload.rejected) == ("done", 5, 0), list(upload.issues.values())
    assert cases_of(uploading)["LOC/2026/0005"][0]["age3"] == 36


def _select(page, name):
    start = page.index(f'name="{name}"')
    return page[start:page.index("</select>", start)]


def test_a_supplier_sends_a_main_file_and_its_members_files_through_the_api(councils):
    uploading, _ = councils
    coordinator = uploading.memberships.get().user
    with schema_context("hclic"):
        key = create_client(name="Case system", created_by=coordinator, organisation=uploading).key
    api = Api(key)
    files = csv_files(sheets(ALL_CASES))
    with patch.object(tasks.process_upload, "delay") as queued:
        response = api.http.post("/api/v1/uploads/", {"record_type": "case", "version": 2026,
                                                      "organisation": uploading.ons_code, "file": files})
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["parts"] == [{"name": "cases.csv", "members": ""}, {"name": "people.csv", "members": "person"},
                             {"name": "placements.csv", "members": "placement"}]
    assert {c["matched"] for c in body["columns"]} == {"automatic"}
    assert ("people.csv", "Age", "age2") in {(c["sheet"], c["heading"], c["question"]) for c in body["columns"]}
    tasks.process_upload(*queued.call_args.args)  # as a worker runs it
    report = api.http.get(body["url"]).json()
    assert (report["status"], report["created"], report["rejected"]) == ("done", 5, 0), report
    stored = cases_of(uploading)
    assert sorted(stored) == sorted(case["caseref"] for case in ALL_CASES)
    assert stored["LOC/2026/0005"][0]["age3"] == 36 and stored["LOC/2026/0004"][0]["tastart2"] == "2026-06-30"


# One row a case, members in numbered columns, as systems write the number: every
# heading chooses the question of the member with that number.
NUMBERED = {"Person 3 Age": "age3", "Member 4 Relationship to Applicant": "relat4", "HH Member 5 Gender": "sex5",
            "Occupant 6 Ethnicity": "ethnic6", "Age7": "age7", "Person 8 Nationality": "nationality8",
            "TA Placement 3 Start Date": "tastart3", "Review 2 Outcome": "reviewoutcome2"}


def test_numbered_member_columns_choose_that_members_question():
    definition = registry.get("hclic").definition("case", 2026)
    mappings = suggest(definition, ["Case Reference", *NUMBERED])
    assert {m.header: m.target.variable for m in mappings[1:]} == NUMBERED
    assert {m.header: m.band for m in mappings} == {heading: "confident" for heading in ["Case Reference", *NUMBERED]}


def test_a_suppliers_member_row_of_no_case_is_an_error_on_its_file_and_row(councils):
    uploading, _ = councils
    coordinator = uploading.memberships.get().user
    with schema_context("hclic"):
        key = create_client(name="Case system", created_by=coordinator, organisation=uploading).key
    api = Api(key)
    parts = sheets(ALL_CASES)
    parts["Placements"].append(["LOC/2026/0404", "4", "1", "2", "01/06/2026", ""])
    with patch.object(tasks.process_upload, "delay") as queued:
        response = api.http.post("/api/v1/uploads/", {"record_type": "case", "version": 2026,
                                                      "organisation": uploading.ons_code, "file": csv_files(parts)})
    assert response.status_code == 202, response.json()
    tasks.process_upload(*queued.call_args.args)
    report = api.http.get(response.json()["url"]).json()
    assert (report["status"], report["rejected"]) == ("checked", 1), report
    (group,) = [g for g in report["issues_by_rule"] if g["severity"] == "hard"]
    assert (group["rule"], group["sheet"], group["rows"]) == ("member_without_record", "placements.csv",
                                                              [len(parts["Placements"])])
    errors = api.http.get(response.json()["errors_url"]).json()["results"]
    assert [(e["sheet"], e["row"], e["rule"]) for e in errors if e["severity"] == "hard"] == [
        ("placements.csv", len(parts["Placements"]), "member_without_record")]
    assert cases_of(uploading) == {}


def test_a_supplier_cannot_leave_a_member_file_without_its_case_reference(councils):
    uploading, _ = councils
    coordinator = uploading.memberships.get().user
    with schema_context("hclic"):
        key = create_client(name="Case system", created_by=coordinator, organisation=uploading).key
    with patch.object(tasks.process_upload, "delay") as queued:
        response = Api(key).http.post("/api/v1/uploads/", {
            "record_type": "case", "version": 2026, "organisation": uploading.ons_code,
            "file": csv_files(sheets(ALL_CASES)), "columns": json.dumps({"Case Ref": None})})
    assert response.status_code == 422 and not queued.called, response.json()
    assert [(e["field"], e["rule"], e["message"]) for e in response.json()["errors"]] == [
        ("columns", "reference_unmatched", "No column of “placements.csv” is matched to “Case reference”: its rows "
                                           "cannot be joined to their cases. Match that column in columns.")]
    with schema_context("hclic"):
        assert not Upload.objects.filter(organisation=uploading).exists()


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_cldc_upload_takes_a_workbook_of_several_sheets_or_several_csv_files(tmp_path, councils, kind):
    uploading, _ = councils
    files = workbook(sheets(ALL_CASES)) if kind == "xlsx" else csv_files(sheets(ALL_CASES))
    paths = []
    for file in files:
        path = tmp_path / file.name
        path.write_bytes(file.read())
        paths.append(str(path))
    out = io.StringIO()
    call_command("cldc", "upload", "--service", "hclic", "--record-type", "case", "--version", "2026",
                 "--organisation", uploading.ons_code, "--user", "officer@partsville.example", *paths, stdout=out)
    report = json.loads(out.getvalue())
    with schema_context("hclic"):
        upload = Upload.objects.get(organisation=uploading)
        assert [part["block"] for part in upload.parts] == ["", "person", "placement"]
        assert (upload.status, upload.created, upload.rejected) == ("done", 5, 0), (
            report, list(upload.issues.values()))
    stored = cases_of(uploading)
    assert sorted(stored) == sorted(case["caseref"] for case in ALL_CASES)
    assert stored["LOC/2026/0005"][0]["age3"] == 36 and stored["LOC/2026/0004"][0]["tastart2"] == "2026-06-30"
