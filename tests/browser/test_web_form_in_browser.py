"""The single-record web form in a real browser (issue 4's "Done when"), on the platform's
test collection (home visits): a whole visit from the task list to completed, a soft
check, a change from check your answers, a page without JavaScript, two people on one
page, the keyboard alone, and a parent's coordinator setting up a visit for its child.
CORE's whole logs and every CORE page type: test_core_web_form_in_browser.py."""

import re

import pytest
from django_tenants.utils import schema_context
from form_driver import CHECK_ANSWERS, SOFT_CHECK, TASK_LIST, FormDriver

from cldc.platform import registry
from cldc.platform.definitions.routing import route
from cldc.platform.definitions.values import from_json, to_json
from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import context_for, evaluate, submit
from cldc.platform.records.models import Record

PASSWORD = "correct-horse-battery-staple"
NARROW = {"width": 320, "height": 800}
WIDE = {"width": 1280, "height": 800}


# --- People, organisations and records ---------------------------------------------------------


def organisation(name, **fields):
    return Organisation.objects.get_or_create(name=name, defaults=fields)[0]


@pytest.fixture
def council():
    """A local authority (CORE's template rows' ORG1 is one too: see test_core_web_form_in_browser.py)."""
    return organisation("Browser Borough Council", type="local_authority", ons_code="E09000001")


def person(email, organisation, role="data_provider"):
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, PASSWORD, name="Browser " + email.split("@")[0].title())
    Membership.objects.get_or_create(user=user, organisation=organisation, defaults={"role": role})
    return user


def sign_in(page, url, user, service="visits"):
    page.goto(url(service, "/sign-in/"))
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url(service, "/"))


def visit_question(variable):
    """The words the visit definition asks a question in."""
    return registry.get("visits").definition("visit", 2026).variables[variable].text


def set_up_visit(page, url, owner, assignee=None):
    """Through the one "Set up a new visit" page (one record type: no type to choose, and
    no managing organisation to ask); returns the visit's id. The visit is the person's
    own unless `assignee` names another choice."""
    page.goto(url("visits", "/logs/"))
    page.get_by_role("button", name="Create a new visit").click()
    page.wait_for_url(re.compile(r"/logs/new/$"))
    page.get_by_label("2026 to 2027").check()
    page.get_by_label(visit_question("owning_organisation_id")).select_option(label=owner.name)
    if assignee is not None:
        page.get_by_label(visit_question("assigned_to_id")).select_option(label=assignee)
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()
    assert TASK_LIST.search(page.url), page.locator(".govuk-error-summary").all_inner_texts()
    return int(re.search(r"/logs/(\d+)/$", page.url).group(1))


def record(pk, service="visits"):
    with schema_context(service):
        return Record.objects.select_related("owning_organisation").get(pk=pk)


def expected_answers(log, plan, confirmations=None):
    """What the gateway makes of the plan for this record, with any organisation and
    assignee the plan names replaced by the record's own: what the form must have stored
    (with `confirmations`, the soft checks the person confirmed on the way)."""
    collection = registry.get(log.collection)
    definition = collection.definition(log.record_type, log.version)
    pack = collection.rule_pack(log.record_type, log.version)
    own = {"owning_organisation": log.owning_organisation_id, "managing_organisation": log.managing_organisation_id,
           "assigned_to": log.assigned_to_id}
    incoming = {k: v for k, v in plan.items() if k not in definition.record_fields.values()}
    incoming |= {variable: str(own[column]) for column, variable in definition.record_fields.items() if own.get(column)}
    result = evaluate(definition, pack, {}, incoming, context_for(log, definition), "form", confirmations or {})
    return to_json(result.answers), result


def differences_from_expected(log, expected):
    """Stored answers unlike the gateway's, but for answers the plan gives to questions
    that do not apply, kept because the definition says so (keep_value_when_not_routed),
    which the form never asks."""
    definition = registry.get(log.collection).definition(log.record_type, log.version)
    applicable = {v for q in route(definition, from_json(definition, expected), context_for(log, definition))[2]
                  for v in q.variables}
    differences = {name: (log.answers.get(name), expected.get(name)) for name in set(log.answers) | set(expected)
                   if log.answers.get(name) != expected.get(name)}
    not_asked = {name for name, (mine, _) in differences.items() if mine is None and name not in applicable}
    return {name: differences[name] for name in set(differences) - not_asked}


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


# --- A whole visit through the real pages -------------------------------------------------------


