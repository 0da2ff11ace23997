"""The pages a data coordinator steers an upload with, in a real browser: a
provider-layout file lacking a question every row needs, answered once for every
row; a row corrected by choosing an option; the annotated file opened with openpyxl;
the organisation's saved matches seen, changed and removed, and the next upload using
the change. Axe on every page; the every-row and saved matches pages also without
JavaScript. Tasks run inline (the live server is in this process)."""

import csv
import io
import re

from django_tenants.utils import schema_context
from openpyxl import load_workbook
from test_upload_in_browser import coordinator, sign_in, upload_file

from cldc.platform.records.models import Record
from cldc.platform.uploads.models import SavedMapping
from tests.uploads.test_upload_defects import without_columns
from tests.uploads.test_upload_fixes import csv_bytes

GENDER = "Lead tenant gender"
UNKNOWN = "Not recorded"  # a value no option means: left as it is, then changed on the saved matches


def missing_rent_type_file(tmp_path, provider_layout_csv, codes, name, unknown_gender=()):
    """A provider-layout CSV of one row per tenancy code without a rent type column,
    the lead tenant's gender "Not recorded" in the rows of `unknown_gender`."""
    content, targets = provider_layout_csv(codes)
    headings, *rows = csv.reader(io.StringIO(content.decode()))
    for code, row in zip(codes, rows):
        if code in unknown_gender:
            row[headings.index(GENDER)] = UNKNOWN
    file = tmp_path / name
    file.write_bytes(without_columns(csv_bytes(headings, rows), targets, {"rent_type"}))
    return file


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def records(*codes):
    with schema_context("core"):
        return {r.answers["tenancycode"]: r for r in Record.objects.filter(answers__tenancycode__in=codes)}


def downloaded_sheet(page, link):
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), "rb") as file:
        sheet = load_workbook(io.BytesIO(file.read())).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def saved(page, shown):
    """What the saved matches page says a saved match means."""
    row = page.locator(".govuk-summary-list__row").filter(
        has=page.locator(".govuk-summary-list__key", has_text=re.compile(f"^{re.escape(shown)}$")))
    return row.locator(".govuk-summary-list__value").inner_text()


def test_a_coordinator_answers_a_missing_question_for_every_row_corrects_a_row_and_downloads_the_file(
        page, url, axe, tmp_path, eager_celery, provider_layout_csv):
    council, person = coordinator("every-row@browser.example", "Browser every row council", "E06000093")
    file = missing_rent_type_file(tmp_path, provider_layout_csv, ["EVERY-1", "EVERY-2"], "export.csv",
                                  unknown_gender={"EVERY-2"})
    sign_in(page, url, person)
    upload_file(page, url, council, file)
    page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))  # axe on this page: test_upload_in_browser.py
    submit(page, "Save these matches and check the file")
    page.wait_for_url(re.compile(r"/uploads/\d+/values/$"))
    detail = page.url.removesuffix("values/")
    page.get_by_label(re.compile("“Weekly ” as an answer to")).select_option("1")
    unknown = page.get_by_label(re.compile(f"“{UNKNOWN}” as an answer to"))
    assert unknown.input_value() == ""  # "Leave it": no option means it
    submit(page, "Save these answers and check the file")

    # Every row failed on the rent type: one answer for all of them.
    assert page.url == detail and page.locator("#count-rejected").inner_text() == "2"
    axe(page)
    page.get_by_role("link", name="Give one answer for every row to Rent type").click()
    page.wait_for_url(re.compile(r"/every-row/rent_type/$"))
    assert "no column for “Rent type”, so 2 rows failed" in page.locator("main").inner_text()
    axe(page)
    submit(page, "Use this answer and check the file")
    assert "Select the rent type" in page.locator(".govuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Affordable Rent", exact=True).check()
    page.get_by_label(f"Use this answer for {council.name}’s next files that have no column for it").check()
    submit(page, "Use this answer and check the file")

    # The row whose gender was left as it is still fails: create the other now, correct it.
    assert page.url == detail and page.locator("#count-rejected").inner_text() == "1"
    assert not page.get_by_role("link", name=re.compile("Give one answer for every row")).count()
    submit(page, "Create the 1 valid log now")
    assert page.locator("#count-created").inner_text() == "1"
    page.get_by_role("link", name=re.compile(f"Correct row 3, {GENDER}")).click()
    page.wait_for_url(re.compile(r"/rows/3/$"))
    axe(page)
    cell = page.get_by_label(re.compile(f"Column [A-Z]+: {GENDER}"))
    assert cell.evaluate("e => e.tagName") == "SELECT" and cell.input_value() == UNKNOWN
    cell.select_option(label="Female")
    submit(page, "Save these corrections")
    assert page.url == detail

    # The annotated file, as a workbook: the log of the stored row, the corrected cell
    # with the error it had, in the failing question's own column.
    rows = downloaded_sheet(page, page.get_by_role("link", name="Excel (XLSX)"))
    heading, first, second = rows
    log_id, column = heading.index("Log ID"), heading.index(GENDER)
    (error,) = [i for i, h in enumerate(heading) if h and h.startswith("Errors: ")]
    assert re.fullmatch(rf"Errors: {GENDER} \(column [A-Z]+\)", heading[error]), heading[error]
    assert first[log_id] == str(records("EVERY-1")["EVERY-1"].pk) and first[error] is None
    assert second[log_id] is None and second[error] and second[column] == "F"

    submit(page, "Check the file again with your corrections")
    assert page.locator("#count-created").inner_text() == "1" and page.locator("#count-unchanged").inner_text() == "1"
    stored = records("EVERY-1", "EVERY-2")
    assert {code: (r.answers["rent_type"], r.answers["sexrab1"]) for code, r in stored.items()} == {
        "EVERY-1": (1, "F"), "EVERY-2": (1, "F")}
    _, first, second = downloaded_sheet(page, page.get_by_role("link", name="Excel (XLSX)"))
    assert [first[log_id], second[log_id]] == [str(stored["EVERY-1"].pk), str(stored["EVERY-2"].pk)]

    # The saved matches: columns, values ("Not recorded" left as it is) and the rent type.
    page.get_by_role("link", name=f"See and change what {council.name} has saved for its files").click()
    page.wait_for_url(re.compile(r"/uploads/matches/\d+/core/lettings/$"))
    axe(page)
    assert saved(page, f"“{UNKNOWN}”") == "Leave it: reported as an error"
    assert saved(page, "Rent type") == "Affordable Rent"
    assert saved(page, f"“{GENDER}”") == "Lead tenant’s sex registered at birth"
    page.get_by_role("link", name="Change the answer for every row to Rent type").click()
    page.wait_for_url(re.compile(r"/uploads/matches/change/\d+/$"))
    axe(page)
    assert page.get_by_label("Affordable Rent", exact=True).is_checked()
    page.get_by_label("Social Rent", exact=True).check()
    submit(page, "Save")
    assert saved(page, "Rent type") == "Social Rent"

    # The next file uses the change, asking nothing.
    upload_file(page, url, council, missing_rent_type_file(tmp_path, provider_layout_csv, ["EVERY-3"], "next.csv"))
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert page.locator("#count-created").inner_text() == "1", page.locator("main").inner_text()
    assert records("EVERY-3")["EVERY-3"].answers["rent_type"] == 0
    assert page.failed_requests == []


