"""Web form defects seen in Chromium (the trust issue, point 6), where the defect is in
what the server sends or stores, on the platform's test collection (home visits): a
person's own refused save is not someone else's change; the 403 page says why; a divider
is never an answer; a page reads as words and offers each answer once; a larger
household asks about the new person; an answer under a choice not picked is told, not
dropped; a box left unticked is stored as every channel stores it. The browser side of
each is in tests/browser/test_web_form_defects_in_browser.py; the defects in CORE's own
content (rent ranges, local authorities, the UPRN search) are tested in
tests/core/test_core_web_form.py."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.forms.test_web_form import set_up_log, stored


@pytest.fixture
def council(make_organisation):
    return make_organisation("Defects Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("defects-officer@example.com", council)


@pytest.fixture
def client(client_for, officer, visits_service):
    return client_for("visits", officer)


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
    post_as_shown(client, record, "household_size", {"hhmemb": "1"})
    # In work is saved but an age of 200 is refused: the page comes back with the error.
    response = post_as_shown(client, record, "person_1", {"work1": "1", "age1": "200"})
    body = response.content.decode()
    assert response.status_code == 200 and "must be between 0 and 120" in body
    assert stored(record).answers["work1"] == 1 and "age1" not in stored(record).answers
    # The person corrects the age on the page they were shown and saves it.
    response = post_page(client, record, "person_1", {"work1": "1", "age1": "45"}, shown_version(body))
    assert "someone else saved it" not in response.content.decode()
    assert response.status_code == 302
    assert stored(record).answers["age1"] == 45


def test_answering_what_the_page_still_asks_saves_it_not_someone_elses_change(client, council):
    record = set_up_log(client, council)
    # Saved, but the follow-up it reveals is not answered: the page asks for it.
    response = post_as_shown(client, record, "repairs", {"repairs": "1"})
    body = response.content.decode()
    assert response.status_code == 200 and stored(record).answers["repairs"] == 1
    response = post_page(client, record, "repairs", {"repairs": "1", "repairsdetail": "Kitchen tap drips"},
                         shown_version(body))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert stored(record).answers["repairsdetail"] == "Kitchen tap drips"


def test_someone_elses_save_between_is_still_refused(client, client_for, make_person, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "household_size", {"hhmemb": "1"})
    body = post_as_shown(client, record, "person_1", {"work1": "1", "age1": "200"}).content.decode()
    colleague = client_for("visits", make_person("defects-colleague@example.com", council))
    assert post_as_shown(colleague, record, "person_1", {"work1": "1", "age1": "30"}).status_code == 302
    response = post_page(client, record, "person_1", {"work1": "1", "age1": "45"}, shown_version(body))
    assert response.status_code == 200 and "someone else saved it" in response.content.decode()
    assert stored(record).answers["age1"] == 30


def test_a_refused_save_that_changed_nothing_does_not_hide_someone_elses_change(client, client_for, make_person, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "household_size", {"hhmemb": "1"})
    post_as_shown(client, record, "person_1", {"work1": "1", "age1": "40"})
    read_at = shown_version(client.get(f"/logs/{record.pk}/page/person_1/").content.decode())
    colleague = client_for("visits", make_person("defects-colleague@example.com", council))
    assert post_as_shown(colleague, record, "person_1", {"work1": "1", "age1": "30"}).status_code == 302
    # Only a refused value: nothing saved, so nothing was checked against the colleague's save.
    body = post_page(client, record, "person_1", {"work1": "1", "age1": "200"}, read_at).content.decode()
    response = post_page(client, record, "person_1", {"work1": "1", "age1": "45"}, shown_version(body))
    assert "someone else saved it" in response.content.decode()
    assert stored(record).answers["age1"] == 30


# --- The 403 page says why ---------------------------------------------------------------------


def test_the_403_page_says_the_reason_the_view_gives(client, client_for, make_person, council):
    record = set_up_log(client, council)
    analyst = client_for("visits", make_person("defects-analyst@dept.example", staff_role="analyst"))
    response = analyst.get(f"/logs/{record.pk}/page/visit/")
    assert response.status_code == 403
    assert "You can see this visit but not change it" in response.content.decode()


def test_the_403_page_escapes_the_reason(rf, visits_service):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    request = rf.get("/")
    request.tenant = visits_service
    with schema_context("visits"):
        body = permission_denied(request, PermissionDenied("<script>alert(1)</script>")).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- A divider is never an answer ------------------------------------------------------------

# The needs checkbox has an "or" divider ([divider_a, null]) before "None of these".
NEEDS_BOXES = ["needs_mobility", "needs_mental", "needs_none"]


@pytest.fixture
def definition_and_pack():
    """The visit definition and its rule pack, as the gateway reads them."""
    from cldc.platform import registry

    visits = registry.get("visits")
    return visits.definition("visit", 2026), visits.rule_pack("visit", 2026)


def evaluation_context():
    import datetime as dt

    return {"today": dt.date(2026, 9, 1), "version": 2026, "collection_start": dt.date(2026, 4, 1),
            "collection_end": dt.date(2027, 3, 31)}


def test_the_or_divider_is_not_an_option_of_the_definition(definition_and_pack):
    definition, _ = definition_and_pack
    question = definition.variables["needs_none"]
    assert [code for code, _ in question.options] == NEEDS_BOXES
    assert all(label is not None for _, label in question.options)
    assert question.variables == NEEDS_BOXES and "divider_a" not in definition.variables


@pytest.mark.parametrize("channel", ["form", "api", "upload"])
def test_every_channel_refuses_the_divider_as_an_answer(definition_and_pack, channel):
    from cldc.platform.records.gateway import evaluate

    definition, pack = definition_and_pack
    result = evaluate(definition, pack, {}, {"divider_a": "1"}, evaluation_context(), channel, {})
    assert "divider_a" not in result.answers
    (error,) = [e for e in result.errors if e["field"] == "divider_a"]
    assert error["rule"] == "unknown_field"


def test_a_bulk_upload_row_s_box_after_the_divider_answers_the_option_after_it(definition_and_pack):
    """The divider takes no field number: the template's third needs field (11) is
    "None of these", not the divider."""
    from cldc.platform.records.gateway import evaluate
    from cldc.platform.uploads.template_rows import answers_from_field_numbers

    definition, pack = definition_and_pack
    answers, problems = answers_from_field_numbers(definition, {9: "", 10: "", 11: "1"})
    assert problems == [] and "divider_a" not in answers
    result = evaluate(definition, pack, {}, answers, evaluation_context(), "upload", {})
    assert {box: result.answers.get(box) for box in NEEDS_BOXES} == {"needs_mobility": 0, "needs_mental": 0,
                                                                     "needs_none": 1}  # 0: not ticked
    assert [e for e in result.errors if e["field"] in NEEDS_BOXES or e["field"] == "divider_a"] == []


def test_the_json_schema_does_not_list_the_divider(definition_and_pack):
    from cldc.platform.definitions.json_schema import record_schema

    definition, _ = definition_and_pack
    schema = record_schema(definition)
    listed = [name for name, prop in schema["properties"].items() if prop.get("x-question") == "needs"]
    assert listed == NEEDS_BOXES and "divider_a" not in schema["properties"]


def test_the_needs_page_shows_an_or_divider_not_a_box(client, council):
    record = set_up_log(client, council)
    body = client.get(f"/logs/{record.pk}/page/needs/").content.decode()
    assert '<div class="govuk-checkboxes__divider">or</div>' in body
    assert 'value="divider_a"' not in body and ">None<" not in body
    values = re.findall(r'name="needs" type="checkbox" value="([^"]+)"', body)
    assert values == NEEDS_BOXES
    divider = body.index("govuk-checkboxes__divider")
    assert body.index('value="needs_mental"') < divider < body.index('value="needs_none"')
    response = post_as_shown(client, record, "needs", {"needs": ["divider_a"]})
    assert response.status_code == 200 and '<a href="#id_needs">' in response.content.decode()
    assert "divider_a" not in stored(record).answers


# --- Pages and check your answers read as words ---------------------------------------------------


def title_and_h1(body):
    title = re.search(r"<title>(.*?)</title>", body, re.S).group(1).split(" – ")[0].strip()
    h1 = re.sub(r"<[^>]+>", "", re.search(r"<h1[^>]*>(.*?)</h1>", body, re.S).group(1)).strip()
    return title, h1


def test_a_page_of_several_questions_is_titled_by_what_it_asks(client, council):
    record = set_up_log(client, council)
    body = client.get(f"/logs/{record.pk}/page/visit/").content.decode()
    assert title_and_h1(body) == ("What is your reference for this visit?", "What is your reference for this visit?")
    assert body.count("<h1") == 1


def test_the_visit_mode_offers_each_answer_once_as_the_owner_s_type_offers_it(client, council):
    record = set_up_log(client, council)  # owned by a local authority: in person or by phone
    body = client.get(f"/logs/{record.pk}/page/visit_mode/").content.decode()
    labels = re.findall(r'class="govuk-label govuk-radios__label"[^>]*>([^<]+)</label>', body)
    assert len(labels) == len(set(labels)) == 2 and "By phone" in labels and "By video call" not in labels
    response = post_as_shown(client, record, "visit_mode", {})
    assert "Select how the visit was made" in response.content.decode()
    assert "You must answer" not in response.content.decode()


def test_a_larger_household_from_check_your_answers_asks_about_the_new_person(client, council):
    record = set_up_log(client, council)
    post_as_shown(client, record, "household_size", {"hhmemb": "1"})
    here = f"/logs/{record.pk}/people/check-answers/"
    body = client.get(f"/logs/{record.pk}/page/household_size/?return_to={here}").content.decode()
    response = client.post(f"/logs/{record.pk}/page/household_size/?return_to={here}", {
        "log_wizard-current_step": "household_size", "lock_version": shown_version(body), "hhmemb": "2",
        "return_to": here})
    assert response.status_code == 302
    assert re.match(rf"/logs/{record.pk}/page/person_2/\?return_to=.*&asking=", response.url), response.url
    # A change that makes nothing new apply goes straight back.
    body = client.get(f"/logs/{record.pk}/page/visit/?return_to={here}").content.decode()
    response = client.post(f"/logs/{record.pk}/page/visit/", {
        "log_wizard-current_step": "visit", "lock_version": shown_version(body), "visitref": "T1",
        "visitdate_0": "4", "visitdate_1": "5", "visitdate_2": "2026",
        "return_to": here})
    assert response.url == here


def test_every_offered_when_compiles_and_offers_options_of_its_question():
    from cldc.platform import registry
    from cldc.platform.definitions.expressions import compile_expression

    definition = registry.get("visits").definition("visit", 2026)
    offering = [question for question in definition.questions.values() if question.extra.get("offered_when")]
    assert [question.id for question in offering] == ["visitmode"]  # the loop below checks something
    for question in offering:
        for clause in question.extra["offered_when"]:
            compile_expression(clause["when"], predicates=definition.predicates)
            assert set(clause["codes"]) <= question.codes, (question.id, clause)


# --- An answer under a choice not picked is not dropped without a word -----------------------------


def test_an_answer_under_a_choice_not_picked_is_told_not_stored(client, council):
    """Without JavaScript a GOV.UK conditional reveal shows every follow-up: what needs
    repairing typed while "No" is picked is routed away by the gateway. The next page
    says so, once, in the gateway's words."""
    record = set_up_log(client, council)
    response = post_as_shown(client, record, "repairs", {"repairs": "2", "repairsdetail": "Kitchen tap drips"})
    assert response.status_code == 302 and "repairsdetail" not in stored(record).answers
    with schema_context("visits"):  # what upload and the API are told for the same answer
        notes = submit(stored(record), {"repairsdetail": "Kitchen tap drips"}, source="api", validate_only=True).notes
    (note,) = [n["message"] for n in notes if n["field"] == "repairsdetail"]
    following = client.get(response.url).content.decode()
    banner = re.search(r'<div class="govuk-notification-banner".*?</div>\s*</div>', following, re.S)
    assert banner and html.escape(note) in banner.group(0)
    assert html.escape(note) not in client.get(response.url).content.decode()  # told once
    # Under the answer picked, the follow-up is stored and there is nothing to tell.
    response = post_as_shown(client, record, "repairs", {"repairs": "1", "repairsdetail": "Kitchen tap drips"})
    assert stored(record).answers["repairsdetail"] == "Kitchen tap drips"
    assert "govuk-notification-banner" not in client.get(response.url).content.decode()


# --- A box left unticked is stored as every channel stores it ---------------------------------------


def test_boxes_left_unticked_are_stored_as_upload_and_the_api_store_them(client, council):
    """The web form stored 0 for each box left unticked beside a ticked one, where a file
    and the API leave it blank: the same answers now."""
    record = set_up_log(client, council)
    boxes = ["needs_mobility", "needs_mental", "needs_none"]
    for ticked in (["needs_mobility", "needs_mental"], ["needs_mobility"]):  # then one unticked again: no longer ticked, in every channel
        post_as_shown(client, record, "needs", {"needs": ticked})
        with schema_context("visits"):
            by_api = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                                   managing_organisation=council), {box: "1" for box in ticked}, source="api",
                            validate_only=True).record
        form = stored(record)
        assert {box: form.answers.get(box) for box in boxes} == {box: by_api.answers.get(box) for box in boxes}
        assert {box: form.derived.get(box) for box in boxes} == {box: by_api.derived.get(box) for box in boxes}
        assert {box for box in boxes if form.answers.get(box) == 1} == set(ticked)
