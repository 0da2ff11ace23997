"""Web form defects seen in Chromium (the trust issue, point 6), where the defect is in
what the server sends or stores: a person's own refused save is not someone else's
change; a divider is never an answer; the rent range is said once; local authorities are
chosen by name; the address search says what it does; pages and check your answers read
as words. The browser side of each is in tests/browser/test_web_form_defects_in_browser.py."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


@pytest.fixture
def council(make_organisation):
    return make_organisation("Defects Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("defects-officer@example.com", council)


@pytest.fixture
def client(client_for, officer, core_service):
    return client_for("core", officer)


def set_up_log(client, owner, record_type="core:lettings"):
    response = client.post("/logs/new/", {"record_type": record_type, "year": "2026", "owning_organisation": owner.pk,
                                          "managing_organisation": owner.pk, "assigned_to": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("core"):
        return Record.objects.get(pk=int(re.search(r"/logs/(\d+)/", response.url).group(1)))


def stored(record):
    with schema_context("core"):
        return Record.objects.get(pk=record.pk)


def shown_version(body):
    """The lock_version the page carries in its hidden field: what the browser sends back."""
    return re.search(r'name="lock_version" value="(\d+)"', body).group(1)


def post_page(client, record, step, data, version):
    return client.post(f"/logs/{record.pk}/page/{step}/", {"log_wizard-current_step": step, "lock_version": version, **data})


def post_as_shown(client, record, step, data):
    """Post a page with the lock_version of the page as last shown (read with a GET)."""
    body = client.get(f"/logs/{record.pk}/page/{step}/").content.decode()
    return post_page(client, record, step, data, shown_version(body))


# --- A person's own refused save is not someone else's change ----------------------------------


def test_correcting_a_refused_answer_saves_it_not_someone_elses_change(client, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    # Yes, the age is known (saved) but 200 is refused: the page comes back with the error.
    response = post_as_shown(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "200"})
    body = response.content.decode()
    assert response.status_code == 200 and "must be between 16 and 120" in body
    assert stored(record).answers["age1_known"] == 0 and "age1" not in stored(record).answers
    # The person corrects the age on the page they were shown and saves it.
    response = post_page(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "45"}, shown_version(body))
    assert "someone else saved it" not in response.content.decode()
    assert response.status_code == 302
    assert stored(record).answers["age1"] == 45


def test_answering_what_the_page_still_asks_saves_it_not_someone_elses_change(client, council):
    record = set_up_log(client, council)
    # Saved, but the follow-up it reveals is not answered: the page asks for it.
    response = post_as_shown(client, record, "rent_type", {"rent_type": "5"})
    body = response.content.decode()
    assert response.status_code == 200 and stored(record).answers["rent_type"] == 5
    response = post_page(client, record, "rent_type", {"rent_type": "5", "irproduct_other": "Rent to buy"},
                         shown_version(body))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert stored(record).answers["irproduct_other"] == "Rent to buy"


def test_someone_elses_save_between_is_still_refused(client, client_for, make_person, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    body = post_as_shown(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "200"}).content.decode()
    colleague = client_for("core", make_person("defects-colleague@example.com", council))
    assert post_as_shown(colleague, record, "lead_tenant_age", {"age1_known": "0", "age1": "30"}).status_code == 302
    response = post_page(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "45"}, shown_version(body))
    assert response.status_code == 200 and "someone else saved it" in response.content.decode()
    assert stored(record).answers["age1"] == 30


def test_a_refused_save_that_changed_nothing_does_not_hide_someone_elses_change(client, client_for, make_person, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "40"})
    read_at = shown_version(client.get(f"/logs/{record.pk}/page/lead_tenant_age/").content.decode())
    colleague = client_for("core", make_person("defects-colleague@example.com", council))
    assert post_as_shown(colleague, record, "lead_tenant_age", {"age1_known": "0", "age1": "30"}).status_code == 302
    # Only a refused value: nothing saved, so nothing was checked against the colleague's save.
    body = post_page(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "200"}, read_at).content.decode()
    response = post_page(client, record, "lead_tenant_age", {"age1_known": "0", "age1": "45"}, shown_version(body))
    assert "someone else saved it" in response.content.decode()
    assert stored(record).answers["age1"] == 30


# --- The 403 page says why ---------------------------------------------------------------------


def test_the_403_page_says_the_reason_the_view_gives(client, client_for, make_person, council):
    record = set_up_log(client, council)
    analyst = client_for("core", make_person("defects-analyst@dept.example", staff_role="analyst"))
    response = analyst.get(f"/logs/{record.pk}/page/tenant_code/")
    assert response.status_code == 403
    assert "You can see this log but not change it" in response.content.decode()


def test_the_403_page_escapes_the_reason(rf, core_service):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.tenant = core_service
    with schema_context("core"):
        body = permission_denied(request, PermissionDenied("<script>alert(1)</script>")).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- A divider is never an answer ------------------------------------------------------------


@pytest.fixture
def lettings():
    from cldc.platform import registry

    core = registry.get("core")
    return core.definition("lettings", 2026), core.rule_pack("lettings", 2026)


def test_the_or_divider_is_not_an_option_of_the_definition(lettings):
    definition, _ = lettings
    question = definition.variables["net_income_known"]
    assert [code for code, _ in question.options] == [0, 1, 2]
    assert all(label is not None for _, label in question.options)


@pytest.mark.parametrize("channel", ["form", "api", "upload"])
def test_every_channel_refuses_the_divider_as_an_answer(lettings, channel):
    import datetime as dt

    from cldc.platform.records.gateway import evaluate

    definition, pack = lettings
    context = {"today": dt.date(2026, 9, 1), "version": 2026, "collection_start": dt.date(2026, 4, 1),
               "collection_end": dt.date(2027, 3, 31)}
    result = evaluate(definition, pack, {}, {"net_income_known": "divider_a"}, context, channel, {})
    assert "net_income_known" not in result.answers
    (error,) = [e for e in result.errors if e["field"] == "net_income_known"]
    assert error["rule"] == "invalid_option"


def test_a_bulk_upload_row_with_the_divider_is_refused(lettings):
    import datetime as dt

    from cldc.platform.uploads.template_rows import answers_from_field_numbers
    from cldc.platform.records.gateway import evaluate

    definition, pack = lettings
    answers, _ = answers_from_field_numbers(definition, {135: "divider_a"})
    context = {"today": dt.date(2026, 9, 1), "version": 2026, "collection_start": dt.date(2026, 4, 1),
               "collection_end": dt.date(2027, 3, 31)}
    result = evaluate(definition, pack, {}, answers, context, "upload", {})
    assert "net_income_known" not in result.answers
    assert [e["rule"] for e in result.errors if e["field"] == "net_income_known"] == ["invalid_option"]


def test_the_json_schema_does_not_list_the_divider(lettings):
    from cldc.platform.definitions.json_schema import record_schema

    definition, _ = lettings
    schema = record_schema(definition)
    listed = [option["const"] for option in schema["properties"]["net_income_known"]["oneOf"]]
    assert listed == [0, 1, 2]


def test_the_income_page_shows_an_or_divider_not_a_radio(client, council):
    record = set_up_log(client, council)
    body = client.get(f"/logs/{record.pk}/page/income_known/").content.decode()
    assert '<div class="govuk-radios__divider">or</div>' in body
    assert 'value="divider_a"' not in body and ">None<" not in body
    values = re.findall(r'name="net_income_known" type="radio" value="([^"]+)"', body)
    assert values == ["0", "1", "2"]
    assert body.index('value="1"') < body.index("govuk-radios__divider") < body.index('value="2"')
    response = post_as_shown(client, record, "income_known", {"net_income_known": "divider_a"})
    assert "net_income_known" not in stored(record).answers and response.status_code == 200


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
    record = set_up_log(client, council)
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
    record = set_up_log(client, council)
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
    record = set_up_log(client, council)
    post_as_shown(client, record, "renewal", {"renewal": "0"})
    body = client.get(f"/logs/{record.pk}/page/previous_local_authority/").content.decode()
    assert '<option value="E08000035">Leeds</option>' in body and '<option value="W92000004">Wales</option>' in body
    post_as_shown(client, record, "previous_local_authority", {"previous_la_known": "1", "prevloc": "Leeds"})
    assert "prevloc" not in stored(record).answers
    post_as_shown(client, record, "previous_local_authority", {"previous_la_known": "1", "prevloc": "E08000035"})
    assert stored(record).answers["prevloc"] == "E08000035"


# --- The address search says what it does --------------------------------------------------------


def test_the_uprn_page_asks_for_a_uprn_and_offers_typing_the_address(client, council):
    record = set_up_log(client, council)
    body = client.get(f"/logs/{record.pk}/page/address_search/").content.decode()
    assert "Enter address or UPRN" not in body
    assert re.search(r"<h1[^>]*>\s*What is the property’s UPRN\?\s*</h1>", body.replace("\n", " ")) or \
        re.search(r'<h1 class="govuk-label-wrapper"><label[^>]*>What is the property’s UPRN\?</label></h1>', body)
    link = re.search(r'<a class="govuk-link" href="([^"]+)">I do not know the UPRN</a>', body)
    assert link and link.group(1) == f"/logs/{record.pk}/page/address/"
    response = post_as_shown(client, record, "address_search", {"uprn": "1 Victoria Road"})
    assert "UPRN must be 12 digits or less" in response.content.decode()


# --- Pages and check your answers read as words ---------------------------------------------------


def title_and_h1(body):
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1).split(" – ")[0].strip()
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1)).strip()
    return title, h1


def test_a_page_of_several_questions_is_titled_by_what_it_asks(client, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    body = client.get(f"/logs/{record.pk}/page/lead_tenant_age/").content.decode()
    assert title_and_h1(body) == ("Do you know the lead tenant’s age?", "Do you know the lead tenant’s age?")
    assert body.count("<h1") == 1


def test_the_source_of_referral_offers_each_answer_once(client, council):
    record = set_up_log(client, council)  # owned by a local authority
    post_as_shown(client, record, "renewal", {"renewal": "0"})
    body = client.get(f"/logs/{record.pk}/page/referral_register_la/").content.decode()
    labels = re.findall(r'class="govuk-label govuk-radios__label"[^>]*>([^<]+)</label>', body)
    assert len(labels) == len(set(labels)) == 4 and "Renewal to the same tenant in the same property" in labels
    response = post_as_shown(client, record, "referral_register_la", {})
    assert "Select where the referral came from" in response.content.decode()
    assert "You must answer" not in response.content.decode()


def test_check_your_answers_shows_words_not_variable_names_or_codes(client, council):
    record = set_up_log(client, council)
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
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "armed_forces", {"armedforces": "1"})
    cya = client.get(f"/logs/{record.pk}/household_needs/check-answers/").content.decode()
    hidden = [re.sub(r"\s+", " ", h).strip() for h in re.findall(r'govuk-visually-hidden">([^<]+)</span></a>', cya)]
    assert "household links to UK armed forces" in hidden, hidden


def test_a_larger_household_from_check_your_answers_asks_about_the_new_person(client, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "household_members", {"hhmemb": "1"})
    here = f"/logs/{record.pk}/household_characteristics/check-answers/"
    body = client.get(f"/logs/{record.pk}/page/household_members/?return_to={here}").content.decode()
    response = client.post(f"/logs/{record.pk}/page/household_members/?return_to={here}", {
        "log_wizard-current_step": "household_members", "lock_version": shown_version(body), "hhmemb": "2",
        "return_to": here})
    assert response.status_code == 302
    assert re.match(rf"/logs/{record.pk}/page/person_2_[a-z_]+/\?return_to=.*&asking=", response.url), response.url
    # A change that makes nothing new apply goes straight back.
    body = client.get(f"/logs/{record.pk}/page/tenant_code/?return_to={here}").content.decode()
    response = client.post(f"/logs/{record.pk}/page/tenant_code/", {
        "log_wizard-current_step": "tenant_code", "lock_version": shown_version(body), "tenancycode": "T1",
        "return_to": here})
    assert response.url == here


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_offered_when_compiles_and_offers_options_of_its_question(record_type):
    from cldc.platform import registry
    from cldc.platform.definitions.expressions import compile_expression

    definition = registry.get("core").definition(record_type, 2026)
    for question in definition.questions.values():
        for clause in question.extra.get("offered_when") or ():
            compile_expression(clause["when"], predicates=definition.predicates)
            assert set(clause["codes"]) <= question.codes, (question.id, clause)


# --- An answer under a choice not picked is not dropped without a word -----------------------------


def test_an_answer_under_a_choice_not_picked_is_told_not_stored(client, council):
    """Without JavaScript a GOV.UK conditional reveal shows every follow-up: a product name
    typed under "Other intermediate rent product" while "Affordable Rent" is picked is
    routed away by the gateway. The next page says so, once, in the gateway's words."""
    record = set_up_log(client, council)
    response = post_as_shown(client, record, "rent_type", {"rent_type": "1", "irproduct_other": "Rent to buy"})
    assert response.status_code == 302 and "irproduct_other" not in stored(record).answers
    with schema_context("core"):  # what upload and the API are told for the same answer
        notes = submit(stored(record), {"irproduct_other": "Rent to buy"}, source="api", validate_only=True).notes
    (note,) = [n["message"] for n in notes if n["field"] == "irproduct_other"]
    following = client.get(response.url).content.decode()
    banner = re.search(r'<div class="govuk-notification-banner".*?</div>\s*</div>', following, re.S)
    assert banner and html.escape(note) in banner.group(0)
    assert html.escape(note) not in client.get(response.url).content.decode()  # told once
    # Under the answer picked, the follow-up is stored and there is nothing to tell.
    response = post_as_shown(client, record, "rent_type", {"rent_type": "5", "irproduct_other": "Rent to buy"})
    assert stored(record).answers["irproduct_other"] == "Rent to buy"
    assert "govuk-notification-banner" not in client.get(response.url).content.decode()


