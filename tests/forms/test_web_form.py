"""The single-record web form through real requests, on the platform's test collection
(home visits): set-up, pages that save as you go, GOV.UK errors on the right field,
soft checks, check your answers, two people on one record, and other organisations'
records are 404. CORE's two-step set-up (a type of log first) is tested in
tests/core/test_core_web_form.py."""

import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record


@pytest.fixture
def officer(make_person, orgs):
    return make_person("officer@example.com", orgs["child"])


def set_up_log(client, owner, manager=None, record_type="visits:visit"):
    """A new record through the set-up page, in the service of the record type's
    collection (each test service is named after its one collection: tests/conftest.py)."""
    response = client.post("/logs/new/", {
        "record_type": record_type, "year": "2026", "owning_organisation": owner.pk,
        "managing_organisation": (manager or owner).pk, "assigned_to": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))
    with schema_context(record_type.split(":")[0]):
        return Record.objects.get(pk=pk)


def stored(record):
    with schema_context(record.collection):
        return Record.objects.get(pk=record.pk)


# The visit page asks its date with the reference: a post of both is a whole page.
VISIT_DAY = {"visitdate_0": "4", "visitdate_1": "5", "visitdate_2": "2026"}


def page(client, record, step, data=None, lock=None):
    url = f"/logs/{record.pk}/page/{step}/"
    if data is None:
        return client.get(url)
    version = stored(record).lock_version
    return client.post(url, {"log_wizard-current_step": step, "lock_version": lock if lock is not None else version, **data})


