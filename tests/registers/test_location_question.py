"""The web form's location question (docs/registers.md): when the chosen scheme has
exactly one location active on the log's start date, the form chooses it, skips its page
and check your answers shows it as chosen for the person, without a change link (as CORE
does); with more than one, the page asks: as radios up to 19, beyond that as a GOV.UK
select that works without JavaScript (enhanced to an accessible autocomplete where it
runs). Tested with CORE's schemes."""

import re

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.organisations.models import DataSharingAgreement
from cldc.platform.records.gateway import submit
from cldc.tests.core.schemes import make_scheme
from cldc.tests.forms.test_web_form import page, set_up_log, stored

TODAY = dt.date(2026, 5, 10)


@pytest.fixture
def log(orgs, coordinator, client_for, core_service):
    DataSharingAgreement.objects.get_or_create(organisation=orgs["parent"], defaults={
        "accepted_by_name": "Their data protection officer", "accepted_on": dt.date(2026, 4, 1)})
    client = client_for("core", coordinator)
    record = set_up_log(client, orgs["parent"], record_type="core:lettings")
    with schema_context("core"):
        submit(record, {"needstype": 2, "startdate": "2026-05-04"}, "form", today=TODAY)
    return client, record


def test_a_scheme_s_only_location_is_chosen_for_them_and_its_page_skipped(log, orgs):
    client, record = log
    # One location active on 4 May 2026; the other opens in June, so it is not offered.
    scheme, (only, later) = make_scheme(orgs["parent"], locations=({}, {"name": "New Wing", "startdate": "2026-06-01"}))
    saved = page(client, stored(record), "scheme", {"scheme_id": scheme.code})
    assert saved.status_code == 302 and "/page/location/" not in saved.url
    assert stored(record).answers["location_id"] == only.code and stored(record).answers["la"] == "E09000033"
    answers = client.get(f"/logs/{record.pk}/setup/check-answers/").content.decode()
    assert "Station Road" in answers and "The scheme&#x27;s only location" in answers
    assert f"/logs/{record.pk}/page/location/" not in answers  # no change link: there is nothing else to choose


def test_a_scheme_with_two_locations_asks_which(log, orgs):
    client, record = log
    scheme, _ = make_scheme(orgs["parent"], locations=({}, {"name": "Annexe", "postcode": "SW1A 1AA"}))
    saved = page(client, stored(record), "scheme", {"scheme_id": scheme.code})
    assert saved.status_code == 302 and saved.url.endswith("/page/location/")
    assert "location_id" not in stored(record).answers


def test_changing_the_scheme_clears_a_location_the_new_scheme_does_not_have(log, orgs):
    client, record = log
    first, (kept, _) = make_scheme(orgs["parent"], locations=({}, {"name": "Annexe", "postcode": "SW1A 1AA"}))
    page(client, stored(record), "scheme", {"scheme_id": first.code})
    page(client, stored(record), "location", {"location_id": kept.code})
    # The same scheme saved again: its location stands (the near miss).
    again = page(client, stored(record), "scheme", {"scheme_id": first.code})
    assert again.status_code == 302 and stored(record).answers["location_id"] == kept.code

    other, (east, _) = make_scheme(orgs["parent"], service_name="Other House",
                           locations=({"name": "East Wing"}, {"name": "West Wing", "postcode": "SW1A 1AA"}))
    changed = page(client, stored(record), "scheme", {"scheme_id": other.code})
    assert changed.status_code == 302 and changed.url.endswith("/page/location/")  # asked again
    assert stored(record).answers["scheme_id"] == other.code and "location_id" not in stored(record).answers

    single, (only,) = make_scheme(orgs["parent"], service_name="Single House", locations=({"name": "Only Wing"},))
    page(client, stored(record), "location", {"location_id": east.code})
    page(client, stored(record), "scheme", {"scheme_id": single.code})
    assert stored(record).answers["location_id"] == only.code  # the new scheme's only location, chosen for them


def location_page(client, record, scheme):
    page(client, stored(record), "scheme", {"scheme_id": scheme.code})
    return page(client, stored(record), "location").content.decode()


@pytest.mark.parametrize("how_many, searchable", [(19, False), (20, True)])
def test_more_than_19_locations_are_a_searchable_select(log, orgs, how_many, searchable):
    client, record = log
    scheme, locations = make_scheme(orgs["parent"], locations=[{"name": f"Flat {n}"} for n in range(how_many)])
    body = location_page(client, record, scheme)
    select = re.search(r'<select class="govuk-select" id="id_location_id" name="location_id"[^>]*>(.*?)</select>',
                       body, re.S)
    assert (select is not None) is searchable
    assert ('type="radio"' in body) is not searchable
    assert ("data-cldc-autocomplete" in body and "accessible-autocomplete.min.js" in body) is searchable
    if searchable:
        assert len(re.findall(r"<option ", select.group(1))) == how_many + 1  # and "Select an option"
    chosen = page(client, stored(record), "location", {"location_id": locations[7].code})
    assert chosen.status_code == 302 and stored(record).answers["location_id"] == locations[7].code


def test_more_than_19_schemes_are_a_searchable_select_too(log, orgs):
    client, record = log
    for n in range(20):
        make_scheme(orgs["parent"], service_name=f"House {n}")
    body = page(client, stored(record), "scheme").content.decode()
    assert "data-cldc-autocomplete" in body and body.count("House ") >= 20
