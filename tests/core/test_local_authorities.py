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


def test_the_web_form_refuses_an_authority_abolished_before_the_tenancy_by_name(client, council):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    post_as_shown(client, record, "tenancy_start_date",
                  {"startdate_0": "1", "startdate_1": "5", "startdate_2": "2026"})
    assert stored(record).answers["startdate"] == "2026-05-01"
    body = client.get(f"/logs/{record.pk}/page/property_local_authority/").content.decode()
    assert '<option value="E07000026">Allerdale (until 31 March 2023)</option>' in body
    response = post_as_shown(client, record, "property_local_authority", {"la": "E07000026"})
    assert response.status_code == 200 and ALLERDALE_GONE in response.content.decode()
    assert "la" not in stored(record).answers
    response = post_as_shown(client, record, "property_local_authority", {"la": "E06000063"})
    assert response.status_code == 302 and stored(record).answers["la"] == "E06000063"


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