def test_the_list_offers_a_new_log_and_counts(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    set_up_log(client, orgs["child"])
    page_ = client.get("/logs/").content.decode()
    assert "Create a new visit" in page_ and "<strong>1</strong> visit" in page_
    assert "<strong>0</strong> visits" in client.get("/logs/?status=completed").content.decode()
    assert "<strong>1</strong> visit" in client.get("/logs/?year=2026&record_type=visits:visit&assigned=").content.decode()


def test_set_up_stores_the_organisations_as_columns_and_answers(client_for, officer, orgs, visits_service):
    record = set_up_log(client_for("visits", officer), orgs["child"])
    assert record.owning_organisation == orgs["child"] and record.created_by == officer
    assert record.answers["owning_organisation_id"] == str(orgs["child"].pk)
    assert record.version == 2026 and record.collection == "visits" and record.record_type == "visit"


def test_a_parent_coordinator_sets_up_a_log_for_its_child(client_for, make_person, orgs, visits_service):
    coordinator = make_person("parent@example.com", orgs["parent"], role="data_coordinator")
    client = client_for("visits", coordinator)
    assert "Child Lettings" in client.get("/logs/new/").content.decode()
    record = set_up_log(client, orgs["child"], manager=orgs["parent"])
    assert record.owning_organisation == orgs["child"]
    # ... and an unrelated organisation is not offered, nor accepted.
    assert "Other Housing" not in client.get("/logs/new/").content.decode()
    response = client.post("/logs/new/", {"record_type": "visits:visit", "year": "2026",
                                          "owning_organisation": orgs["other"].pk, "managing_organisation": orgs["parent"].pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# --- Setting up: a service with one type of record asks its questions at once --------------------


def set_up_words(collection, record_type):
    """The words the latest definition of a record type asks its set-up questions in:
    {column: question text}, for the columns it asks about."""
    definition = registry.get(collection).definition(record_type, max(registry.get(collection).versions(record_type)))
    return {column: definition.variables[variable].text for column, variable in definition.record_fields.items()}


def test_a_service_with_one_type_of_log_sets_it_up_on_one_page(client_for, make_organisation, make_person):
    council = make_organisation("One Page Council", type="local_authority")
    client = client_for("hclic", make_person("one-page@example.com", council))
    body = client.get("/logs/new/").content.decode()
    assert "What type of case is this?" not in body and 'name="year"' in body
    assert set_up_words("hclic", "case") == {}  # H-CLIC's definition asks none of them: the page's own words
    assert "Which organisation owns this case?" in body and "Who is this case assigned to?" in body  # its noun
    response = client.post("/logs/new/", {"year": re.search(r'name="year"[^>]*value="(\d+)"', body).group(1),
                                          "owning_organisation": council.pk, "managing_organisation": council.pk})
    assert response.status_code == 302 and re.search(r"/logs/\d+/$", response.url)


def test_a_definition_without_a_managing_organisation_is_not_asked_one(client_for, make_organisation, make_person,
                                                                    caplog):
    """Its records are managed by their owner, as the API makes them."""
    council = make_organisation("Owner Managed Council", type="local_authority")
    client = client_for("visits", make_person("owner-managed@example.com", council))
    with caplog.at_level("WARNING"):
        body = client.get("/logs/new/").content.decode()
    assert "Which organisation made this visit?" in body and "manages" not in body
    assert "managing_organisation" not in caplog.text  # nor laid out without it
    record = set_up_log(client, council)
    assert record.managing_organisation == record.owning_organisation == council


def test_pages_save_as_you_go_and_skip_what_does_not_apply(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    tasks = client.get(f"/logs/{record.pk}/").content.decode()
    assert "Visit details" in tasks and "Not yet started" in tasks
    response = page(client, record, "household_size", {"hhmemb": "1"})
    assert response.status_code == 302 and response.url.endswith("/page/person_1/")
    assert stored(record).answers["hhmemb"] == 1
    assert page(client, record, "person_2").status_code == 302  # a page that does not apply redirects away
    response = page(client, record, "person_1", {"age1": "42", "work1": "1"})
    assert response.url.endswith("/people/check-answers/")  # persons 2 to 4 skipped: the task's answers next


def test_bad_input_gets_govuk_errors_on_the_right_field(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    response = page(client, record, "visit", {"visitdate_0": "31", "visitdate_1": "2", "visitdate_2": "2026"})
    body = response.content.decode()
    assert response.status_code == 200 and 'class="govuk-error-summary"' in body
    assert '<a href="#id_visitdate">' in body and "must be a real date" in body
    response = page(client, record, "visit", {"visitdate_0": "1", "visitdate_1": "5", "visitdate_2": "2031"})
    body = response.content.decode()
    # The collection-year rule refuses it, on the date, with the rule's message.
    assert "The date of the visit must be in the collection year." in body
    assert '<a href="#id_visitdate">' in body and "visitdate" not in stored(record).answers
    response = page(client, record, "household_size", {"hhmemb": "three"})
    assert "must be a number" in response.content.decode()
    response = page(client, record, "household_size", {"hhmemb": "99"})
    assert "must be between" in response.content.decode()
    assert "hhmemb" not in stored(record).answers


def test_two_people_saving_one_page_nothing_is_overwritten(client_for, officer, make_person, orgs, visits_service):
    colleague = make_person("colleague@example.com", orgs["child"])
    mine, theirs = client_for("visits", officer), client_for("visits", colleague)
    record = set_up_log(mine, orgs["child"])
    read_at = stored(record).lock_version
    assert page(theirs, record, "visit", {"visitref": "THEIRS", **VISIT_DAY}, lock=read_at).status_code == 302
    response = page(mine, record, "visit", {"visitref": "MINE", **VISIT_DAY}, lock=read_at)
    assert response.status_code == 200
    assert "This visit has changed since you opened this page" in response.content.decode()
    assert stored(record).answers["visitref"] == "THEIRS"


def test_check_your_answers_shows_who_answered_and_comes_back_after_a_change(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    page(client, record, "visit", {"visitref": "T1", **VISIT_DAY})
    cya = client.get(f"/logs/{record.pk}/visit_details/check-answers/").content.decode()
    assert "T1" in cya and "Web form, by Officer" in cya
    change = re.search(r'href="(/logs/\d+/page/visit/\?return_to=[^"]+)"', cya).group(1)
    response = client.post(change.replace("&amp;", "&"), {"log_wizard-current_step": "visit",
                                                           "lock_version": stored(record).lock_version, "visitref": "T2",
                                                           **VISIT_DAY,
                                                           "return_to": f"/logs/{record.pk}/visit_details/check-answers/"})
    assert response.url == f"/logs/{record.pk}/visit_details/check-answers/"
    assert stored(record).answers["visitref"] == "T2"


def test_other_organisations_logs_are_404(client_for, make_person, officer, orgs, visits_service):
    record = set_up_log(client_for("visits", officer), orgs["child"])
    stranger = client_for("visits", make_person("stranger@example.com", orgs["other"]))
    for url in (f"/logs/{record.pk}/", f"/logs/{record.pk}/page/repairs/", f"/logs/{record.pk}/visit_details/check-answers/",
                f"/logs/{record.pk}/soft-check/older_person_in_work_1/"):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/logs/{record.pk}/page/repairs/", {"repairs": "2"}).status_code == 404
    assert "<strong>0</strong> visits" in stranger.get("/logs/").content.decode()


def test_guidance_from_wagtail_shows_on_its_question_without_a_deploy(client_for, officer, orgs, visits_service):
    from cldc.platform.guidance.models import QuestionGuidance

    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    assert "govuk-details" not in page(client, record, "visit").content.decode()
    with schema_context("visits"):
        guidance = QuestionGuidance(collection="visits", record_type="visit", question="visitref", versions="2026-",
                                    summary="What is a visit reference?", body="<p>The reference your housing system gives the visit.</p>")
        guidance.save()
        guidance.save_revision().publish()
    body = page(client, record, "visit").content.decode()
    assert '<details class="govuk-details">' in body and "What is a visit reference?" in body
    assert "The reference your housing system gives the visit." in body


def test_a_follow_up_is_revealed_on_its_page_and_asked_for(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    body = page(client, record, "repairs").content.decode()
    # What needs repairing is a conditional reveal under its answer.
    assert re.search(r'data-aria-controls="conditional-id_repairs_\d+"', body)
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden"' in body and 'name="repairsdetail"' in body
    response = page(client, record, "repairs", {"repairs": "1"})
    assert response.status_code == 200 and "Enter what needs repairing" in response.content.decode()
    assert stored(record).answers["repairs"] == 1  # saved all the same: presence never blocks a save
    response = page(client, record, "repairs", {"repairs": "1", "repairsdetail": "Kitchen tap drips"})
    assert response.status_code == 302 and stored(record).answers["repairsdetail"] == "Kitchen tap drips"
    # Another answer clears the follow-up: it no longer applies.
    page(client, record, "repairs", {"repairs": "2", "repairsdetail": "Kitchen tap drips"})
    assert "repairsdetail" not in stored(record).answers


def test_a_log_cannot_change_after_its_editing_window(client_for, officer, orgs, visits_service):
    from cldc.platform.windows.models import CollectionWindow

    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    with schema_context("visits"):
        CollectionWindow.objects.filter(collection="visits", record_type="visit", version=2026).update(
            opens_on="2026-04-01", submission_deadline="2026-04-02", new_logs_end="2026-04-03", editing_end="2026-04-04")
    response = page(client, record, "visit", {"visitref": "LATE", **VISIT_DAY})
    assert response.status_code == 200
    assert "You cannot change this visit any more" in response.content.decode()
    assert "visitref" not in stored(record).answers
    # New records for the year cannot be started either.
    response = client.post("/logs/new/", {"record_type": "visits:visit", "year": "2026",
                                          "owning_organisation": orgs["child"].pk, "managing_organisation": orgs["child"].pk})
    assert response.status_code == 200
    assert ('<a href="#id_year">You can no longer create visits for the 2026 to 2027 collection year. The deadline was '
            '2 April 2026.</a>') in response.content.decode()  # the gateway's one message, as on upload and the API
    # The set-up page offers only the years open: 2026 no longer.
    assert not re.search(r'name="year"[^>]*value="2026"', client.get("/logs/new/").content.decode())


def test_the_whole_log_can_be_reviewed_with_change_links_back(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    page(client, record, "visit", {"visitref": "T9", **VISIT_DAY})
    page(client, record, "household_size", {"hhmemb": "2"})
    body = client.get(f"/logs/{record.pk}/review/").content.decode()
    assert "Visit details" in body and "People in the household" in body
    assert "T9" in body and f'/logs/{record.pk}/page/household_size/?return_to=/logs/{record.pk}/review/' in body
    assert "Review the whole visit" in client.get(f"/logs/{record.pk}/").content.decode()


def test_a_tampered_or_expired_page_gets_a_clear_message_and_changes_nothing(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    record = set_up_log(client, orgs["child"])
    response = client.post(f"/logs/{record.pk}/page/visit/",
                           {"log_wizard-current_step": "visit", "lock_version": "forged", "visitref": "X", **VISIT_DAY})
    assert "This page has expired" in response.content.decode()
    assert "visitref" not in stored(record).answers
    # A step that is not a page of this record sends the person back to the task list.
    response = client.post(f"/logs/{record.pk}/page/visit/", {"log_wizard-current_step": "no_such_page",
                                                               "lock_version": stored(record).lock_version})
    assert response.status_code == 302 and response.url == f"/logs/{record.pk}/"
    # A form without its security token (an expired session) gets the GOV.UK-style expired page.
    from django.test import Client

    strict = Client(HTTP_HOST="visits.localhost", enforce_csrf_checks=True)
    strict.force_login(officer)
    response = strict.post(f"/logs/{record.pk}/page/visit/", {"visitref": "Y"})
    assert response.status_code == 403 and "This form has expired" in response.content.decode()


def test_search_finds_logs_by_their_reference_or_id(client_for, officer, orgs, visits_service):
    client = client_for("visits", officer)
    first, second = set_up_log(client, orgs["child"]), set_up_log(client, orgs["child"])
    page(client, first, "visit", {"visitref": "ABC-123", **VISIT_DAY})
    assert "<strong>1</strong> visit" in client.get("/logs/?search=abc-1").content.decode()
    assert f"Visit {second.pk}" in client.get(f"/logs/?search={second.pk}").content.decode()
    assert "<strong>0</strong> visits" in client.get("/logs/?search=nothing-like-it").content.decode()
