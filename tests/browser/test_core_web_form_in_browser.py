"""CORE's own web form in a real browser: whole lettings and sales logs from the task list
to completed (answered from CORE's official bulk-upload template row), axe and 320px on
every CORE page type (a select that becomes an autocomplete, the address search), and
the defects seen on CORE's own pages: the income amount, the rent range and total,
local authorities chosen by name, the UPRN page. The platform's mechanisms are tested on
the test collection: test_web_form_in_browser.py, test_web_form_defects_in_browser.py."""

import re

import pytest
from django_tenants.utils import schema_context
from form_driver import TASK_LIST, FormDriver, choose
from test_web_form_defects_in_browser import answer, errors
from test_web_form_in_browser import (  # noqa: F401 (council and officer are fixtures)
    check_page, council, differences_from_expected, expected_answers, fill_date, officer, person, sign_in, save)
from test_web_form_in_browser import record as stored

from cldc.platform import registry
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.template_rows import answers_from_field_numbers
from cldc.tests.core.test_templates import TEMPLATE_SOFT_CHECKS


# --- CORE logs: set up through the pages, answered from the official template ------------------


def template_row(record_type, version="2026_27"):
    """CORE's official bulk-upload template's data row, by field number, read by the
    bulk-upload reader itself."""
    path = registry.get("core").reference_dir / "spec" / f"{version}_{record_type}_bulk_upload.csv"
    with open_upload(path, path.name) as upload:
        ((_, values),) = list(upload.rows())
        return upload.keyed(values)


def record(pk):
    return stored(pk, service="core")


def set_up_question(record_type, column):
    """The words the record type's definition asks a set-up question in (its own, not
    the other type's: lettings asks who owns the property)."""
    definition = registry.get("core").definition(record_type, 2026)
    return definition.variables[definition.record_fields[column]].text


def choose_type_of_log(page, url, record_type):
    """The first step of "Set up a new log": the type; on to its set-up questions."""
    page.goto(url("core", "/logs/"))
    page.get_by_role("button", name="Create a new log").click()
    page.wait_for_url(re.compile(r"/logs/new/$"))
    page.get_by_label(record_type.capitalize(), exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(rf"/logs/new/\?record_type=core%3A{record_type}$"))


def set_up_log(page, url, record_type, owner, manager=None):
    """Through the two "Set up a new log" pages; returns the log's id."""
    choose_type_of_log(page, url, record_type)
    page.get_by_label("2026 to 2027").check()
    page.get_by_label(set_up_question(record_type, "owning_organisation")).select_option(label=owner.name)
    page.get_by_label(set_up_question(record_type, "managing_organisation")).select_option(label=(manager or owner).name)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(TASK_LIST)
    return int(re.search(r"/logs/(\d+)/$", page.url).group(1))


def plan_for(record_type):
    """The official template's data row as answers by variable: a complete, valid log."""
    definition = registry.get("core").definition(record_type, 2026)
    answers, problems = answers_from_field_numbers(definition, template_row(record_type))
    assert problems == []
    return answers


def full_log(page, url, council, officer, record_type="lettings"):
    """A log set up through the page, with the template row's answers stored through
    the gateway: for the tests that start from a completed log."""
    pk = set_up_log(page, url, record_type, council)
    definition = registry.get("core").definition(record_type, 2026)
    answers = {k: v for k, v in plan_for(record_type).items() if k not in definition.record_fields.values()}
    with schema_context("core"):
        outcome = submit(record(pk), answers, source="form", user=officer)
    assert outcome.errors == [] and outcome.status == "completed", (outcome.errors, outcome.missing)
    return pk


