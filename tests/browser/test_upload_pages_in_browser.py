"""The pages a data coordinator steers an upload with, in a real browser: a home
visits file in a housing system's own layout lacking a question every row needs (how
the visit was made), answered once for every row; a row corrected by choosing an
option; the annotated file opened with openpyxl; the organisation's saved matches
seen, changed and removed, and the next upload using the change. Axe on every page;
the every-row and saved matches pages also without JavaScript. Tasks run inline (the
live server is in this process)."""

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

WORK = "Person 1 work"
UNKNOWN = "Not recorded"  # a value no option means: left as it is, then changed on the saved matches


def missing_visit_mode_file(tmp_path, visits_provider_csv, references, name, unknown_work=()):
    """A housing system's CSV of one visit per reference without the "How visit made"
    column, person 1's work "Not recorded" in the rows of `unknown_work`."""
    content, targets = visits_provider_csv(references)
    headings, *rows = csv.reader(io.StringIO(content.decode()))
    for reference, row in zip(references, rows):
        if reference in unknown_work:
            row[headings.index(WORK)] = UNKNOWN
    file = tmp_path / name
    file.write_bytes(without_columns(csv_bytes(headings, rows), targets, {"visitmode"}))
    return file


def submit(page, name):
    with page.expect_navigation():
        page.get_by_role("button", name=name).click()


