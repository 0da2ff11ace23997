"""The single-log web form through real requests: set-up, pages that save as you go,
GOV.UK errors on the right field, soft checks, check your answers, two people on one
log, and other organisations' logs are 404."""

import html
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record


@pytest.fixture
def officer(make_person, orgs):
    return make_person("officer@example.com", orgs["child"])


def set_up_log(client, owner, manager=None, record_type="core:lettings"):
    response = client.post("/logs/new/", {
        "record_type": record_type, "year": "2026", "owning_organisation": owner.pk,
        "managing_organisation": (manager or owner).pk, "assigned_to": "",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))
    with schema_context("core"):
        return Record.objects.get(pk=pk)


def page(client, record, step, data=None, lock=None):
    url = f"/logs/{record.pk}/page/{step}/"
    if data is None:
        return client.get(url)
    with schema_context("core"):
        version = Record.objects.get(pk=record.pk).lock_version
    return client.post(url, {"log_wizard-current_step": step, "lock_version": lock if lock is not None else version, **data})


def stored(record):
    with schema_context("core"):
        return Record.objects.get(pk=record.pk)


def test_the_list_offers_a_new_log_and_counts(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    set_up_log(client, orgs["child"])
    page_ = client.get("/logs/").content.decode()
    assert "Create a new log" in page_ and "<strong>1</strong> log" in page_
    assert "<strong>0</strong> logs" in client.get("/logs/?status=completed").content.decode()
    assert "<strong>1</strong> log" in client.get("/logs/?year=2026&record_type=core:lettings&assigned=").content.decode()


def test_set_up_stores_the_organisations_as_columns_and_answers(client_for, officer, orgs, core_service):
    record = set_up_log(client_for("core", officer), orgs["child"])
    assert record.owning_organisation == orgs["child"] and record.created_by == officer
    assert record.answers["owning_organisation_id"] == str(orgs["child"].pk)
    assert record.version == 2026 and record.collection == "core" and record.record_type == "lettings"


def test_a_parent_coordinator_sets_up_a_log_for_its_child(client_for, make_person, orgs, core_service):
    coordinator = make_person("parent@example.com", orgs["parent"], role="data_coordinator")
    client = client_for("core", coordinator)
    assert "Child Lettings" in client.get("/logs/new/?record_type=core:lettings").content.decode()
    record = set_up_log(client, orgs["child"], manager=orgs["parent"])
    assert record.owning_organisation == orgs["child"]
    # ... and an unrelated organisation is not offered, nor accepted.
    assert "Other Housing" not in client.get("/logs/new/?record_type=core:lettings").content.decode()
    response = client.post("/logs/new/", {"record_type": "core:lettings", "year": "2026",
                                          "owning_organisation": orgs["other"].pk, "managing_organisation": orgs["parent"].pk})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()


# --- Setting up: the type of log first, then its own questions --------------------------------


def set_up_words(collection, record_type):
    """The words the latest definition of a record type asks its set-up questions in:
    {column: question text}, for the columns it asks about."""
    definition = registry.get(collection).definition(record_type, max(registry.get(collection).versions(record_type)))
    return {column: definition.variables[variable].text for column, variable in definition.record_fields.items()}


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


def test_pages_save_as_you_go_and_skip_what_does_not_apply(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    tasks = client.get(f"/logs/{record.pk}/").content.decode()
    assert "Set up this lettings log" in tasks and "Not yet started" in tasks
    response = page(client, record, "needs_type", {"needstype": "1"})
    assert response.status_code == 302 and response.url.endswith("/page/renewal/")  # scheme pages skipped
    assert stored(record).answers["needstype"] == 1
    assert page(client, record, "scheme").status_code == 302  # a page that does not apply redirects away
    response = page(client, record, "renewal", {"renewal": "0"})
    assert response.url.endswith("/page/tenancy_start_date/")


def test_bad_input_gets_govuk_errors_on_the_right_field(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    response = page(client, record, "tenancy_start_date", {"startdate_0": "31", "startdate_1": "2", "startdate_2": "2026"})
    body = response.content.decode()
    assert response.status_code == 200 and 'class="govuk-error-summary"' in body
    assert '<a href="#id_startdate">' in body and "must be a real date" in body
    response = page(client, record, "tenancy_start_date", {"startdate_0": "1", "startdate_1": "5", "startdate_2": "2031"})
    body = response.content.decode()
    # The collection-year rule refuses it, on the date, with the reference's message.
    assert "Enter a date within the 26 to 27 collection year, which is between 1st April 2026 and 31st March 2027." in body
    assert '<a href="#id_startdate">' in body and "startdate" not in stored(record).answers
    page(client, record, "needs_type", {"needstype": "1"})
    response = page(client, record, "property_number_of_bedrooms", {"beds": "three"})
    assert "must be a number" in response.content.decode()
    response = page(client, record, "property_number_of_bedrooms", {"beds": "99"})
    assert "must be between" in response.content.decode()
    assert "beds" not in stored(record).answers


def test_two_people_saving_one_page_nothing_is_overwritten(client_for, officer, make_person, orgs, core_service):
    colleague = make_person("colleague@example.com", orgs["child"])
    mine, theirs = client_for("core", officer), client_for("core", colleague)
    record = set_up_log(mine, orgs["child"])
    read_at = stored(record).lock_version
    assert page(theirs, record, "tenant_code", {"tenancycode": "THEIRS"}, lock=read_at).status_code == 302
    response = page(mine, record, "tenant_code", {"tenancycode": "MINE"}, lock=read_at)
    assert response.status_code == 200
    assert "This log has changed since you opened this page" in response.content.decode()
    assert stored(record).answers["tenancycode"] == "THEIRS"


def test_check_your_answers_shows_who_answered_and_comes_back_after_a_change(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    page(client, record, "tenant_code", {"tenancycode": "T1"})
    cya = client.get(f"/logs/{record.pk}/setup/check-answers/").content.decode()
    assert "T1" in cya and "Web form, by Officer" in cya
    change = re.search(r'href="(/logs/\d+/page/tenant_code/\?return_to=[^"]+)"', cya).group(1)
    response = client.post(change.replace("&amp;", "&"), {"log_wizard-current_step": "tenant_code",
                                                           "lock_version": stored(record).lock_version, "tenancycode": "T2",
                                                           "return_to": f"/logs/{record.pk}/setup/check-answers/"})
    assert response.url == f"/logs/{record.pk}/setup/check-answers/"
    assert stored(record).answers["tenancycode"] == "T2"


def test_other_organisations_logs_are_404(client_for, make_person, officer, orgs, core_service):
    record = set_up_log(client_for("core", officer), orgs["child"])
    stranger = client_for("core", make_person("stranger@example.com", orgs["other"]))
    for url in (f"/logs/{record.pk}/", f"/logs/{record.pk}/page/needs_type/", f"/logs/{record.pk}/setup/check-answers/",
                f"/logs/{record.pk}/soft-check/void_date_value_check/"):
        assert stranger.get(url).status_code == 404, url
    assert stranger.post(f"/logs/{record.pk}/page/needs_type/", {"needstype": "1"}).status_code == 404
    assert "<strong>0</strong> logs" in stranger.get("/logs/").content.decode()


def test_guidance_from_wagtail_shows_on_its_question_without_a_deploy(client_for, officer, orgs, core_service):
    from cldc.platform.guidance.models import QuestionGuidance

    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    assert "govuk-details" not in page(client, record, "tenant_code").content.decode()
    with schema_context("core"):
        guidance = QuestionGuidance(collection="core", record_type="lettings", question="tenancycode", versions="2026-",
                                    summary="What is a tenant code?", body="<p>The reference your housing system gives the tenancy.</p>")
        guidance.save()
        guidance.save_revision().publish()
    body = page(client, record, "tenant_code").content.decode()
    assert '<details class="govuk-details">' in body and "What is a tenant code?" in body
    assert "The reference your housing system gives the tenancy." in body


def test_a_follow_up_is_revealed_on_its_page_and_asked_for(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    body = page(client, record, "rent_type").content.decode()
    # The "other intermediate rent product" name is a conditional reveal under its answer.
    assert re.search(r'data-aria-controls="conditional-id_rent_type_\d+"', body)
    assert 'class="govuk-radios__conditional govuk-radios__conditional--hidden"' in body and 'name="irproduct_other"' in body
    response = page(client, record, "rent_type", {"rent_type": "5"})
    assert response.status_code == 200 and "Enter name of other intermediate rent product." in response.content.decode()
    assert stored(record).answers["rent_type"] == 5  # saved all the same: presence never blocks a save
    response = page(client, record, "rent_type", {"rent_type": "5", "irproduct_other": "Rent to buy"})
    assert response.status_code == 302 and stored(record).answers["irproduct_other"] == "Rent to buy"
    # Another answer clears the follow-up: it no longer applies.
    page(client, record, "rent_type", {"rent_type": "0", "irproduct_other": "Rent to buy"})
    assert "irproduct_other" not in stored(record).answers


def test_a_log_cannot_change_after_its_editing_window(client_for, officer, orgs, core_service):
    from cldc.platform.windows.models import CollectionWindow

    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    with schema_context("core"):
        CollectionWindow.objects.filter(collection="core", record_type="lettings", version=2026).update(
            opens_on="2026-04-01", submission_deadline="2026-04-02", new_logs_end="2026-04-03", editing_end="2026-04-04")
    response = page(client, record, "tenant_code", {"tenancycode": "LATE"})
    assert response.status_code == 200
    assert "You cannot change this log any more" in response.content.decode()
    assert "tenancycode" not in stored(record).answers
    # New logs for the year cannot be started either.
    response = client.post("/logs/new/", {"record_type": "core:lettings", "year": "2026",
                                          "owning_organisation": orgs["child"].pk, "managing_organisation": orgs["child"].pk})
    assert response.status_code == 200
    assert ('<a href="#id_year">You can no longer create logs for the 2026 to 2027 collection year. The deadline was '
            '2 April 2026.</a>') in response.content.decode()  # the gateway's one message, as on upload and the API
    # Each type's set-up page offers the years open for that type: sales' 2026 is still open.
    offered = r'name="year"[^>]*value="2026"'
    assert not re.search(offered, client.get("/logs/new/?record_type=core:lettings").content.decode())
    assert re.search(offered, client.get("/logs/new/?record_type=core:sales").content.decode())


def test_the_whole_log_can_be_reviewed_with_change_links_back(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    page(client, record, "tenant_code", {"tenancycode": "T9"})
    page(client, record, "joint", {"joint": "2"})
    body = client.get(f"/logs/{record.pk}/review/").content.decode()
    assert "Set up this lettings log" in body and "Tenancy information" in body
    assert "T9" in body and f'/logs/{record.pk}/page/joint/?return_to=/logs/{record.pk}/review/' in body
    assert "Review the whole log" in client.get(f"/logs/{record.pk}/").content.decode()


def test_a_tampered_or_expired_page_gets_a_clear_message_and_changes_nothing(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    record = set_up_log(client, orgs["child"])
    response = client.post(f"/logs/{record.pk}/page/tenant_code/",
                           {"log_wizard-current_step": "tenant_code", "lock_version": "forged", "tenancycode": "X"})
    assert "This page has expired" in response.content.decode()
    assert "tenancycode" not in stored(record).answers
    # A step that is not a page of this log sends the person back to the task list.
    response = client.post(f"/logs/{record.pk}/page/tenant_code/", {"log_wizard-current_step": "no_such_page",
                                                                     "lock_version": stored(record).lock_version})
    assert response.status_code == 302 and response.url == f"/logs/{record.pk}/"
    # A form without its security token (an expired session) gets the GOV.UK-style expired page.
    from django.test import Client

    strict = Client(HTTP_HOST="core.localhost", enforce_csrf_checks=True)
    strict.force_login(officer)
    response = strict.post(f"/logs/{record.pk}/page/tenant_code/", {"tenancycode": "Y"})
    assert response.status_code == 403 and "This form has expired" in response.content.decode()


def test_search_finds_logs_by_tenant_code_postcode_or_id(client_for, officer, orgs, core_service):
    client = client_for("core", officer)
    first, second = set_up_log(client, orgs["child"]), set_up_log(client, orgs["child"])
    page(client, first, "tenant_code", {"tenancycode": "ABC-123"})
    assert "<strong>1</strong> log" in client.get("/logs/?search=abc-1").content.decode()
    assert f"Log {second.pk}" in client.get(f"/logs/?search={second.pk}").content.decode()
    assert "<strong>0</strong> logs" in client.get("/logs/?search=nothing-like-it").content.decode()