# --- Whole logs through the real pages --------------------------------------------------------


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_a_whole_log_from_the_task_list_to_completed(page, url, council, record_type):
    officer = person(f"{record_type}-officer@browser.example", council)
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, record_type, council)
    driver = FormDriver(page, plan_for(record_type)).complete()

    assert "This log is completed" in page.locator("main").inner_text()
    statuses = page.locator(".govuk-task-list__status").all_inner_texts()
    assert set(s.strip() for s in statuses) <= {"Completed", "Cannot start yet"}, statuses
    log = record(pk)
    assert log.status == "completed"
    # The sales row's price is below its area's range: confirmed on its interruption page.
    assert driver.soft_checks == TEMPLATE_SOFT_CHECKS[record_type]
    assert sorted(log.confirmations) == TEMPLATE_SOFT_CHECKS[record_type]
    expected, result = expected_answers(log, plan_for(record_type), log.confirmations)
    assert result.status == "completed" and result.warnings == []
    # The same record as the template row makes through the gateway (a box left unticked
    # beside a ticked one 0 in both).
    assert differences_from_expected(log, expected) == {}
    assert len(driver.answered) > 40
    assert page.failed_requests == []


# --- Every page type: axe, and no horizontal scroll at 320px -----------------------------------


def test_every_page_type_passes_axe_and_fits_320px(page, url, axe, council, officer):
    sign_in(page, url, officer, service="core")
    page.goto(url("core", "/logs/new/"))
    check_page(page, axe)  # set-up: the type of log
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    assert "Select the type of log" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, axe)  # the type of log, with the error summary
    page.get_by_label("Lettings", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    check_page(page, axe)  # set-up: the type's own questions
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    assert "Select the collection year" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, axe)  # the type's own questions, with the error summary

    pk = full_log(page, url, council, officer)
    page.goto(url("core", "/logs/"))
    assert page.get_by_role("link", name=f"Log {pk}").is_visible()
    check_page(page, axe)  # the list of logs
    page.goto(url("core", f"/logs/{pk}/"))
    assert page.locator(".govuk-task-list").count() >= 1
    check_page(page, axe)  # task list

    questions = {
        "needs_type": "input[type=radio]",  # radios
        "tenancy_start_date": ".govuk-date-input",  # a date
        "rent_weekly": ".govuk-input__prefix",  # money, with a £ prefix
        "lead_tenant_age": ".govuk-radios__conditional",  # a follow-up revealed by a radio
        "health_condition_effects": "input[type=checkbox]",  # checkboxes
        "lead_tenant_nationality": "select",  # a select
    }
    for step, component in questions.items():
        page.goto(url("core", f"/logs/{pk}/page/{step}/"))
        assert page.locator(f"main {component}").count() >= 1, step
        check_page(page, axe)

    page.goto(url("core", f"/logs/{pk}/page/tenancy_start_date/"))
    fill_date(page, 31, 2, 2026)
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    summary = page.locator(".govuk-error-summary")
    assert "must be a real date" in summary.inner_text()
    assert summary.get_by_role("link").first.get_attribute("href") == "#id_startdate"
    assert page.title().startswith("Error: ")
    check_page(page, axe)  # a question page with the error summary

    page.goto(url("core", f"/logs/{pk}/setup/check-answers/"))
    assert page.locator(".govuk-summary-list__row").count() > 3
    check_page(page, axe)  # check your answers (the interruption page: see the soft-check test)
    assert page.failed_requests == []


# --- The income amount: a refused amount corrected is saved -------------------------------------------


def test_correcting_a_refused_income_saves_it(page, url, council, officer):
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"net_income_known": 0}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/income_amount/"))
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_label("How much income does the household have in total?").fill("-50")
    save(page)
    assert errors(page) and record(pk).answers["incfreq"] == 1  # the frequency is saved, the amount refused
    page.get_by_label("How much income does the household have in total?").fill("250")
    save(page)
    assert "someone else saved it" not in page.locator("main").inner_text()
    assert record(pk).answers["earnings"] == 250


# --- The rent range, once; the total, calculated ---------------------------------------------------


