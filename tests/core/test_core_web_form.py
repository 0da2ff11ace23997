"""CORE's own content in the web form: the two-step set-up a service with two record
types (lettings and sales) shows, and pages and rules only CORE's definitions have (rent
ranges, a total charge shown calculated, local authorities chosen by name, the UPRN
search, derived values read as words, a label with capitals kept, an age that reads
"Not known"). The web form's mechanisms (an "or" divider, options offered by the owner's
type among them) are tested on the platform's test collection in tests/forms/; these
moved from there because the test collection has none of this content."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.tests.forms.test_web_form import set_up_log, set_up_words, stored
from cldc.tests.forms.test_web_form_defects import post_as_shown


@pytest.fixture
def officer(make_person, orgs):
    return make_person("officer@example.com", orgs["child"])


@pytest.fixture
def council(make_organisation):
    return make_organisation("Defects Borough Council", type="local_authority")


@pytest.fixture
def client(client_for, make_person, council, core_service):
    """A data provider of a local authority (CORE's rent ranges depend on the owner's type)."""
    return client_for("core", make_person("defects-officer@example.com", council))


# --- Setting up: the type of log first, then its own questions --------------------------------


def test_set_up_asks_the_type_of_log_first_then_that_type_s_questions(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    first = client.get("/logs/new/").content.decode()
    assert "What type of log is this?" in first and 'name="year"' not in first and 'name="owning_organisation"' not in first
    response = client.post("/logs/new/", {"step": "record_type"})
    assert response.status_code == 200 and '<a href="#id_record_type">Select the type of log</a>' in response.content.decode()
    response = client.post("/logs/new/", {"step": "record_type", "record_type": "core:sales"})
    assert response.status_code == 302 and response.url == "/logs/new/?record_type=core%3Asales"
    second = client.get(response.url).content.decode()
    assert 'name="year"' in second and 'name="record_type" value="core:sales"' in second
    # Back to the first step, the type chosen still chosen.
    back = html.unescape(re.search(r'<a href="([^"]+)" class="govuk-back-link">', second).group(1))
    assert re.search(r'value="core:sales"[^>]* checked', client.get(back).content.decode())


@pytest.mark.parametrize("record_type, other", [("lettings", "sales"), ("sales", "lettings")])
def test_each_type_s_set_up_page_asks_in_its_definition_s_own_words(client_for, officer, orgs, core_service,
                                                                     record_type, other):
    """Lettings and sales ask who owns the log and who manages it in different words;
    the page once fell back to neutral ones for both."""
    own, theirs = set_up_words("core", record_type), set_up_words("core", other)
    body = client_for("core", officer).get(f"/logs/new/?record_type=core:{record_type}").content.decode()
    assert set(own) == {"owning_organisation", "managing_organisation", "assigned_to"}
    for text in own.values():
        assert html.escape(text) in body
    assert [text for text in theirs.values() if text not in own.values() and html.escape(text) in body] == []


def test_a_set_up_page_posted_with_a_question_unanswered_keeps_the_type(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    response = client.post("/logs/new/?record_type=core:sales", {
        "record_type": "core:sales", "owning_organisation": orgs["child"].pk, "managing_organisation": orgs["child"].pk})
    body = response.content.decode()
    assert response.status_code == 200 and '<a href="#id_year">Select the collection year</a>' in body
    assert 'name="record_type" value="core:sales"' in body
    assert html.escape(set_up_words("core", "sales")["managing_organisation"]) in body
    assert re.search(rf'value="{orgs["child"].pk}"[^>]* selected', body)  # the answer given is kept
    response = client.post("/logs/new/?record_type=core:sales", {
        "record_type": "core:sales", "year": "2026", "owning_organisation": orgs["child"].pk,
        "managing_organisation": orgs["child"].pk})
    assert response.status_code == 302
    with schema_context("core"):
        assert Record.objects.get(pk=int(re.search(r"/logs/(\d+)/", response.url).group(1))).record_type == "sales"


def test_each_type_s_set_up_page_offers_the_years_open_for_that_type(client_for, officer, orgs, core_service):
    """Each type has its own window: lettings' 2026 closed for new logs, sales' still open."""
    from cldc.platform.windows.models import CollectionWindow

    client = client_for("core", officer)
    with schema_context("core"):
        CollectionWindow.objects.filter(collection="core", record_type="lettings", version=2026).update(
            opens_on="2026-04-01", submission_deadline="2026-04-02", new_logs_end="2026-04-03", editing_end="2026-04-04")
    offered = r'name="year"[^>]*value="2026"'
    assert not re.search(offered, client.get("/logs/new/?record_type=core:lettings").content.decode())
    assert re.search(offered, client.get("/logs/new/?record_type=core:sales").content.decode())


@pytest.fixture
def lettings():
    from cldc.platform import registry

    core = registry.get("core")
    return core.definition("lettings", 2026), core.rule_pack("lettings", 2026)


# --- The rent range, said once; totals shown calculated --------------------------------------

RENT_CONTEXT = {"owning_organisation_type": "local_authority"}
# Social rent, general needs, owned by a local authority, 1 bedroom in Westminster (E09000033):
# £18.64 to £2,000.00 a week.
LETTING = {"startdate": "2026-05-01", "la": "E09000033", "rent_type": "0", "needstype": "1", "beds": "1", "period": "1"}


def rent_evaluation(lettings, stored_answers, incoming):
    import datetime as dt

    from cldc.platform.definitions.values import normalise
    from cldc.platform.records.gateway import evaluate

    definition, pack = lettings
    held, problems = normalise(definition, stored_answers)
    assert problems == []
    context = {"today": dt.date(2026, 9, 1), "version": 2026, "collection_start": dt.date(2026, 4, 1),
               "collection_end": dt.date(2027, 3, 31), **RENT_CONTEXT}
    return evaluate(definition, pack, held, incoming, context, "form", {})


def test_a_rent_outside_the_range_says_the_range_once(lettings):
    # A rent held from before the range applied is below it; the new one is above it.
    result = rent_evaluation(lettings, {**LETTING, "brent": "5"}, {"brent": "5000"})
    on_rent = [e["message"] for e in result.errors if e["field"] == "brent"]
    assert on_rent == ["Enter a basic rent between £18.64 and £2,000.00 paid weekly for 52 weeks: the range for "
                       "this type of letting, local authority and number of bedrooms."]


def test_the_rent_range_is_said_in_the_rent_period(lettings):
    result = rent_evaluation(lettings, {**LETTING, "period": "3"}, {"brent": "50"})  # every 4 weeks: £12.50 a week
    (message,) = [e["message"] for e in result.errors if e["field"] == "brent"]
    assert "between £74.56 and £8,000.00 paid every 4 weeks" in message
    assert "absolute" not in message


def test_the_total_charge_is_shown_calculated_not_asked(client, council):
    record = set_up_log(client, council, record_type="core:lettings")
    for step, data in (("needs_type", {"needstype": "1"}), ("rent_period", {"period": "1"})):
        post_as_shown(client, record, step, data)
    body = client.get(f"/logs/{record.pk}/page/rent_weekly/").content.decode()
    assert 'name="tcharge"' not in body and "Not calculated yet" in body
    post_as_shown(client, record, "rent_weekly", {"brent": "100", "scharge": "10", "pscharge": "5", "supcharg": "0",
                                                  "tcharge": "999"})
    log = stored(record)
    assert "tcharge" not in log.answers and log.derived["tcharge"] == 115
    body = client.get(f"/logs/{record.pk}/page/rent_weekly/").content.decode()
    assert "£115.00" in body and 'name="tcharge"' not in body
    # A rule about the total shows in the error summary (the total has no box of its own).
    response = post_as_shown(client, record, "rent_weekly", {"brent": "5", "scharge": "0", "pscharge": "0", "supcharg": "0"})
    assert response.status_code == 200
    assert "Enter a total charge that is at least £10.00 per week." in response.content.decode()
    post_as_shown(client, record, "rent_weekly", {"brent": "100", "scharge": "10", "pscharge": "5", "supcharg": "0"})
    cya = client.get(f"/logs/{record.pk}/income_and_benefits/check-answers/").content.decode()
    total = re.search(r'Household rent and charges</dt>(.*?)</div>', cya, re.S).group(1)
    assert "£115.00" in total and "Calculated" in total and "Change" not in total and "Answer" not in total
    weekly = re.search(r'Total charge a week</dt><dd class="govuk-summary-list__value">([^<]+)<', cya).group(1)
    assert weekly.strip() == "£115.00"  # a derived amount, as money


# --- Local authorities: chosen by name, stored as the code --------------------------------------


def test_local_authorities_are_a_choice_stored_as_the_code_and_shown_by_name(client, council):
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    body = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert re.search(r'<select class="govuk-select" id="id_la" name="la"[^>]* data-cldc-autocomplete', body)
    assert '<option value="E08000035">Leeds</option>' in body
    assert "accessible-autocomplete.min.js" in body  # enhanced when JavaScript runs
    response = post_as_shown(client, record, "property_local_authority", {"la": "E08000035"})
    assert response.status_code == 302 and stored(record).answers["la"] == "E08000035"
    cya = client.get(f"/logs/{record.pk}/property_information/check-answers/").content.decode()
    assert "Leeds" in cya and "E08000035" not in cya


def test_the_previous_local_authority_refuses_free_text(client, council):
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "renewal", {"renewal": "0"})
    body = client.get(f"/logs/{record.pk}/page/previous_local_authority/").content.decode()
    assert '<option value="E08000035">Leeds</option>' in body and '<option value="W92000004">Wales</option>' in body
    post_as_shown(client, record, "previous_local_authority", {"previous_la_known": "1", "prevloc": "Leeds"})
    assert "prevloc" not in stored(record).answers
    post_as_shown(client, record, "previous_local_authority", {"previous_la_known": "1", "prevloc": "E08000035"})
    assert stored(record).answers["prevloc"] == "E08000035"


# --- The address search says what it does --------------------------------------------------------


def test_the_uprn_page_asks_for_a_uprn_and_offers_typing_the_address(client, council):
    record = set_up_log(client, council, record_type="core:lettings")
    body = client.get(f"/logs/{record.pk}/page/address_search/").content.decode()
    assert "Enter address or UPRN" not in body
    assert re.search(r"<h1[^>]*>\s*What is the property’s UPRN\?\s*</h1>", body.replace("\n", " ")) or \
        re.search(r'<h1 class="govuk-label-wrapper"><label[^>]*>What is the property’s UPRN\?</label></h1>', body)
    link = re.search(r'<a class="govuk-link" href="([^"]+)">I do not know the UPRN</a>', body)
    assert link and link.group(1) == f"/logs/{record.pk}/page/address/"
    response = post_as_shown(client, record, "address_search", {"uprn": "1 Victoria Road"})
    assert "UPRN must be 12 digits or less" in response.content.decode()


# --- Pages and check your answers read as words ---------------------------------------------------


def test_check_your_answers_shows_words_not_variable_names_or_codes(client, council):
    record = set_up_log(client, council, record_type="core:lettings")
    for step, data in (("needs_type", {"needstype": "1"}), ("rent_type", {"rent_type": "0"}),
                       ("declaration", {"declaration": "declaration"}),
                       ("lead_tenant_age", {"age1_known": "0", "age1": "45"}), ("household_members", {"hhmemb": "1"})):
        post_as_shown(client, record, step, data)
    cya = client.get(f"/logs/{record.pk}/household_characteristics/check-answers/").content.decode()
    keys = [re.sub(r"\s+", " ", k).strip() for k in re.findall(r'<dt class="govuk-summary-list__key">(.*?)</dt>', cya, re.S)]
    assert keys.count("Lead tenant’s age") == 1
    age = re.search(r'Lead tenant’s age</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+)', cya).group(1).strip()
    assert age == "45"
    derived = dict(zip(keys, [re.sub(r"<[^>]+>|\s+", " ", v).replace("Derived", "").strip() for v in
                              re.findall(r'<dd class="govuk-summary-list__value">(.*?)</dd>', cya, re.S)]))
    assert "lettype" not in keys and "hhtype" not in keys
    assert derived["Type of letting"] == "Social rent, general needs, owned by a local authority"
    assert derived["Household type"] == "One adult"


def test_a_change_link_reads_its_question_in_a_sentence_keeping_capitals(client, council):
    """It said "Change household links to uk armed forces" to a screen reader."""
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "armed_forces", {"armedforces": "1"})
    cya = client.get(f"/logs/{record.pk}/household_needs/check-answers/").content.decode()
    hidden = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r'govuk-visually-hidden">([^<]+)</span></a>', cya)]
    assert "household links to UK armed forces" in hidden, hidden


def test_an_unknown_age_reads_not_known_in_check_your_answers(client, council):
    """It read "Lead tenant’s age: No"; CORE shows "Not known" (the definition's `reads_as`)."""
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "lead_tenant_age", {"age1_known": "1"})
    cya = client.get(f"/logs/{record.pk}/household_characteristics/check-answers/").content.decode()
    age = re.search(r'Lead tenant’s age</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+)', cya).group(1).strip()
    assert age == "Not known"
