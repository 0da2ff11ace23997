"""The register pages with CORE's schemes and locations (docs/registers.md): a
coordinator adds a scheme and its location with check your answers, changes,
deactivates and reactivates them, and uploads them from CSV files, all or nothing;
another organisation's are 404; bad dates and another organisation's scheme are
refused with a clear message, and nothing changes."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform.registers.models import Deactivation, Entry
from cldc.tests.core.schemes import make_scheme

SCHEME_FORM = {"service_name": "Hope House", "sensitive": "0", "scheme_type": "6", "registered_under_care_act": "1",
               "arrangement_type": "D", "primary_client_group": "Q", "has_other_client_group": "1",
               "secondary_client_group": "P", "support_type": "3", "intended_stay": "M"}
LOCATION_FORM = {"postcode": "PR1 2AA", "name": "Main building", "local_authority": "E07000123", "units": "12",
                 "type_of_unit": "4", "mobility_type": "W", "startdate_0": "1", "startdate_1": "4", "startdate_2": "2024"}


@pytest.fixture
def client(client_for, coordinator, core_service):
    return client_for("core", coordinator)


def entries(**filters):
    with schema_context("core"):
        return list(Entry.objects.filter(**filters).order_by("pk"))


def test_a_coordinator_adds_a_scheme_and_its_location_checking_the_answers_first(client, orgs):
    assert client.get("/registers/scheme/add/").status_code == 200
    checked = client.post("/registers/scheme/add/", {"owner": orgs["parent"].pk, **SCHEME_FORM})
    assert checked.status_code == 302 and checked.url == "/registers/scheme/check/"
    assert entries() == []  # nothing stored until the answers are checked
    page = client.get(checked.url).content.decode()
    assert "Check your answers" in page and "Hope House" in page and "Young people leaving care" in page
    saved = client.post(checked.url)
    (scheme,) = entries(register="scheme")
    assert saved.url == f"/registers/scheme/{scheme.pk}/"
    assert scheme.owner == orgs["parent"] and scheme.complete and scheme.answers["secondary_client_group"] == "P"
    assert "has no locations yet" in client.get(saved.url).content.decode()

    added = client.post(f"/registers/location/add/?parent={scheme.pk}", {"parent": scheme.pk, **LOCATION_FORM})
    assert added.status_code == 302, added.content.decode()[:3000]
    assert "Preston" in client.get(added.url).content.decode()
    client.post(added.url)
    (location,) = entries(register="location")
    assert location.parent_id == scheme.pk and location.owner == orgs["parent"]
    assert location.available_from == dt.date(2024, 4, 1)
    listed = client.get("/registers/scheme/").content.decode()
    assert f"S{scheme.pk}" in listed and "Active" in listed


def test_a_field_left_blank_or_not_an_option_is_asked_again_and_nothing_is_stored(client, orgs):
    response = client.post("/registers/scheme/add/", {"owner": orgs["parent"].pk,
                                                      **{**SCHEME_FORM, "scheme_type": "", "secondary_client_group": ""}})
    body = response.content.decode()
    assert response.status_code == 200 and "Select the type of scheme" in body
    assert "Select the secondary client group" in body  # asked, as another client group was said
    assert entries() == []


def test_another_organisation_s_scheme_is_404_and_none_of_its_locations_can_be_added(client, orgs):
    theirs, _ = make_scheme(orgs["other"], service_name="Elsewhere House")
    assert client.get(f"/registers/scheme/{theirs.pk}/").status_code == 404
    assert client.get(f"/registers/location/add/?parent={theirs.pk}").status_code == 404
    assert client.post(f"/registers/location/add/?parent={theirs.pk}", LOCATION_FORM).status_code == 404
    assert client.get(f"/registers/scheme/{theirs.pk}/deactivate/").status_code == 404
    make_scheme(orgs["parent"], service_name="Our Own House")
    listed = client.get("/registers/scheme/").content.decode()
    assert "Our Own House" in listed and "Elsewhere House" not in listed
    assert len(entries(parent=theirs)) == 1


def test_a_data_provider_reads_the_schemes_and_changes_nothing(client_for, make_person, orgs, core_service):
    ours, _ = make_scheme(orgs["parent"])
    provider = client_for("core", make_person("provider@parent.example", orgs["parent"]))
    assert "Hope House" in provider.get(f"/registers/scheme/{ours.pk}/").content.decode()
    assert provider.get("/registers/scheme/add/").status_code == 403
    assert provider.post(f"/registers/scheme/{ours.pk}/deactivate/", {}).status_code == 403


def test_deactivating_asks_to_confirm_and_refuses_a_period_that_overlaps_or_ends_before_it_starts(client, orgs):
    scheme, _ = make_scheme(orgs["parent"])
    url = f"/registers/scheme/{scheme.pk}/deactivate/"
    backwards = client.post(url, {"deactivated_on_0": "1", "deactivated_on_1": "6", "deactivated_on_2": "2026",
                                  "reactivated_on_0": "1", "reactivated_on_1": "5", "reactivated_on_2": "2026"})
    assert "The reactivation date must be after the deactivation date" in backwards.content.decode()
    dates = {"deactivated_on_0": "1", "deactivated_on_1": "6", "deactivated_on_2": "2026"}
    confirm = client.post(url, dates).content.decode()
    assert "check your answers" in confirm and "1 June 2026" in confirm
    with schema_context("core"):
        assert not Deactivation.objects.exists()  # not until confirmed
    assert client.post(url, {**dates, "confirm": "yes"}).status_code == 302
    overlapping = client.post(url, {"deactivated_on_0": "1", "deactivated_on_1": "9", "deactivated_on_2": "2026",
                                    "confirm": "yes"}).content.decode()
    assert "already deactivated for part of that time" in overlapping
    reactivate = f"/registers/scheme/{scheme.pk}/reactivate/"
    early = client.post(reactivate, {"reactivated_on_0": "1", "reactivated_on_1": "5", "reactivated_on_2": "2026",
                                     "confirm": "yes"}).content.decode()
    assert "The reactivation date must be after the day it was deactivated, 1 June 2026" in early
    assert client.post(reactivate, {"reactivated_on_0": "1", "reactivated_on_1": "8", "reactivated_on_2": "2026",
                                    "confirm": "yes"}).status_code == 302
    with schema_context("core"):
        assert [(d.deactivated_on, d.reactivated_on) for d in Deactivation.objects.all()] == [
            (dt.date(2026, 6, 1), dt.date(2026, 8, 1))]


def csv_file(text):
    return SimpleUploadedFile("entries.csv", text.encode(), content_type="text/csv")


SCHEMES_CSV = ("owner,manager,service_name,sensitive,scheme_type,registered_under_care_act,arrangement_type,"
               "primary_client_group,has_other_client_group,secondary_client_group,support_type,intended_stay\n"
               "{owner},,Upload House,0,6,1,D,Q,0,,3,M\n{owner},,Second House,1,4,1,V,P,1,Q,4,S\n")
LOCATIONS_CSV = ("scheme,postcode,name,local_authority,units,type_of_unit,mobility_type,startdate\n"
                 "{first},PR1 2AA,Main,E07000123,4,4,N,2024-04-01\n{second},PR1 3BB,Annexe,E07000123,2,1,W,1/4/2025\n")


def test_schemes_and_then_their_locations_are_uploaded(client, orgs):
    response = client.post("/registers/scheme/upload/", {"file": csv_file(SCHEMES_CSV.format(
        owner=orgs["parent"].regulator_number))})
    assert response.status_code == 302, response.content.decode()[:3000]
    first, second = entries(register="scheme")
    assert second.answers["secondary_client_group"] == "Q" and first.owner == orgs["parent"]
    response = client.post("/registers/location/upload/", {"file": csv_file(LOCATIONS_CSV.format(
        first=first.code, second=second.pk))})
    assert response.status_code == 302, response.content.decode()[:3000]
    assert [(e.parent_id, e.available_from) for e in entries(register="location")] == [
        (first.pk, dt.date(2024, 4, 1)), (second.pk, dt.date(2025, 4, 1))]


def test_a_file_with_a_location_in_another_organisation_s_scheme_adds_nothing(client, orgs):
    ours, _ = make_scheme(orgs["parent"], locations=())
    theirs, _ = make_scheme(orgs["other"], service_name="Elsewhere House", locations=())
    response = client.post("/registers/location/upload/", {"file": csv_file(
        LOCATIONS_CSV.format(first=ours.code, second=theirs.code).replace(",2,1,W,", ",none,1,W,"))})
    body = response.content.decode()
    assert response.status_code == 200 and "nothing was added" in body
    problems = re.findall(r'<tr class="govuk-table__row"><td class="govuk-table__cell">(\d+)</td>'
                          r'<td class="govuk-table__cell">(\w+)</td>', body)
    assert problems == [("3", "scheme"), ("3", "units")]
    assert "Enter the code of a scheme of your organisations, like S12" in body
    assert entries(register="location") == []  # the good row too: all or nothing


def test_an_owner_the_uploader_does_not_act_for_is_refused(client, orgs):
    body = client.post("/registers/scheme/upload/", {"file": csv_file(SCHEMES_CSV.format(
        owner=orgs["other"].regulator_number))}).content.decode()
    assert "Enter an organisation you act for" in body and entries() == []


def test_change_from_check_your_answers_keeps_what_was_entered(client, orgs):
    client.post("/registers/scheme/add/", {"owner": orgs["parent"].pk, **SCHEME_FORM, "service_name": "First name"})
    page = client.get("/registers/scheme/check/").content.decode()
    change = re.search(r'href="([^"]+)">Change', page).group(1).replace("&amp;", "&")
    assert change == "/registers/scheme/add/?from=check"
    assert 'value="First name"' in client.get(change).content.decode()
