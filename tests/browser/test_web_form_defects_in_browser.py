"""Web form defects seen in Chromium (the trust issue, point 6), each as a person meets
it: a refused answer corrected and saved is not "someone else's change"; the income
question's "or" is a divider, not an answer; the rent page says the allowed range once
and shows the total as calculated; local authorities are chosen by name (a select
without JavaScript, an accessible autocomplete with it); the UPRN page says what it
takes and offers typing the address; pages are titled by what they ask; the referral
list offers each answer once; check your answers reads as words; a larger household
changed from check your answers asks about the new person before going back."""

import re

from django_tenants.utils import schema_context
from form_driver import CHECK_ANSWERS, QUESTION_PAGE, FormDriver, choose
from test_web_form_in_browser import council, full_log, officer, person, record, save, set_up_log, sign_in  # noqa: F401

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


def answer(pk, answers, user):
    """Answers stored through the gateway, as another page or channel would."""
    with schema_context("core"):
        outcome = submit(Record.objects.get(pk=pk), answers, source="form", user=user)
    assert outcome.errors == [], outcome.errors


def errors(page):
    summary = page.locator(".govuk-error-summary")
    return summary.get_by_role("listitem").all_inner_texts() if summary.count() else []


def axe_and_320(page, axe):
    from test_web_form_in_browser import check_page

    check_page(page, axe)


# --- A person's own refused save is not someone else's change -------------------------------


def test_correcting_a_refused_age_saves_it(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"declaration": 1}, officer)
    page.goto(url("core", f"/logs/{pk}/page/lead_tenant_age/"))
    page.get_by_label("Yes", exact=True).check()
    page.get_by_label("Age", exact=True).fill("200")
    save(page)
    assert QUESTION_PAGE.search(page.url).group(1) == "lead_tenant_age"
    assert any("must be between 16 and 120" in e for e in errors(page))
    page.get_by_label("Age", exact=True).fill("45")
    save(page)
    assert "someone else saved it" not in page.locator("main").inner_text()
    assert QUESTION_PAGE.search(page.url).group(1) != "lead_tenant_age"
    assert record(pk).answers["age1"] == 45


def test_correcting_a_refused_income_saves_it(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"net_income_known": 0}, officer)
    page.goto(url("core", f"/logs/{pk}/page/income_amount/"))
    page.get_by_label("Weekly", exact=True).check()
    page.get_by_label("How much income does the household have in total?").fill("-50")
    save(page)
    assert errors(page) and record(pk).answers["incfreq"] == 1  # the frequency is saved, the amount refused
    page.get_by_label("How much income does the household have in total?").fill("250")
    save(page)
    assert "someone else saved it" not in page.locator("main").inner_text()
    assert record(pk).answers["earnings"] == 250


# --- The "or" divider ----------------------------------------------------------------------------


