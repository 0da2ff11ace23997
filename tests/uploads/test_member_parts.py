"""A record's members in a sheet (or file) of their own (member_parts.py), with the test
collection: a main sheet of visits and a sheet of the household's people, one row a
person with the visit's reference (visits: reference and date). Parts are told apart
by their headings; members join their record by the reference, in the order of their
rows; what cannot be joined is an error on the member's own row, and nothing is stored."""

import io
import re

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.member_parts import PART, JoinedUpload, find_parts
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.refusals import UploadError

MAIN = [["Visit Ref", "Visit date", "Repairs reported", "What needs repairing", "Mobility support",
         "Number of people", "Rent period", "Rent", "How visit made"],
        ["V-1", "04/05/2026", "Yes", "Kitchen tap drips", "1", "2", "Monthly", "520.00", "In person"]]
PEOPLE = [["Visit Ref", "Visit date", "Age", "Work"],  # dates written otherwise than the main sheet's: one date
          ["V-1", "2026-05-04", "42", "In work"], ["V-1", "2026-05-04", "12", "Not in work"]]


def workbook(sheets, name="visits-export.xlsx"):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


@pytest.fixture
def council(make_organisation):
    return make_organisation("Parts Borough Council", type="local_authority")


@pytest.fixture
def browser(client_for, make_person, council, visits_service):
    return client_for("visits", make_person("parts@example.com", council, role="data_coordinator"))


def post(client, council, file, on_errors="wait"):
    return client.post("/uploads/new/", {"record_type": "visits:visit", "year": "2026", "organisation": council.pk,
                                         "on_errors": on_errors, "file": file})


def test_parts_are_told_apart_by_their_headings(tmp_path, visits_service):
    definition = registry.get("visits").definition("visit", 2026)
    path = tmp_path / "export.xlsx"
    path.write_bytes(workbook({"People": PEOPLE, "Notes": [["Exported by"], ["Our system"]], "Visits": MAIN}).read())
    parts = find_parts(definition, [(path, "export.xlsx")])
    assert [(p["name"], p["sheet"], p["block"]) for p in parts] == [("Visits", "Visits", ""),
                                                                    ("People", "People", "person")]
    single = tmp_path / "one.xlsx"
    single.write_bytes(workbook({"Visits": MAIN, "Notes": [["Exported by"], ["Our system"]]}).read())
    assert find_parts(definition, [(single, "one.xlsx")]) == []  # one sheet of records: as before
    no_reference = tmp_path / "no-reference.xlsx"
    no_reference.write_bytes(workbook({"Visits": MAIN, "People": [row[2:] for row in PEOPLE]}).read())
    with pytest.raises(UploadError, match="“People” has visit members’ answers but no column for “Visit reference” and “Date of visit”"):
        find_parts(definition, [(no_reference, "no-reference.xlsx")])


def test_a_visits_people_in_a_sheet_of_their_own_are_its_numbered_answers(browser, council, eager_celery):
    response = post(browser, council, workbook({"Visits": MAIN, "People": PEOPLE}))
    assert response.status_code == 302 and "/columns/" not in response.url, response.content.decode()[:2000]
    with schema_context("visits"):
        upload = Upload.objects.get(organisation=council)
        assert (upload.status, upload.created, upload.rejected) == ("done", 1, 0), list(upload.issues.values())
        record = Record.objects.get(owning_organisation=council)
        assert {name: record.answers.get(name) for name in ("age1", "work1", "age2", "work2")} == {
            "age1": 42, "work1": 1, "age2": 12, "work2": 2}
        assert record.status == "completed"
    again = post(browser, council, workbook({"Visits": MAIN, "People": PEOPLE}))  # the same export: nothing changes
    older = [PEOPLE[0], PEOPLE[1], ["V-1", "2026-05-04", "13", "Not in work"]]  # the second person a year older
    changed = post(browser, council, workbook({"Visits": MAIN, "People": older}))
    assert again.status_code == changed.status_code == 302
    with schema_context("visits"):
        runs = Upload.objects.filter(organisation=council).order_by("pk")
        assert [(u.created, u.updated, u.unchanged) for u in runs] == [(1, 0, 0), (0, 0, 1), (0, 1, 0)]
        assert Record.objects.get(owning_organisation=council).answers["age2"] == 13


def test_more_members_than_the_block_holds_is_an_error_on_the_extra_row(browser, council, eager_celery):
    people = PEOPLE + [["V-1", "04/05/2026", str(age), "Not in work"] for age in (10, 8, 6)]  # five; a visit has four
    response = post(browser, council, workbook({"People": people, "Visits": MAIN}))  # the main sheet second
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("visits"):
        upload = Upload.objects.get(organisation=council)
        assert upload.status == "checked"
        (extra,) = upload.issues.filter(rule="too_many_members")
        assert (extra.sheet, extra.row, extra.severity) == ("People", 6, "hard")
        assert extra.message.startswith("A visit can have at most 4 of these (“People”): this row is number 5")
        assert not Record.objects.exists()
    annotated = browser.get(f"/uploads/{upload.pk}/annotated")  # the main sheet back, whichever sheet is first
    assert annotated.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(annotated.streaming_content)))
    assert book.sheetnames == ["Visits"] and book.active["A2"].value == "V-1"