# --- A box left unticked is stored as every channel stores it ---------------------------------------


def test_boxes_left_unticked_are_stored_as_upload_and_the_api_store_them(client, council):
    """The web form stored 0 for each box left unticked beside a ticked one, where a file
    and the API leave it blank and the pack derives the 0: the same answers now."""
    record = set_up_log(client, council)
    boxes = ["cbl", "cap", "chr", "accessible_register", "letting_allocation_unknown"]
    for ticked in (["cbl", "chr"], ["cbl"]):  # then one unticked again: no longer ticked, in every channel
        post_as_shown(client, record, "allocation_system", {"letting_allocation": ticked})
        with schema_context("core"):
            by_api = submit(Record(collection="core", record_type="lettings", version=2026, owning_organisation=council,
                                   managing_organisation=council), {box: "1" for box in ticked}, source="api",
                            validate_only=True).record
        form = stored(record)
        assert {box: form.answers.get(box) for box in boxes} == {box: by_api.answers.get(box) for box in boxes}
        assert {box: form.derived.get(box) for box in boxes} == {box: by_api.derived.get(box) for box in boxes}
        assert {box for box in boxes if form.answers.get(box) == 1} == set(ticked)


def test_an_unknown_age_reads_not_known_in_check_your_answers(client, council):
    """It read "Lead tenant’s age: No"; CORE shows "Not known" (the definition's `reads_as`)."""
    record = set_up_log(client, council)
    post_as_shown(client, record, "declaration", {"declaration": "declaration"})
    post_as_shown(client, record, "lead_tenant_age", {"age1_known": "1"})
    cya = client.get(f"/logs/{record.pk}/household_characteristics/check-answers/").content.decode()
    age = re.search(r'Lead tenant’s age</dt>\s*<dd class="govuk-summary-list__value">\s*([^<]+)', cya).group(1).strip()
    assert age == "Not known"