def test_the_every_row_answer_and_the_saved_matches_work_without_javascript(
        browser, url, tmp_path, eager_celery, provider_layout_csv):
    council, person = coordinator("every-row-no-js@browser.example", "Browser no script council", "E06000094")
    file = missing_rent_type_file(tmp_path, provider_layout_csv, ["QUIET-1", "QUIET-2"], "export.csv",
                                  unknown_gender={"QUIET-2"})
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, person)
        upload_file(page, url, council, file)
        page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))
        submit(page, "Save these matches and check the file")
        page.get_by_label(re.compile("“Weekly ” as an answer to")).select_option("1")
        submit(page, "Save these answers and check the file")  # "Not recorded" left as it is
        assert page.locator("#count-rejected").inner_text() == "2"

        page.get_by_role("link", name="Give one answer for every row to Rent type").click()
        page.wait_for_url(re.compile(r"/every-row/rent_type/$"))
        assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")
        submit(page, "Use this answer and check the file")
        assert "Select the rent type" in page.locator(".govuk-error-summary").inner_text()
        page.get_by_label("Social Rent", exact=True).check()
        page.get_by_label(re.compile("Use this answer for .* next files")).check()
        submit(page, "Use this answer and check the file")
        assert page.locator("#count-rejected").inner_text() == "1"  # the row left as it is

        # Change "Not recorded" from "Leave it" to an answer, remove the rent type.
        page.goto(url("core", "/uploads/"))
        page.get_by_role("link", name="Saved matches for your files").click()
        page.get_by_role("link", name=f"{council.name}: Lettings files").click()
        assert saved(page, "Rent type") == "Social Rent"
        page.get_by_role("link", name=re.compile(f"Change what “{UNKNOWN}” means")).click()
        choice = page.get_by_label(re.compile(f"“{UNKNOWN}” as an answer to .* means"))
        assert choice.input_value() == ""  # left as it is
        choice.select_option(label="Lead tenant prefers not to say")
        submit(page, "Save")
        assert saved(page, f"“{UNKNOWN}”") == "Lead tenant prefers not to say"
        page.get_by_role("link", name="Change the answer for every row to Rent type").click()
        submit(page, "Remove this match")
        assert not page.locator(".govuk-summary-list__key", has_text="Rent type").count()
        with schema_context("core"):
            assert not SavedMapping.objects.filter(organisation=council, kind="answer").exists()

        # The next file: "Not recorded" means what was chosen; the rent type is asked again.
        upload_file(page, url, council, missing_rent_type_file(
            tmp_path, provider_layout_csv, ["QUIET-3"], "next.csv", unknown_gender={"QUIET-3"}))
        page.wait_for_url(re.compile(r"/uploads/\d+/$"))
        assert page.locator("#count-rejected").inner_text() == "1"
        page.get_by_role("link", name="Give one answer for every row to Rent type").click()
        page.get_by_label("Rent to Buy", exact=True).check()
        submit(page, "Use this answer and check the file")
        assert page.locator("#count-created").inner_text() == "1", page.locator("main").inner_text()
        log = records("QUIET-3")["QUIET-3"]
        assert (log.answers["sexrab1"], log.answers["rent_type"]) == ("R", 3)
    finally:
        context.close()