def test_a_whole_visit_from_the_task_list_to_completed(page, url, council, complete_visit):
    officer = person("visit-officer@browser.example", council)
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)
    driver = FormDriver(page, complete_visit()).complete()

    assert "This visit is completed" in page.locator("main").inner_text()
    statuses = page.locator(".govuk-task-list__status").all_inner_texts()
    assert set(s.strip() for s in statuses) == {"Completed"}, statuses
    log = record(pk)
    assert log.status == "completed"
    expected, result = expected_answers(log, complete_visit())
    assert result.status == "completed" and result.warnings == []
    assert differences_from_expected(log, expected) == {}
    assert log.derived["adults"] == 1 and log.derived["weekly_rent"] == 120
    assert driver.soft_checks == []  # the complete visit is within every soft check
    # Every page a complete visit of two people asks, each once, in order.
    assert [step for step, _, _ in driver.answered] == [
        "visit", "repairs", "needs", "household_size", "person_1", "person_2", "rent", "visit_mode"]
    assert all(unplanned == [] for _, _, unplanned in driver.answered), driver.answered
    assert page.failed_requests == []


# --- A soft check, a change from check your answers, no JavaScript ----------------------------


@pytest.fixture
def officer(council):
    return person("officer@browser.example", council)


def full_visit(page, url, council, officer, complete_visit):
    """A visit set up through the page, with the complete visit's answers stored through
    the gateway: for the tests that start from a completed visit."""
    pk = set_up_visit(page, url, council)
    with schema_context("visits"):
        outcome = submit(record(pk), complete_visit(), source="form", user=officer)
    assert outcome.errors == [] and outcome.status == "completed", (outcome.errors, outcome.missing)
    return pk


def fill_date(page, day, month, year):
    for label, value in (("Day", day), ("Month", month), ("Year", year)):
        page.get_by_label(label, exact=True).fill(str(value))


def save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()


def person_row(page, label):
    return page.locator(".govuk-summary-list__row").filter(has=page.get_by_text(label, exact=True))


def test_a_change_from_check_your_answers_meets_a_soft_check_and_comes_back(page, url, axe, council, officer,
                                                                            complete_visit):
    sign_in(page, url, officer)
    pk = full_visit(page, url, council, officer, complete_visit)
    page.goto(url("visits", f"/logs/{pk}/"))
    page.get_by_role("link", name="People in the household").click()  # a completed task opens its answers
    page.wait_for_url(CHECK_ANSWERS)
    check_answers = page.url
    check_page(page, axe)
    age = person_row(page, "Person 1's age")
    assert "42" in age.inner_text()

    age.get_by_role("link", name="Change person 1's age").click()
    page.wait_for_url(re.compile(r"/page/person_1/\?return_to="))
    page.get_by_label(visit_question("age1")).fill("75")  # in work at 75: a soft check
    save(page)
    assert SOFT_CHECK.search(page.url) and "older_person_in_work_1" in page.url
    assert page.locator("h1").inner_text() == "You told us person 1 is 75 and in work."
    assert "Person 1's age: 75" in page.locator("main").inner_text()
    assert "Are you sure this is correct?" in page.locator("legend").inner_text()
    check_page(page, axe)  # the interruption page

    page.get_by_role("button", name="Continue").click()  # no choice made: a GOV.UK error
    page.wait_for_load_state()
    assert "Select yes if the answers are correct" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, axe)
    page.get_by_label("No, I want to change them").check()  # goes to the answer involved, then comes back here
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert re.search(r"/page/person_1/\?return_to=", page.url)
    assert page.get_by_label(visit_question("age1")).input_value() == "75"
    save(page)  # the same answer again: the same interruption
    assert "older_person_in_work_1" in page.url
    page.get_by_label("Yes, the answers are correct").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert page.url == check_answers  # back where the change started
    assert "75" in person_row(page, "Person 1's age").inner_text()
    log = record(pk)
    assert log.answers["age1"] == 75 and "older_person_in_work_1" in log.confirmations
    assert log.status == "completed"
    assert page.failed_requests == []


def test_set_up_and_a_page_with_a_follow_up_work_without_javascript(browser, url, council, officer, complete_visit):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, officer)
        pk = full_visit(page, url, council, officer, complete_visit)  # the set-up page, without JavaScript
        page.goto(url("visits", f"/logs/{pk}/page/repairs/"))
        assert "govuk-frontend-supported" not in (page.locator("body").get_attribute("class") or "")
        # Without JavaScript the follow-up is shown under its answer (a GOV.UK conditional reveal).
        detail = page.get_by_label(visit_question("repairsdetail"))
        assert detail.is_visible() and detail.input_value() == "Kitchen tap drips"
        page.get_by_label("Yes", exact=True).check()
        detail.fill("Boiler broken")
        save(page)
        assert page.url.endswith("/page/needs/")
        assert record(pk).answers["repairsdetail"] == "Boiler broken"
    finally:
        context.close()


