"""H-CLIC in a real browser (axe on each page): a council's data coordinator uploads a
case-management system's export in parts (one workbook: a main sheet of cases and a
sheet for each repeat block, people and placements) through the upload pages to its
results; and downloads a submitted return's published tables, as a spreadsheet and as
CSV files, from the return's page, which open (openpyxl, zipfile) and hold the
council's row. Browser tests commit their data: each test deletes what it made."""

import csv
import datetime as dt
import io
import re
import zipfile

import openpyxl
from django_tenants.utils import schema_context
from test_upload_in_browser import PASSWORD, coordinator

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import returns_of
from cldc.platform.returns.models import Return
from cldc.platform.returns.report_tables import report_tables_of
from cldc.platform.uploads.models import Upload
from cldc.tests.hclic.test_hclic_report import CASES, QUARTER
from cldc.tests.hclic.test_hclic_upload_in_parts import ALL_CASES, sheets, workbook


def sign_in(page, url, person):
    page.goto(url("hclic", "/sign-in/"))
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def forget(council, person):
    """Everything the test committed, in the order its keys allow."""
    with schema_context("hclic"):
        Return.objects.filter(organisation=council).delete()
        Upload.objects.filter(organisation=council).delete()
        Record.objects.filter(owning_organisation=council).delete()
        Membership.objects.filter(organisation=council).delete()
        person.delete()  # in the schema of the rows that name the person (a user's are per service)
        Organisation.objects.filter(pk=council.pk).delete()


def test_a_coordinator_uploads_a_workbook_of_cases_people_and_placements(page, url, axe, tmp_path, eager_celery,
                                                                        settings):
    settings.MEDIA_ROOT = tmp_path
    council, person = coordinator("parts@browser.example", "Browser parts council", "E06000583")
    file = tmp_path / "cases-export.xlsx"
    file.write_bytes(workbook(sheets(ALL_CASES))[0].read())
    try:
        sign_in(page, url, person)
        page.goto(url("hclic", "/uploads/new/"))
        axe(page)
        page.get_by_label("2026 to 2027").check()
        page.get_by_label("Which organisation is uploading?").select_option(label=council.name)
        page.get_by_label("Upload a file").set_input_files(str(file))
        page.get_by_role("button", name="Upload and check the file").click()
        page.wait_for_url(re.compile(r"/uploads/\d+/$"))  # every column of every sheet matched: no questions
        assert page.locator("#count-created").inner_text() == "5", page.locator("main").inner_text()
        assert page.locator("#count-rejected").inner_text() == "0"
        axe(page)
        with schema_context("hclic"):
            upload = Upload.objects.get(organisation=council)
            assert [(part["name"], part["block"]) for part in upload.parts] == [
                ("Cases", ""), ("People", "person"), ("Placements", "placement")]
            stored = {r.answers["caseref"]: r.answers for r in Record.objects.filter(owning_organisation=council)}
        assert sorted(stored) == sorted(case["caseref"] for case in ALL_CASES)
        assert stored["LOC/2026/0005"]["age3"] == 36 and stored["LOC/2026/0004"]["tastart2"] == "2026-06-30"
        assert page.failed_requests == []
    finally:
        forget(council, person)


def test_a_coordinator_downloads_the_returns_published_tables_from_its_page(page, url, axe, tmp_path):
    council, person = coordinator("tables@browser.example", "Browser tables council", "E06000584")
    try:
        with schema_context("hclic"):
            for reference, answers in CASES.items():
                record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                                managing_organisation=council)
                outcome = submit(record, {"caseref": reference, **answers}, "api", today=dt.date(2026, 1, 15))
                assert outcome.saved and not outcome.errors, (reference, outcome.errors)
            workflow.submit(returns_of("hclic", "case"), council, QUARTER, person)
        sign_in(page, url, person)
        page.goto(url("hclic", "/returns/"))
        page.get_by_role("link", name=re.compile(r"^October to December 2025")).click()
        page.wait_for_url(re.compile(rf"/returns/{council.pk}/hclic/case/{QUARTER.key}/$"))
        axe(page)
        tables = [table.id for table in report_tables_of("hclic", "case").tables]

        with page.expect_download() as download:
            page.get_by_role("link", name="spreadsheet (XLSX)").click()
        assert download.value.suggested_filename.endswith(".xlsx")
        with open(download.value.path(), "rb") as file:  # saved without an extension: read as bytes
            book = openpyxl.load_workbook(io.BytesIO(file.read()))
        assert book.sheetnames == tables
        ta1 = list(book["TA1"].iter_rows(values_only=True))
        [row] = [row for row in ta1 if row[0] == "E06000584"]
        assert row[1] == "Browser tables council" and row[2] == 3  # three households placed at the quarter's end

        with page.expect_download() as download:
            page.get_by_role("link", name="CSV files (ZIP)").click()
        assert download.value.suggested_filename.endswith(".zip")
        with zipfile.ZipFile(download.value.path()) as files:
            assert files.testzip() is None and sorted(files.namelist()) == sorted(f"{t}.csv" for t in tables)
            rows = list(csv.reader(io.StringIO(files.read("A1.csv").decode("utf-8-sig"))))
        [row] = [row for row in rows if row and row[0] == "E06000584"]
        assert row[1] == "Browser tables council" and row[2] == "6"  # six households assessed in the quarter
        assert page.failed_requests == []
    finally:
        forget(council, person)