def test_the_income_question_has_an_or_divider_not_a_none_answer(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    page.goto(url("core", f"/logs/{pk}/page/income_known/"))
    radios = page.locator("main .govuk-radios")
    assert radios.locator(".govuk-radios__label").all_inner_texts() == ["Yes", "No", "Tenant prefers not to say"]
    assert radios.locator(".govuk-radios__divider").inner_text() == "or"
    assert page.get_by_role("radio", name="None").count() == 0
    axe_and_320(page, axe)


# --- The rent range, once; the total, calculated ---------------------------------------------------


def test_the_rent_page_says_the_range_once_and_shows_the_total_calculated(page, url, axe, council, officer):
    sign_in(page, url, officer)
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
    axe_and_320(page, axe)


# --- Local authorities: chosen by name ------------------------------------------------------------


def test_the_local_authority_is_an_autocomplete_stored_as_the_code_shown_by_name(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = full_log(page, url, council, officer)
    page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
    box = page.get_by_role("combobox", name="What is the property’s local authority?")
    assert box.is_visible() and not page.locator("select[name=la]").is_visible()
    axe_and_320(page, axe)
    choose(page, box, "Leeds")
    save(page)
    assert record(pk).answers["la"] == "E08000035"
    page.goto(url("core", f"/logs/{pk}/property_information/check-answers/"))
    row = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Local authority", exact=True))
    assert "Leeds" in row.inner_text() and "E08000035" not in page.locator("main").inner_text()


def test_the_previous_local_authority_takes_only_a_name_from_the_list(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"renewal": 0}, officer)
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
        sign_in(page, url, officer)
        pk = full_log(page, url, council, officer)
        page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
        page.get_by_label("What is the property’s local authority?").select_option(label="Leeds")
        save(page)
        assert record(pk).answers["la"] == "E08000035"
    finally:
        context.close()


# --- An answer under a choice not picked is told, not dropped ----------------------------------------


def not_stored_note(pk, variable, value):
    """The gateway's note for an answer its question's other answers route away: what
    upload and the API are told."""
    with schema_context("core"):
        notes = submit(record(pk), {variable: value}, source="api", validate_only=True).notes
    (note,) = [n["message"] for n in notes if n["field"] == variable]
    return note


def test_without_javascript_an_answer_under_a_choice_not_picked_is_told_not_stored(browser, page, url, axe, council,
                                                                                    officer):
    context = browser.new_context(java_script_enabled=False)
    no_script = context.new_page()
    try:
        sign_in(no_script, url, officer)
        pk = set_up_log(no_script, url, "lettings", council)
        no_script.goto(url("core", f"/logs/{pk}/page/rent_type/"))
        product = no_script.get_by_label("Name of rent product")
        assert product.is_visible()  # every follow-up shows without JavaScript
        no_script.get_by_label("Affordable Rent", exact=True).check()
        product.fill("Rent to buy")
        save(no_script)
        assert QUESTION_PAGE.search(no_script.url).group(1) != "rent_type"
        assert "irproduct_other" not in record(pk).answers
        banner = no_script.locator(".govuk-notification-banner")
        assert banner.count() == 1 and "Important" in banner.inner_text()
        assert not_stored_note(pk, "irproduct_other", "Rent to buy") in banner.inner_text()
    finally:
        context.close()
    # With JavaScript, a name typed before changing one's mind is told the same way (axe
    # cannot run in a page without JavaScript: the banner's markup is the same).
    sign_in(page, url, officer)
    page.goto(url("core", f"/logs/{pk}/page/rent_type/"))
    page.get_by_label("Other intermediate rent product", exact=True).check()
    page.get_by_label("Name of rent product").fill("Shared living")
    page.get_by_label("Social Rent", exact=True).check()
    assert not page.get_by_label("Name of rent product").is_visible()
    save(page)
    assert not_stored_note(pk, "irproduct_other", "Shared living") in page.locator(".govuk-notification-banner").inner_text()
    axe_and_320(page, axe)


# --- The UPRN page says what it takes ---------------------------------------------------------------


def test_the_uprn_page_asks_for_a_uprn_and_typing_the_address_is_a_visible_choice(page, url, axe, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    page.goto(url("core", f"/logs/{pk}/page/address_search/"))
    assert page.locator("h1").inner_text() == "What is the property’s UPRN?"
    assert "Enter address or UPRN" not in page.locator("main").inner_text()
    page.get_by_label("What is the property’s UPRN?").fill("1 Victoria Road")
    save(page)
    assert any("UPRN must be 12 digits or less" in e for e in errors(page))
    axe_and_320(page, axe)
    page.get_by_role("link", name="I do not know the UPRN").click()
    page.wait_for_url(re.compile(r"/page/address/$"))
    assert page.locator("h1").inner_text() == "What is the property’s address?"


# --- Pages and check your answers in words ----------------------------------------------------------


def test_a_page_of_several_questions_is_titled_by_what_it_asks(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"declaration": 1}, officer)
    page.goto(url("core", f"/logs/{pk}/page/lead_tenant_age/"))
    assert page.title().startswith("Do you know the lead tenant’s age? – ")
    assert page.locator("h1").all_inner_texts() == ["Do you know the lead tenant’s age?"]


def test_the_source_of_referral_offers_each_answer_once_and_says_what_to_do(page, url, council, officer):
    sign_in(page, url, officer)
    pk = set_up_log(page, url, "lettings", council)  # owned by a local authority
    answer(pk, {"renewal": 0}, officer)
    page.goto(url("core", f"/logs/{pk}/page/referral_register_la/"))
    labels = page.locator("main .govuk-radios__label").all_inner_texts()
    assert len(labels) == len(set(labels)) == 4
    save(page)
    assert errors(page) == ["Select where the referral came from"]


def test_check_your_answers_reads_as_words(page, url, council, officer):
    sign_in(page, url, officer)
    pk = full_log(page, url, council, officer)
    page.goto(url("core", f"/logs/{pk}/household_characteristics/check-answers/"))
    keys = [k.strip() for k in page.locator(".govuk-summary-list__key").all_inner_texts()]
    assert keys.count("Lead tenant’s age") == 1
    text = page.locator("main").inner_text()
    for code in ("lettype", "hhtype", "renttype", "E09000001"):
        assert code not in text, code
    assert "Type of letting" in keys and "Household type" in keys
    letting = page.locator(".govuk-summary-list__row").filter(has=page.get_by_text("Type of letting", exact=True))
    assert "Social rent, general needs, owned by a local authority" in letting.inner_text()


def test_a_larger_household_changed_from_check_your_answers_asks_about_the_new_person(page, url, council, officer):
    sign_in(page, url, officer)
    pk = full_log(page, url, council, officer)  # one person
    page.goto(url("core", f"/logs/{pk}/household_characteristics/check-answers/"))
    check_answers = page.url
    page.locator(".govuk-summary-list__row").filter(
        has=page.get_by_text("Number of household members", exact=True)).get_by_role("link").click()
    page.get_by_label("How many people live in the household for this letting?").fill("2")
    save(page)
    assert QUESTION_PAGE.search(page.url).group(1).startswith("person_2_"), page.url
    plan = {"details_known_2": 0, "age2_known": 0, "age2": 30, "relat2": "X", "sexrab2": "F", "gender_same_as_sex2": 1,
            "ecstat2": 1}
    driver = FormDriver(page, plan)
    for _ in range(12):
        if CHECK_ANSWERS.search(page.url):
            break
        driver.step()
    assert page.url == check_answers
    asked = [step for step, _, _ in driver.answered]
    assert asked[0] == "person_2_known" and "person_2_working_situation" in asked
    answers = record(pk).answers
    assert answers["hhmemb"] == 2 and answers["age2"] == 30 and answers["ecstat2"] == 1