# --- Two people, one page ----------------------------------------------------------------------


def test_the_second_of_two_people_saving_one_page_is_told_the_visit_changed(browser, url, axe, council, officer):
    colleague = person("colleague@browser.example", council)
    mine, theirs = browser.new_context(), browser.new_context()
    reference = visit_question("visitref")
    try:
        me, them = mine.new_page(), theirs.new_page()
        sign_in(me, url, officer)
        sign_in(them, url, colleague)
        pk = set_up_visit(me, url, council)
        for page in (me, them):
            page.goto(url("visits", f"/logs/{pk}/page/visit/"))
        them.get_by_label(reference).fill("THEIRS")
        fill_date(them, 4, 5, 2026)
        save(them)
        assert them.url.endswith("/page/repairs/")

        me.get_by_label(reference).fill("MINE")
        fill_date(me, 4, 5, 2026)
        me.get_by_role("button", name="Save and continue").click()
        me.wait_for_load_state()
        assert me.url.endswith("/page/visit/")
        assert "This visit has changed since you opened this page" in me.locator(".govuk-error-summary").inner_text()
        assert me.get_by_label(reference).input_value() == "THEIRS"  # the latest answer, shown
        check_page(me, axe)
        assert record(pk).answers["visitref"] == "THEIRS"  # nothing silently overwritten
        me.get_by_label(reference).fill("MINE")
        save(me)  # saved again, knowingly, over the latest version
        assert record(pk).answers["visitref"] == "MINE"
    finally:
        mine.close()
        theirs.close()


# --- A parent organisation's coordinator, for its child ----------------------------------------


def test_a_parent_coordinator_creates_a_visit_for_a_child_organisation(page, url, axe, council):
    parent = organisation("Browser Parent Council", type="local_authority", ons_code="E09000002")
    child = organisation("Browser Child Homes", type="prp", regulator_number="LH8001")
    OrganisationRelationship.objects.get_or_create(parent=parent, child=child, kind="stock_owner")
    coordinator = person("coordinator@browser.example", parent, role="data_coordinator")
    sign_in(page, url, coordinator)

    page.goto(url("visits", "/logs/new/"))
    owners = page.get_by_label(visit_question("owning_organisation_id")).locator("option").all_inner_texts()
    assert "Browser Parent Council" in owners and "Browser Child Homes" in owners
    assert council.name not in owners  # an unrelated organisation is not offered
    # Nobody yet: the coordinator, of the parent, is not of the visit's own organisation.
    pk = set_up_visit(page, url, child, assignee="Nobody yet")
    # No managing organisation asked: the child owns the visit and manages it.
    assert "Owned by Browser Child Homes; managed by Browser Child Homes" in " ".join(
        page.locator("main").inner_text().split())
    log = record(pk)
    assert log.owning_organisation == child and log.managing_organisation_id == child.pk
    assert log.created_by == coordinator
    page.goto(url("visits", "/logs/"))
    assert "Browser Child Homes" in page.locator("table").inner_text()
    check_page(page, axe)


def test_a_page_can_be_answered_with_the_keyboard_alone_and_the_visit_reviewed(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)
    page.goto(url("visits", f"/logs/{pk}/page/visit_mode/"))
    # Tab from the top of the page to the first radio: past the skip link, the header
    # and the navigation, as a keyboard user would.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "visitmode":
            break
    assert page.evaluate("document.activeElement.name") == "visitmode"
    page.keyboard.press("Space")  # choose the focused answer
    focused_value = page.evaluate("document.activeElement.value")
    page.keyboard.press("Tab")  # to "Save and continue"
    assert page.evaluate("document.activeElement.textContent.trim()") == "Save and continue"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/logs/\d+/(?!page/visit_mode/)"))
    assert record(pk).answers["visitmode"] == int(focused_value)

    page.goto(url("visits", f"/logs/{pk}/"))
    page.get_by_role("link", name="Review the whole visit").click()
    page.wait_for_url(re.compile(r"/review/$"))
    assert "Visit details" in page.locator("main").inner_text()
    check_page(page, axe)