def test_the_rent_page_says_the_range_once_and_shows_the_total_calculated(page, url, axe, council, officer):
    sign_in(page, url, officer, service="core")
    pk = full_log(page, url, council, officer)
    with schema_context("core"):  # a rent held from before the range applied: below it
        log = Record.objects.get(pk=pk)
        Record.objects.filter(pk=pk).update(answers={**log.answers, "brent": 5})
    page.goto(url("core", f"/logs/{pk}/page/rent_weekly/"))
    assert page.locator('input[name="tcharge"]').count() == 0  # the total is not asked
    page.get_by_label("What is the basic rent?").fill("5000")
    save(page)
    messages = errors(page)
    ranges = [m for m in messages if re.search(r"between £[\d,]+\.\d\d and £[\d,]+\.\d\d paid weekly for 52 weeks", m)]
    assert len(ranges) == 1, messages
    assert not any("absolute" in m for m in messages)
    page.get_by_label("What is the basic rent?").fill("100")
    save(page)
    page.goto(url("core", f"/logs/{pk}/page/rent_weekly/"))
    total = page.locator("main").get_by_role("heading", name="Total charge")
    assert total.is_visible()
    assert "£100.00" in page.locator("main").inner_text()  # rent 100, no charges (the template row)
    check_page(page, axe)


# --- Local authorities: chosen by name ------------------------------------------------------------


def test_the_local_authority_is_an_autocomplete_stored_as_the_code_shown_by_name(page, url, axe, council, officer):
    sign_in(page, url, officer, service="core")
    pk = full_log(page, url, council, officer)
    page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
    box = page.get_by_role("combobox", name="What is the property’s local authority?")
    assert box.is_visible() and not page.locator("select[name=la]").is_visible()
    check_page(page, axe)
    choose(page, box, "Leeds")
    save(page)
    assert record(pk).answers["la"] == "E08000035"
    page.goto(url("core", f"/logs/{pk}/property_information/check-answers/"))
    row = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Local authority", exact=True))
    assert "Leeds" in row.inner_text() and "E08000035" not in page.locator("main").inner_text()


def test_the_previous_local_authority_takes_only_a_name_from_the_list(page, url, council, officer):
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"renewal": 0}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/previous_local_authority/"))
    page.get_by_label("Yes", exact=True).check()
    box = page.get_by_role("combobox", name="Select a local authority")
    box.fill("Somewhere I made up")
    box.press("Tab")  # leave the box: no name in the list matches
    save(page)
    assert record(pk).answers.get("prevloc") is None  # free text is never stored
    page.goto(url("core", f"/logs/{pk}/page/previous_local_authority/"))
    page.get_by_label("Yes", exact=True).check()
    choose(page, page.get_by_role("combobox", name="Select a local authority"), "Leeds")
    save(page)
    assert record(pk).answers["prevloc"] == "E08000035"


def test_without_javascript_the_local_authority_is_a_select(browser, url, council, officer):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, officer, service="core")
        pk = full_log(page, url, council, officer)
        page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
        page.get_by_label("What is the property’s local authority?").select_option(label="Leeds")
        save(page)
        assert record(pk).answers["la"] == "E08000035"
    finally:
        context.close()


# --- The UPRN page says what it takes ---------------------------------------------------------------


def test_the_uprn_page_asks_for_a_uprn_and_typing_the_address_is_a_visible_choice(page, url, axe, council, officer):
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    page.goto(url("core", f"/logs/{pk}/page/address_search/"))
    assert page.locator("h1").inner_text() == "What is the property’s UPRN?"
    assert "Enter address or UPRN" not in page.locator("main").inner_text()
    page.get_by_label("What is the property’s UPRN?").fill("1 Victoria Road")
    save(page)
    assert any("UPRN must be 12 digits or less" in e for e in errors(page))
    check_page(page, axe)
    page.get_by_role("link", name="I do not know the UPRN").click()
    page.wait_for_url(re.compile(r"/page/address/$"))
    assert page.locator("h1").inner_text() == "What is the property’s address?"
