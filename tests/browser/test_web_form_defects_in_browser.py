"""Web form defects seen in Chromium (the trust issue, point 6), each as a person meets
it, on the platform's test collection (home visits): a refused answer corrected and
saved is not "someone else's change"; an "or" divider is a divider, not an answer; an
answer under a choice not picked is told, not dropped; pages are titled by what they
ask; options offered by the owner's type are offered each once; check your answers
reads as words; a larger household changed from check your answers asks about the new
person before going back. CORE's own pages (income, rent, local authorities, UPRN):
test_core_web_form_in_browser.py."""

from django_tenants.utils import schema_context
from form_driver import CHECK_ANSWERS, QUESTION_PAGE, FormDriver
from test_web_form_in_browser import (  # noqa: F401 (council and officer are fixtures)
    check_page, council, full_visit, officer, record, save, set_up_visit, sign_in, visit_question)

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


def answer(pk, answers, user, service="visits"):
    """Answers stored through the gateway, as another page or channel would."""
    with schema_context(service):
        outcome = submit(Record.objects.get(pk=pk), answers, source="form", user=user)
    assert outcome.errors == [], outcome.errors


def errors(page):
    summary = page.locator(".govuk-error-summary")
    return summary.get_by_role("listitem").all_inner_texts() if summary.count() else []


# --- A person's own refused save is not someone else's change -------------------------------


def test_correcting_a_refused_age_saves_it(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)
    answer(pk, {"hhmemb": 1}, officer)
    page.goto(url("visits", f"/logs/{pk}/page/person_1/"))
    page.get_by_label("In work", exact=True).check()
    age = page.get_by_label(visit_question("age1"))
    age.fill("200")
    save(page)
    assert QUESTION_PAGE.search(page.url).group(1) == "person_1", (page.url, errors(page))
    assert any("must be between 0 and 120" in e for e in errors(page))
    age.fill("45")
    save(page)
    assert "someone else saved it" not in page.locator("main").inner_text()
    assert CHECK_ANSWERS.search(page.url), page.url  # on: the only person asked, the task's answers next
    assert record(pk).answers["age1"] == 45


# --- The "or" divider ----------------------------------------------------------------------------


def test_the_needs_question_has_an_or_divider_not_a_none_answer(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)
    page.goto(url("visits", f"/logs/{pk}/page/needs/"))
    boxes = page.locator("main .govuk-checkboxes")
    assert boxes.locator(".govuk-checkboxes__label").all_inner_texts() == [
        "Mobility support", "Mental health support", "None of these"]
    assert boxes.locator(".govuk-checkboxes__divider").inner_text() == "or"
    assert page.get_by_role("checkbox", name="None", exact=True).count() == 0
    check_page(page, axe)


# --- An answer under a choice not picked is told, not dropped ----------------------------------------


def not_stored_note(pk, variable, value):
    """The gateway's note for an answer its question's other answers route away: what
    upload and the API are told."""
    with schema_context("visits"):
        notes = submit(record(pk), {variable: value}, source="api", validate_only=True).notes
    (note,) = [n["message"] for n in notes if n["field"] == variable]
    return note


def test_without_javascript_an_answer_under_a_choice_not_picked_is_told_not_stored(browser, page, url, axe, council,
                                                                                    officer):
    context = browser.new_context(java_script_enabled=False)
    no_script = context.new_page()
    try:
        sign_in(no_script, url, officer)
        pk = set_up_visit(no_script, url, council)
        no_script.goto(url("visits", f"/logs/{pk}/page/repairs/"))
        detail = no_script.get_by_label(visit_question("repairsdetail"))
        assert detail.is_visible()  # every follow-up shows without JavaScript
        no_script.get_by_label("No", exact=True).check()
        detail.fill("Kitchen tap drips")
        save(no_script)
        assert QUESTION_PAGE.search(no_script.url).group(1) != "repairs"
        assert "repairsdetail" not in record(pk).answers
        banner = no_script.locator(".govuk-notification-banner")
        assert banner.count() == 1 and "Important" in banner.inner_text()
        assert not_stored_note(pk, "repairsdetail", "Kitchen tap drips") in banner.inner_text()
    finally:
        context.close()
    # With JavaScript, what was typed before changing one's mind is told the same way (axe
    # cannot run in a page without JavaScript: the banner's markup is the same).
    sign_in(page, url, officer)
    page.goto(url("visits", f"/logs/{pk}/page/repairs/"))
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label(visit_question("repairsdetail")).fill("Boiler broken")
    page.get_by_label("No", exact=True).check()
    assert not page.get_by_label(visit_question("repairsdetail")).is_visible()
    save(page)
    assert not_stored_note(pk, "repairsdetail", "Boiler broken") in page.locator(
        ".govuk-notification-banner").inner_text()
    check_page(page, axe)


# --- Pages, options and check your answers in words ---------------------------------------------------


def test_a_page_of_several_questions_is_titled_by_what_it_asks(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)
    page.goto(url("visits", f"/logs/{pk}/page/visit/"))  # the reference and the date
    assert page.title().startswith("What is your reference for this visit? – ")
    assert page.locator("h1").all_inner_texts() == ["What is your reference for this visit?"]


def test_the_visit_mode_offers_each_answer_once_as_the_owners_type_offers_it(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_visit(page, url, council)  # owned by a local authority: in person or by phone
    page.goto(url("visits", f"/logs/{pk}/page/visit_mode/"))
    labels = page.locator("main .govuk-radios__label").all_inner_texts()
    assert labels == ["In person", "By phone"]
    save(page)
    assert errors(page) == ["Select how the visit was made"]


def test_check_your_answers_reads_as_words(page, url, council, officer, complete_visit):
    sign_in(page, url, officer)
    pk = full_visit(page, url, council, officer, complete_visit)
    page.goto(url("visits", f"/logs/{pk}/people/check-answers/"))
    keys = [k.strip() for k in page.locator(".govuk-summary-list__key").all_inner_texts()]
    assert keys.count("Person 1's age") == 1
    text = page.locator("main").inner_text()
    for code in ("hhmemb", "age1", "work1", "weekly_rent", "E09000001"):
        assert code not in text, code
    assert "Person 1's work" in keys and "Number of adults" in keys and "Weekly rent" in keys  # derived, by label
    work = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Person 1's work", exact=True))
    assert "In work" in work.inner_text()  # the option's words, not its code


def test_a_larger_household_changed_from_check_your_answers_asks_about_the_new_person(page, url, council, officer,
                                                                                      complete_visit):
    sign_in(page, url, officer)
    pk = full_visit(page, url, council, officer, complete_visit)  # two people
    page.goto(url("visits", f"/logs/{pk}/people/check-answers/"))
    check_answers = page.url
    page.locator(".govuk-summary-list__row").filter(
        has=page.get_by_text("Number of people", exact=True)).get_by_role("link").click()
    page.get_by_label(visit_question("hhmemb")).fill("3")
    save(page)
    assert QUESTION_PAGE.search(page.url).group(1) == "person_3", page.url
    driver = FormDriver(page, {"age3": 30, "work3": 2})
    for _ in range(12):
        if CHECK_ANSWERS.search(page.url):
            break
        driver.step()
    assert page.url == check_answers
    assert [step for step, _, _ in driver.answered] == ["person_3"]
    answers = record(pk).answers
    assert answers["hhmemb"] == 3 and answers["age3"] == 30 and answers["work3"] == 2