def records(*references):
    with schema_context("visits"):
        return {r.answers["visitref"]: r for r in Record.objects.filter(answers__visitref__in=references)}


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
        page, url, axe, tmp_path, eager_celery, visits_provider_csv):
    council, person = coordinator("every-row@browser.example", "Browser every row council", "E06000093")
    file = missing_visit_mode_file(tmp_path, visits_provider_csv, ["EVERY-1", "EVERY-2"], "export.csv",
                                   unknown_work={"EVERY-2"})
    sign_in(page, url, person)
    upload_file(page, url, council, file)
    page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))  # axe on this page: test_upload_in_browser.py
    submit(page, "Save these matches and check the file")
    page.wait_for_url(re.compile(r"/uploads/\d+/values/$"))
    detail = page.url.removesuffix("values/")
    page.get_by_label(re.compile("“Calendar month” as an answer to")).select_option("4")
    unknown = page.get_by_label(re.compile(f"“{UNKNOWN}” as an answer to"))
    assert unknown.input_value() == ""  # "Leave it": no option means it
    submit(page, "Save these answers and check the file")

    # Every row failed on how the visit was made: one answer for all of them.
    assert page.url == detail and page.locator("#count-rejected").inner_text() == "2"
    axe(page)
    page.get_by_role("link", name="Give one answer for every row to How the visit was made").click()
    page.wait_for_url(re.compile(r"/every-row/visitmode/$"))
    assert "no column for “How the visit was made”, so 2 rows failed" in page.locator("main").inner_text()
    axe(page)
    submit(page, "Use this answer and check the file")
    assert "Select how the visit was made" in page.locator(".govuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("In person", exact=True).check()
    page.get_by_label(f"Use this answer for {council.name}’s next files that have no column for it").check()
    submit(page, "Use this answer and check the file")

    # The row whose work was left as it is still fails: create the other now, correct it.
    assert page.url == detail and page.locator("#count-rejected").inner_text() == "1"
    assert not page.get_by_role("link", name=re.compile("Give one answer for every row")).count()
    submit(page, "Create the 1 valid visit now")
    assert page.locator("#count-created").inner_text() == "1"
    page.get_by_role("link", name=re.compile(f"Correct row 3, {WORK}")).click()
    page.wait_for_url(re.compile(r"/rows/3/$"))
    axe(page)
    cell = page.get_by_label(re.compile(f"Column [A-Z]+: {WORK}"))
    assert cell.evaluate("e => e.tagName") == "SELECT" and cell.input_value() == UNKNOWN
    cell.select_option(label="In work")
    submit(page, "Save these corrections")
    assert page.url == detail

    # The annotated file, as a workbook: the visit of the stored row, the corrected cell
    # with the error it had, in the failing question's own column.
    rows = downloaded_sheet(page, page.get_by_role("link", name="Excel (XLSX)"))
    heading, first, second = rows
    record_id, column = heading.index("Log ID"), heading.index(WORK)
    (error,) = [i for i, h in enumerate(heading) if h and h.startswith("Errors: ")]
    assert re.fullmatch(rf"Errors: {WORK} \(column [A-Z]+\)", heading[error]), heading[error]
    assert first[record_id] == str(records("EVERY-1")["EVERY-1"].pk) and first[error] is None
    assert second[record_id] is None and second[error] and second[column] == "1"

    submit(page, "Check the file again with your corrections")
    assert page.locator("#count-created").inner_text() == "1" and page.locator("#count-unchanged").inner_text() == "1"
    stored = records("EVERY-1", "EVERY-2")
    assert {ref: (r.answers["visitmode"], r.answers["work1"]) for ref, r in stored.items()} == {
        "EVERY-1": (1, 1), "EVERY-2": (1, 1)}
    _, first, second = downloaded_sheet(page, page.get_by_role("link", name="Excel (XLSX)"))
    assert [first[record_id], second[record_id]] == [str(stored["EVERY-1"].pk), str(stored["EVERY-2"].pk)]

    # The saved matches: columns, values ("Not recorded" left as it is) and how the visit was made.
    page.get_by_role("link", name=f"See and change what {council.name} has saved for its files").click()
    page.wait_for_url(re.compile(r"/uploads/matches/\d+/visits/visit/$"))
    axe(page)
    assert saved(page, f"“{UNKNOWN}”") == "Leave it: reported as an error"
    assert saved(page, "How the visit was made") == "In person"
    assert saved(page, f"“{WORK}”") == "Person 1's work"
    page.get_by_role("link", name="Change the answer for every row to How the visit was made").click()
    page.wait_for_url(re.compile(r"/uploads/matches/change/\d+/$"))
    axe(page)
    assert page.get_by_label("In person", exact=True).is_checked()
    page.get_by_label("By phone", exact=True).check()
    submit(page, "Save")
    assert saved(page, "How the visit was made") == "By phone"

    # The next file uses the change, asking nothing.
    upload_file(page, url, council, missing_visit_mode_file(tmp_path, visits_provider_csv, ["EVERY-3"], "next.csv"))
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert page.locator("#count-created").inner_text() == "1", page.locator("main").inner_text()
    assert records("EVERY-3")["EVERY-3"].answers["visitmode"] == 2
    assert page.failed_requests == []


def test_the_every_row_answer_and_the_saved_matches_work_without_javascript(
        browser, url, tmp_path, eager_celery, visits_provider_csv):
    council, person = coordinator("every-row-no-js@browser.example", "Browser no script council", "E06000094")
    file = missing_visit_mode_file(tmp_path, visits_provider_csv, ["QUIET-1", "QUIET-2"], "export.csv",
                                   unknown_work={"QUIET-2"})
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, person)
        upload_file(page, url, council, file)
        page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))
        submit(page, "Save these matches and check the file")
        page.get_by_label(re.compile("“Calendar month” as an answer to")).select_option("4")
        submit(page, "Save these answers and check the file")  # "Not recorded" left as it is
        assert page.locator("#count-rejected").inner_text() == "2"

        page.get_by_role("link", name="Give one answer for every row to How the visit was made").click()
        page.wait_for_url(re.compile(r"/every-row/visitmode/$"))
        assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")
        submit(page, "Use this answer and check the file")
        assert "Select how the visit was made" in page.locator(".govuk-error-summary").inner_text()
        page.get_by_label("By phone", exact=True).check()
        page.get_by_label(re.compile("Use this answer for .* next files")).check()
        submit(page, "Use this answer and check the file")
        assert page.locator("#count-rejected").inner_text() == "1"  # the row left as it is

        # Change "Not recorded" from "Leave it" to an answer, remove how the visit was made.
        page.goto(url("visits", "/uploads/"))
        page.get_by_role("link", name="Saved matches for your files").click()
        page.get_by_role("link", name=f"{council.name}: Visit files").click()
        assert saved(page, "How the visit was made") == "By phone"
        page.get_by_role("link", name=re.compile(f"Change what “{UNKNOWN}” means")).click()
        choice = page.get_by_label(re.compile(f"“{UNKNOWN}” as an answer to .* means"))
        assert choice.input_value() == ""  # left as it is
        choice.select_option(label="Prefers not to say")
        submit(page, "Save")
        assert saved(page, f"“{UNKNOWN}”") == "Prefers not to say"
        page.get_by_role("link", name="Change the answer for every row to How the visit was made").click()
        submit(page, "Remove this match")
        assert not page.locator(".govuk-summary-list__key", has_text="How the visit was made").count()
        with schema_context("visits"):
            assert not SavedMapping.objects.filter(organisation=council, kind="answer").exists()

        # The next file: "Not recorded" means what was chosen; how the visit was made is asked again.
        upload_file(page, url, council, missing_visit_mode_file(
            tmp_path, visits_provider_csv, ["QUIET-3"], "next.csv", unknown_work={"QUIET-3"}))
        page.wait_for_url(re.compile(r"/uploads/\d+/$"))
        assert page.locator("#count-rejected").inner_text() == "1"
        page.get_by_role("link", name="Give one answer for every row to How the visit was made").click()
        page.get_by_label("In person", exact=True).check()
        submit(page, "Use this answer and check the file")
        assert page.locator("#count-created").inner_text() == "1", page.locator("main").inner_text()
        visit = records("QUIET-3")["QUIET-3"]
        assert (visit.answers["work1"], visit.answers["visitmode"]) == (3, 1)
    finally:
        context.close()
