"""The single-log web form in a real browser (issue 4's "Done when"): whole CORE
lettings and sales logs from the task list to completed, a soft check, a change from
check your answers, a page without JavaScript, axe and 320px on every page type, two
people on one page, and a parent's coordinator setting up a log for its child."""

import re

import pytest
from django_tenants.utils import schema_context
from form_driver import CHECK_ANSWERS, SOFT_CHECK, TASK_LIST, FormDriver, template_row

from cldc.platform import registry
from cldc.platform.definitions.routing import route
from cldc.platform.definitions.values import from_json, to_json
from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import context_for, evaluate, submit
from cldc.platform.records.models import Record
from cldc.platform.uploads.template_rows import answers_from_field_numbers

PASSWORD = "correct-horse-battery-staple"
NARROW = {"width": 320, "height": 800}
WIDE = {"width": 1280, "height": 800}


# --- People, organisations and logs ---------------------------------------------------------


def organisation(name, **fields):
    return Organisation.objects.get_or_create(name=name, defaults=fields)[0]


@pytest.fixture
def council():
    """The template rows' owning organisation (ORG1) is a local authority: so is this one."""
    return organisation("Browser Borough Council", type="local_authority", ons_code="E09000001")


def person(email, organisation, role="data_provider"):
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, PASSWORD, name="Browser " + email.split("@")[0].title())
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": role})
    return user