def test_a_sheets_name_is_shown_as_text_on_the_columns_page(browser, council):
    hostile = "<img src=x onerror=alert(1)>"
    people = [[*PEOPLE[0], "Our notes"], *([*row, "note"] for row in PEOPLE[1:])]  # a column to ask about
    response = post(browser, council, workbook({"Visits": MAIN, hostile: people}))
    assert response.status_code == 302 and response.url.endswith("/columns/"), response.content.decode()[:2000]
    page = browser.get(response.url).content.decode()
    assert "Columns of “&lt;img src=x onerror=alert(1)&gt;”" in page and hostile not in page
    assert "&lt;img src=x onerror=alert(1)&gt;, column E: “Our notes”" in page


def test_the_row_limit_holds_for_the_parts_together(browser, council, settings):
    settings.CLDC_UPLOAD_MAX_ROWS = 3  # one visit and its two people fit; a third person does not
    fits = post(browser, council, workbook({"Visits": MAIN, "People": PEOPLE}))
    assert fits.status_code == 302, fits.content.decode()[:2000]
    refused = post(browser, council, workbook({"Visits": MAIN, "People": [*PEOPLE, ["V-1", "04/05/2026", "9", ""]]}))
    assert refused.status_code == 200
    assert "Your files have more than 3 rows together." in refused.content.decode()
    with schema_context("visits"):
        assert Upload.objects.filter(organisation=council).count() == 1  # nothing kept of the refused one


def test_a_members_value_is_matched_once_for_every_member(browser, council, eager_celery):
    people = [PEOPLE[0], ["V-1", "2026-05-04", "42", "Employed"], ["V-1", "2026-05-04", "12", "Employed"]]
    response = post(browser, council, workbook({"Visits": MAIN, "People": people}))
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("visits"):
        upload = Upload.objects.get(organisation=council)
    assert upload.status == "values"
    page = browser.get(f"/uploads/{upload.pk}/values/").content.decode()
    (name,) = re.findall(r'<select name="([^"]+)"', page)  # asked once, for the people's column
    assert "“Employed” as an answer to “Person 1&#x27;s work”" in page  # the block's first member's, for every one
    assert "In 2 rows." in page
    response = browser.post(f"/uploads/{upload.pk}/values/", {name: "1"})  # In work
    assert response.status_code == 302
    with schema_context("visits"):
        upload.refresh_from_db()
        assert (upload.status, upload.created, upload.rejected) == ("done", 1, 0), list(upload.issues.values())
        record = Record.objects.get(owning_organisation=council)
        assert (record.answers["work1"], record.answers["work2"]) == (1, 1)


def test_the_upload_form_takes_several_files_without_javascript(browser, council, eager_celery):
    page = browser.get("/uploads/new/").content.decode()
    assert re.search(r'<input type="file" name="file" multiple [^>]*class="govuk-file-upload"', page)
    files = []
    for name, rows in {"people.csv": PEOPLE, "visits.csv": MAIN}.items():
        files.append(SimpleUploadedFile(name, "\n".join(",".join(row) for row in rows).encode()))
    response = post(browser, council, files)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("visits"):
        upload = Upload.objects.get(organisation=council)
        assert [part["name"] for part in upload.parts] == ["visits.csv", "people.csv"]
        assert (upload.filename, upload.status, upload.created) == ("visits.csv", "done", 1)
        assert Record.objects.get(owning_organisation=council).answers["age2"] == 12


def test_a_part_without_its_reference_matched_cannot_lose_its_members(browser, council):
    people = [[*PEOPLE[0], "Our notes"], *([*row, "note"] for row in PEOPLE[1:])]  # a column to ask about
    response = post(browser, council, workbook({"Visits": MAIN, "People": people}))
    assert response.url.endswith("/columns/")
    page = browser.get(response.url).content.decode()
    selects = dict(re.findall(r'<label for="id_(column_\d+)" class="govuk-label[^"]*">\s*(.*?)\s*</label>', page))
    chosen = {name: (re.search(r'<option value="([^"]*)" selected', _select(page, name)) or [None, ""])[1]
              for name in selects}
    reference = next(name for name, label in selects.items() if label == "People, column A: “Visit Ref”")
    refused = browser.post(response.url, {**chosen, reference: ""})  # the people's visit reference: not needed
    assert refused.status_code == 200
    assert ("Match a column of “People” to “Visit reference” and “Date of visit”: its rows are joined to their "
            "visits by it") in refused.content.decode()


def test_member_rows_of_a_part_with_no_reference_column_matched_are_each_an_error(tmp_path, visits_service):
    path = tmp_path / "export.xlsx"
    path.write_bytes(workbook({"Visits": MAIN, "People": PEOPLE}).read())
    definition = registry.get("visits").definition("visit", 2026)
    upload = Upload(collection="visits", record_type="visit", version=2026, filename="export.xlsx", path=str(path),
                    parts=find_parts(definition, [(path, "export.xlsx")]))
    upload.columns = {"0": "visitref", "1": "visitdate", str(PART): "", str(PART + 1): "visitdate",
                      str(PART + 2): "age1", str(PART + 3): "work1"}  # as a saved match could leave it
    with JoinedUpload(upload) as file:
        assert [number for number, _ in file.rows()] == [2]
        assert [(part, row, rule) for part, row, _, rule in file.unjoined] == [
            (1, 2, "member_without_record"), (1, 3, "member_without_record")]
        assert file.unjoined[0][2] == ("No column of “People” is matched to “Visit reference” and “Date of visit”, "
                                       "so this row belongs to no visit. Match that column to it.")


def _select(page, name):
    start = page.index(f'name="{name}"')
    return page[start:page.index("</select>", start)]
