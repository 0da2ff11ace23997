"""CORE's local authorities as reference data (reference/local_authority_2026.csv): every
authority a log may name, abolished ones included, with the dates each existed; the
la_active_on_* rules refuse one that did not exist on the log's date, by name, in the
web form and the API (the rule cases, collections/core/rule_cases/, run them on the
upload channel); and, when the postcode look-up is on, the postcode fills the local
authority question, which the person may change."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.collections.core.functions.reference_tables import english_la_not_active_on, local_authorities
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.tests.core.test_core_api import api, create, fresh_rate_limits  # noqa: F401 (fixtures)
from cldc.tests.core.test_core_web_form import client, council  # noqa: F401 (fixtures)
from cldc.tests.forms.test_web_form import set_up_log, stored
from cldc.tests.forms.test_web_form_defects import post_as_shown
from cldc.tests.places.conftest import replay_server  # noqa: F401 (a fixture: the recorded look-up responses)

ALLERDALE_GONE = ("Allerdale does not exist on the tenancy start date, due to a change in local authority names and "
                  "boundaries. Please enter the local authority name in use on the tenancy start date")


def test_the_list_holds_abolished_authorities_with_the_dates_they_existed():
    authorities = local_authorities(2026)
    allerdale, cumberland = authorities["E07000026"], authorities["E06000063"]
    assert (allerdale.name, allerdale.active_to) == ("Allerdale", dt.date(2023, 3, 31))
    assert (cumberland.active_from, cumberland.active_to) == (dt.date(2023, 4, 1), None)
    # Barnsley changed its code on 1 April 2025: both codes, one name.
    assert (authorities["E08000016"].active_to, authorities["E08000038"].active_from) == (
        dt.date(2025, 3, 31), dt.date(2025, 4, 1))
    assert all(a.active_to is None or a.active_from <= a.active_to for a in authorities.values())


@pytest.mark.parametrize("la, day, named", [
    ("E07000026", dt.date(2023, 3, 31), None),            # Allerdale's last day
    ("E07000026", dt.date(2023, 4, 1), "Allerdale"),      # the day after
    ("E06000063", dt.date(2023, 3, 31), "Cumberland"),    # the day before Cumberland
    ("E06000063", dt.date(2023, 4, 1), None),
    ("W06000015", dt.date(2026, 5, 1), None),             # Cardiff: outside England, la_in_england's
    ("E99999999", dt.date(2026, 5, 1), None),             # not a local authority: the answer's codes refuse it
])
def test_an_english_authority_is_refused_outside_its_dates_only(la, day, named):
    assert english_la_not_active_on(la, day) == named


def test_the_la_question_offers_an_abolished_authority_saying_until_when():
    (la,) = [q for q in registry.get("core").definition("lettings", 2026).questions.values() if q.id == "la"]
    labels = dict(la.options)
    assert labels["E07000026"] == "Allerdale (until 31 March 2023)"
    assert labels["E06000063"] == "Cumberland"


def test_the_web_form_offers_only_authorities_that_exist_on_the_tenancy_start_date(client, council):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    before_the_date = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert 'value="E07000026"' not in before_the_date  # Allerdale: gone before the collection year began
    post_as_shown(client, record, "tenancy_start_date",
                  {"startdate_0": "1", "startdate_1": "5", "startdate_2": "2026"})
    assert stored(record).answers["startdate"] == "2026-05-01"
    body = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert 'value="E07000026"' not in body and 'value="E08000016"' not in body  # Barnsley's code before 2025
    assert '<option value="E06000063">Cumberland</option>' in body
    assert '<option value="E08000038">Barnsley</option>' in body
    response = post_as_shown(client, record, "property_local_authority", {"la": "E06000063"})
    assert response.status_code == 302 and stored(record).answers["la"] == "E06000063"


def test_a_log_holding_an_abolished_authority_shows_it_by_name_and_is_refused_by_name(client, council):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    post_as_shown(client, record, "tenancy_start_date",
                  {"startdate_0": "1", "startdate_1": "5", "startdate_2": "2026"})
    Record.objects.filter(pk=record.pk).update(answers={**stored(record).answers, "la": "E07000026"})  # kept from before
    body = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert '<option value="E07000026" selected>Allerdale (until 31 March 2023)</option>' in body
    response = post_as_shown(client, record, "property_local_authority", {"la": "E07000026"})
    assert response.status_code == 200 and ALLERDALE_GONE in response.content.decode()


def test_the_api_refuses_an_authority_abolished_before_the_tenancy_by_name(api, orgs):  # noqa: F811
    response = create(api, orgs["parent"], {"tenancycode": "T-1", "startdate": "2026-05-04", "needstype": 1,
                                           "la": "E07000026"})
    assert response.status_code == 422
    errors = {(e["field"], e["rule"], e["message"]) for e in response.json()["errors"]}
    assert ("la", "la_active_on_startdate", ALLERDALE_GONE) in errors
    with schema_context("core"):
        assert not Record.objects.exists()
    assert create(api, orgs["parent"], {"tenancycode": "T-1", "startdate": "2026-05-04", "needstype": 1,
                                        "la": "E06000063"}).status_code == 201


# --- The postcode fills the local authority when the look-up is on (docs/places.md) ---------------


@pytest.fixture
def postcode_lookup(settings, replay_server):
    settings.CLDC_POSTCODE_LOOKUP_URL = f"http://127.0.0.1:{replay_server.server_address[1]}"
    settings.CLDC_PLACES_TIMEOUT_SECONDS = 0.3
    return replay_server


ADDRESS = {"address_line1": "10 Downing Street", "town_or_city": "London"}


def test_a_postcode_fills_the_local_authority_shown_as_such_and_changeable(client, council, postcode_lookup):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    response = post_as_shown(client, record, "address", {**ADDRESS, "postcode_full": "SW1A 2AA"})
    assert response.status_code == 302 and stored(record).answers["la"] == "E09000033"
    following = client.get(response.url).content.decode()
    assert "Westminster was filled in as the local authority from the postcode. You can change it." in following
    body = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert '<option value="E09000033" selected>Westminster</option>' in body
    # Changed by the person, it stays changed when the address page is saved again unchanged.
    post_as_shown(client, record, "property_local_authority", {"la": "E09000032"})
    post_as_shown(client, record, "address", {**ADDRESS, "postcode_full": "SW1A 2AA"})
    assert stored(record).answers["la"] == "E09000032"


def test_a_postcode_the_lookup_cannot_place_leaves_the_choice_to_the_person(client, council, postcode_lookup):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    response = post_as_shown(client, record, "address", {**ADDRESS, "postcode_full": "EH1 1AA"})  # the server fails
    assert response.status_code == 302 and "la" not in stored(record).answers
    assert stored(record).answers["postcode_full"] == "EH1 1AA"
    assert "The postcode look-up is not available at the moment. Choose the local authority." in (
        client.get(response.url).content.decode())


def test_with_the_lookup_off_the_form_works_as_without_it(client, council, settings, replay_server):  # noqa: F811
    settings.CLDC_POSTCODE_LOOKUP_URL = ""
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    response = post_as_shown(client, record, "address", {**ADDRESS, "postcode_full": "SW1A 2AA"})
    assert response.status_code == 302 and "la" not in stored(record).answers
    assert "look-up" not in client.get(response.url).content.decode() and replay_server.seen == []


# --- The API and bulk upload fill it too, and say on it why not (docs/places.md) -------------------


def test_the_api_fills_the_local_authority_from_the_postcode(api, orgs, postcode_lookup):  # noqa: F811
    response = create(api, orgs["parent"], {"tenancycode": "T-1", "startdate": "2026-05-04", "needstype": 1,
                                           "postcode_full": "SW1A 2AA"})
    assert response.status_code == 201, response.json()
    with schema_context("core"):
        assert Record.objects.get().answers["la"] == "E09000033"
    # Given with the postcode, the local authority stands.
    response = create(api, orgs["parent"], {"tenancycode": "T-2", "startdate": "2026-05-04", "needstype": 1,
                                           "postcode_full": "SW1A 2AA", "la": "E08000035"})
    assert response.status_code == 201, response.json()
    with schema_context("core"):
        assert Record.objects.get(answers__tenancycode="T-2").answers["la"] == "E08000035"


@pytest.mark.parametrize("lookup_on, postcode, message", [
    (True, "ZZ1 1ZZ", "We could not find the postcode ZZ1 1ZZ, so the local authority was not filled in from it. "
                      "Check the postcode, or give the local authority."),
    (True, "EH1 1AA", "The postcode look-up is not available, so the local authority was not filled in from the "
                      "postcode EH1 1AA. Give the local authority."),  # the look-up fails
    (False, "SW1A 2AA", "The postcode look-up is not available, so the local authority was not filled in from the "
                        "postcode SW1A 2AA. Give the local authority."),  # no look-up set up
])
def test_the_api_says_on_the_local_authority_why_it_was_not_filled(api, orgs, settings, postcode_lookup,  # noqa: F811
                                                                  lookup_on, postcode, message):
    if not lookup_on:
        settings.CLDC_POSTCODE_LOOKUP_URL = ""
    response = create(api, orgs["parent"], {"tenancycode": "T-1", "startdate": "2026-05-04", "needstype": 1,
                                           "postcode_full": postcode})
    assert response.status_code == 201
    assert {"field": "la", "rule": "local_authority_from_postcode", "message": message, "severity": "warning"} in [
        {k: w.get(k) for k in ("field", "rule", "message", "severity")} for w in response.json()["warnings"]]
    with schema_context("core"):
        assert "la" not in Record.objects.get().answers


@pytest.fixture
def uploader(client_for, make_person, council):  # noqa: F811
    return client_for("core", make_person("la-uploader@example.com", council, role="data_coordinator"))


def test_an_upload_fills_each_row_s_local_authority_a_hundred_postcodes_a_look_up(
        uploader, council, official_template_csv, postcode_lookup, eager_celery):  # noqa: F811
    import csv
    import io

    from cldc.tests.uploads.test_upload_fixes import post_file, upload_of

    definition = registry.get("core").definition("lettings", 2026)
    lines = list(csv.reader(io.StringIO(official_template_csv("lettings", council, rows=150).decode())))
    column = {int(n): i for i, n in enumerate(lines[-151]) if n.strip().isdigit()}

    def cells(variable):
        return [column[number] for number in definition.variables[variable].bulk_upload["fields"]]

    for n, row in enumerate(lines[-150:]):
        (tenancycode,), (la,), (outward, inward) = cells("tenancycode"), cells("la"), cells("postcode_full")
        row[tenancycode], row[la] = f"LA-{n}", ""
        row[outward], row[inward] = ("ZZ1", "1ZZ") if n == 149 else (f"SW1{'AB'[n // 100]}", f"{n % 10}A{'ABCDEFGHIJ'[n // 10 % 10]}")
    text = io.StringIO()
    csv.writer(text).writerows(lines)
    with schema_context("core"):
        upload = upload_of(post_file(uploader, council, text.getvalue().encode(), record_type="core:lettings",
                                     on_errors="create_valid"))
        upload.refresh_from_db()
        bulk = [seen for seen in postcode_lookup.seen if seen["path"] == "/postcodes"]
        assert [len(seen["postcodes"]) for seen in bulk] == [100, 50]
        (issue,) = upload.issues.filter(rule="local_authority_from_postcode")
        assert (issue.field, issue.message) == ("la", "We could not find the postcode ZZ1 1ZZ, so the local authority "
                                                      "was not filled in from it. Check the postcode, or give the local authority.")
        assert {r.answers.get("la") for r in Record.objects.exclude(answers__tenancycode="LA-149")} == {"E09000033"}


def test_a_supported_housing_log_is_not_told_to_give_the_local_authority_its_location_gave(
        api, orgs, settings, postcode_lookup):  # noqa: F811
    from cldc.platform.organisations.models import DataSharingAgreement
    from cldc.tests.core.schemes import make_scheme

    settings.CLDC_POSTCODE_LOOKUP_URL = ""  # no look-up: the location still answers the local authority
    DataSharingAgreement.objects.get_or_create(organisation=orgs["parent"], defaults={
        "accepted_by_name": "Their data protection officer", "accepted_on": dt.date(2026, 4, 1)})
    scheme, (location,) = make_scheme(orgs["parent"])
    response = create(api, orgs["parent"], {"tenancycode": "T-1", "startdate": "2026-05-04", "needstype": 2,
                                           "scheme_id": scheme.code, "location_id": str(location.pk),
                                           "postcode_full": "SW1A 2AA"})
    assert response.status_code == 201, response.json()
    assert response.json()["answers"]["la"] == "E09000033"
    assert "local_authority_from_postcode" not in [w["rule"] for w in response.json()["warnings"]]