def sign_in(page, url, user):
    page.goto(url("core", "/sign-in/"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url("core", "/"))


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


def record(pk):
    with schema_context("core"):
        return Record.objects.select_related("owning_organisation").get(pk=pk)


def plan_for(record_type):
    """The official template's data row as answers by variable: a complete, valid log."""
    definition = registry.get("core").definition(record_type, 2026)
    answers, problems = answers_from_field_numbers(definition, template_row(record_type))
    assert problems == []
    return answers


def expected_answers(log, plan):
    """What the gateway makes of the plan for this log, with the template row's ORG1
    and assignee replaced by the log's own: what the form must have stored."""
    collection = registry.get("core")
    definition = collection.definition(log.record_type, log.version)
    pack = collection.rule_pack(log.record_type, log.version)
    own = {"owning_organisation": log.owning_organisation_id, "managing_organisation": log.managing_organisation_id,
           "assigned_to": log.assigned_to_id}
    incoming = {k: v for k, v in plan.items() if k not in definition.record_fields.values()}
    incoming |= {variable: str(own[column]) for column, variable in definition.record_fields.items() if own.get(column)}
    result = evaluate(definition, pack, {}, incoming, context_for(log, definition), "form", {})
    return to_json(result.answers), result


def fits_320(page):
    """No horizontal scroll at 320px wide."""
    page.set_viewport_size(NARROW)
    width = page.evaluate("document.documentElement.scrollWidth")
    too_wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > 320)
        .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right))""")
    page.set_viewport_size(WIDE)
    assert width <= 320, f"{page.url} is {width}px wide at 320px: {too_wide}"


def check_page(page, axe):
    axe(page)
    fits_320(page)


# --- Whole logs through the real pages --------------------------------------------------------


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_a_whole_log_from_the_task_list_to_completed(page, url, council, record_type):
    officer = person(f"{record_type}-officer@browser.example", council)
    sign_in(page, url, officer)
    pk = set_up_log(page, url, record_type, council)
    driver = FormDriver(page, plan_for(record_type)).complete()

    assert "This log is completed" in page.locator("main").inner_text()
    statuses = page.locator(".govuk-task-list__status").all_inner_texts()
    assert set(s.strip() for s in statuses) <= {"Completed", "Cannot start yet"}, statuses
    log = record(pk)
    assert log.status == "completed"
    expected, result = expected_answers(log, plan_for(record_type))
    assert result.status == "completed" and result.warnings == []
    # The same record as the template row makes through the gateway (a box left unticked
    # blank in both), but for answers the file gives to questions that do not apply, kept
    # because the definition says so (keep_value_when_not_routed), which the form never asks.
    definition = registry.get("core").definition(record_type, 2026)
    applicable = {v for q in route(definition, from_json(definition, expected), context_for(log, definition))[2]
                  for v in q.variables}
    differences = {name: (log.answers.get(name), expected.get(name)) for name in set(log.answers) | set(expected)
                   if log.answers.get(name) != expected.get(name)}
    not_asked = {name for name, (mine, _) in differences.items() if mine is None and name not in applicable}
    assert {name: differences[name] for name in set(differences) - not_asked} == {}
    assert driver.soft_checks == []  # the template row is within every soft range
    assert len(driver.answered) > 40
    assert page.failed_requests == []


# --- A soft check, a change from check your answers, no JavaScript ----------------------------


@pytest.fixture
def officer(council):
    return person("officer@browser.example", council)


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


def fill_date(page, day, month, year):
    for label, value in (("Day", day), ("Month", month), ("Year", year)):
        page.get_by_label(label, exact=True).fill(str(value))


def save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()


def test_a_change_from_check_your_answers_meets_a_soft_check_and_comes_back(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = full_log(page, url, council, officer)
    page.goto(url("core", f"/logs/{pk}/"))
    page.get_by_role("link", name="Property information").click()  # a completed task opens its answers
    page.wait_for_url(CHECK_ANSWERS)
    check_answers = page.url
    check_page(page, axe)
    void_date = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Void date", exact=True))
    assert "1 April 2025" in void_date.inner_text()

    void_date.get_by_role("link", name="Change void date").click()
    page.wait_for_url(re.compile(r"/page/void_date/\?return_to="))
    fill_date(page, 1, 1, 2023)  # more than two years before the tenancy started: a soft check
    save(page)
    assert SOFT_CHECK.search(page.url) and "void_date_value_check" in page.url
    assert page.locator("h1").inner_text() == (
        "You told us that the property has been vacant for more than 2 years. This is longer than we would expect.")
    assert "Void date: 1 January 2023" in page.locator("main").inner_text()
    assert "Are you sure the property has been vacant for this long?" in page.locator("legend").inner_text()
    check_page(page, axe)  # the interruption page

    page.get_by_role("button", name="Continue").click()  # no choice made: a GOV.UK error
    page.wait_for_load_state()
    assert "Select yes if the answers are correct" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, axe)
    page.get_by_label("No, I want to change them").check()  # goes to the answer involved, then comes back here
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert re.search(r"/page/void_date/\?return_to=", page.url)
    assert page.get_by_label("Year", exact=True).input_value() == "2023"
    save(page)  # the same answer again: the same interruption
    assert "void_date_value_check" in page.url
    page.get_by_label("Yes, the answers are correct").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == check_answers  # back where the change started
    assert "1 January 2023" in page.locator(".govuk-summary-list__row").filter(
        has=page.get_by_text("Void date", exact=True)).inner_text()
    log = record(pk)
    assert log.answers["voiddate"] == "2023-01-01" and "void_date_value_check" in log.confirmations
    assert log.status == "completed"
    assert page.failed_requests == []


def test_set_up_and_a_page_with_a_follow_up_work_without_javascript(browser, url, council, officer):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, officer)
        pk = full_log(page, url, council, officer)  # the set-up page, without JavaScript
        page.goto(url("core", f"/logs/{pk}/page/lead_tenant_age/"))
        assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")
        # Without JavaScript the follow-up is shown under its answer (a GOV.UK conditional reveal).
        age = page.get_by_label("Age", exact=True)
        assert age.is_visible() and age.input_value() == "20"
        page.get_by_label("Yes", exact=True).check()
        age.fill("45")
        save(page)
        assert page.url.endswith("/page/lead_tenant_sex_registered_at_birth/")
        assert record(pk).answers["age1"] == 45
    finally:
        context.close()


# --- Every page type: axe, and no horizontal scroll at 320px -----------------------------------


def test_every_page_type_passes_axe_and_fits_320px(page, url, axe, council, officer):
    sign_in(page, url, officer)
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


# --- Two people, one page ----------------------------------------------------------------------


def test_the_second_of_two_people_saving_one_page_is_told_the_log_changed(browser, url, axe, council, officer):
    colleague = person("colleague@browser.example", council)
    mine, theirs = browser.new_context(), browser.new_context()
    try:
        me, them = mine.new_page(), theirs.new_page()
        sign_in(me, url, officer)
        sign_in(them, url, colleague)
        pk = set_up_log(me, url, "lettings", council)
        for page in (me, them):
            page.goto(url("core", f"/logs/{pk}/page/tenant_code/"))
        them.get_by_label("What is the tenant code?").fill("THEIRS")
        save(them)
        assert them.url.endswith("/page/property_reference/")

        me.get_by_label("What is the tenant code?").fill("MINE")
        me.get_by_role("button", name="Save and continue").click()
        me.wait_for_load_state()
        assert me.url.endswith("/page/tenant_code/")
        assert "This log has changed since you opened this page" in me.locator(".govuk-error-summary").inner_text()
        assert me.get_by_label("What is the tenant code?").input_value() == "THEIRS"  # the latest answer, shown
        check_page(me, axe)
        assert record(pk).answers["tenancycode"] == "THEIRS"  # nothing silently overwritten
        me.get_by_label("What is the tenant code?").fill("MINE")
        save(me)  # saved again, knowingly, over the latest version
        assert record(pk).answers["tenancycode"] == "MINE"
    finally:
        mine.close()
        theirs.close()


# --- A parent organisation's coordinator, for its child ----------------------------------------


def test_a_parent_coordinator_creates_a_log_for_a_child_organisation(page, url, axe, council):
    parent = organisation("Browser Parent Council", type="local_authority", ons_code="E09000002")
    child = organisation("Browser Child Homes", type="prp", regulator_number="LH8001")
    OrganisationRelationship.objects.get_or_create(parent=parent, child=child, kind="stock_owner")
    coordinator = person("coordinator@browser.example", parent, role="data_coordinator")
    sign_in(page, url, coordinator)

    choose_type_of_log(page, url, "lettings")
    owners = page.get_by_label(set_up_question("lettings", "owning_organisation")).locator("option").all_inner_texts()
    assert "Browser Parent Council" in owners and "Browser Child Homes" in owners
    assert council.name not in owners  # an unrelated organisation is not offered
    pk = set_up_log(page, url, "lettings", child, manager=parent)
    assert "Owned by Browser Child Homes; managed by Browser Parent Council" in " ".join(
        page.locator("main").inner_text().split())
    log = record(pk)
    assert log.owning_organisation == child and log.managing_organisation_id == parent.pk
    assert log.created_by == coordinator
    page.goto(url("core", "/logs/"))
    assert "Browser Child Homes" in page.locator("table").inner_text()
    check_page(page, axe)


def test_a_page_can_be_answered_with_the_keyboard_alone_and_the_log_reviewed(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    page.goto(url("core", f"/logs/{pk}/page/needs_type/"))
    # Tab from the top of the page to the first radio: past the skip link, the header
    # and the navigation, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "needstype":
            break
    assert page.evaluate("document.activeElement.name") == "needstype"
    page.keyboard.press("Space")  # choose the focused answer
    focused_value = page.evaluate("document.activeElement.value")
    page.keyboard.press("Tab")  # to "Save and continue"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Save and continue"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/page/(?!needs_type)"))
    assert record(pk).answers["needstype"] == int(focused_value)

    page.goto(url("core", f"/logs/{pk}/"))
    page.get_by_role("link", name="Review the whole log").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "Set up this lettings log" in page.locator("main").inner_text()
    check_page(page, axe)
