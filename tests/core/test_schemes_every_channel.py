"""CORE's supported-housing logs choose a scheme and a location the service holds
(docs/registers.md): the web form offers those the log's organisations may use on its
start date; the API and bulk upload name them by code; the location fills the log's
local authority; and the scheme rules (rules/lettings/schemes.yaml) run alike in every
channel, through the gateway, with the entries the service holds."""

import datetime as dt

import pytest
import yaml
from django.core.cache import cache
from django_tenants.utils import schema_context

from cldc.platform.organisations.models import DataSharingAgreement
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform import registry
from cldc.platform.registers.context import entries_for, pinned
from cldc.platform.uploads.judging import judge
from cldc.tests.api.api_helpers import problem_of
from cldc.tests.core.schemes import make_scheme
from cldc.tests.core.test_core_api import core_api, create
from cldc.tests.forms.test_web_form import page, set_up_log, stored

NOT_THEIRS = "This scheme code does not belong to the owning organisation or managing organisation."
NOT_IN_SCHEME = "Location code must relate to a location that is owned by the owning organisation or managing organisation."


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()


@pytest.fixture
def schemes(orgs, core_service):
    for organisation in orgs.values():  # CORE takes no logs until an organisation accepts the agreement
        DataSharingAgreement.objects.get_or_create(organisation=organisation, defaults={
            "accepted_by_name": "Their data protection officer", "accepted_on": dt.date(2026, 4, 1)})
    ours, (location, annexe) = make_scheme(orgs["parent"], locations=({}, {"name": "Annexe", "postcode": "SW1A 1AA"}))
    theirs, (their_location,) = make_scheme(orgs["other"], service_name="Elsewhere House")
    closed, _ = make_scheme(orgs["parent"], service_name="Closed Court",
                            deactivations=[(dt.date(2026, 4, 10), dt.date(2026, 6, 1))])
    return {"ours": ours, "location": location, "annexe": annexe, "theirs": theirs, "their_location": their_location,
            "closed": closed}


def supported(schemes, **changes):
    return {"needstype": 2, "scheme_id": schemes["ours"].code, "location_id": str(schemes["location"].pk),
            "startdate": "2026-05-04", "renewal": 0, **changes}


def new_record(owner):
    return Record(collection="core", record_type="lettings", version=2026, owning_organisation=owner,
                  managing_organisation=owner)


TODAY = dt.date(2026, 5, 10)
SCHEME_RULES = {rule["id"] for rule in yaml.safe_load(
    (registry.get("core").package_dir / "rules" / "lettings" / "schemes.yaml").read_text(encoding="utf-8"))["rules"]}


def about_schemes(errors):
    """The errors of the scheme rules (bulk upload also reports a log's missing answers,
    a scheme refused among them)."""
    return [(e["field"], e["message"]) for e in errors if e["rule"] in SCHEME_RULES]


# --- The gateway (every channel) ------------------------------------------------------


@pytest.mark.parametrize("channel", ["form", "upload", "api"])
def test_the_location_fills_the_local_authority_and_the_scheme_is_stored_by_its_code(schemes, orgs, channel):
    with schema_context("core"):
        outcome = submit(new_record(orgs["parent"]), supported(schemes, scheme_id=str(schemes["ours"].pk)), channel,
                         today=TODAY)
    assert about_schemes(outcome.errors) == []
    assert outcome.record.answers["scheme_id"] == schemes["ours"].code  # named by its number, stored by its code
    assert outcome.record.answers["la"] == "E09000033" and outcome.filled == {"la": "E09000033"}
    assert outcome.record.derived.get("wchair") == 1  # the location's wheelchair-user standard


@pytest.mark.parametrize("channel", ["form", "upload", "api"])
def test_another_organisation_s_scheme_or_location_is_refused_and_nothing_changes(schemes, orgs, channel):
    with schema_context("core"):
        record = new_record(orgs["parent"])
        submit(record, supported(schemes), channel, today=TODAY)
        theirs = submit(record, {"scheme_id": schemes["theirs"].code}, channel, today=TODAY)
        assert about_schemes(theirs.errors) == [("scheme_id", NOT_THEIRS)]
        wrong_location = submit(record, {"location_id": str(schemes["their_location"].pk)}, channel, today=TODAY)
        assert about_schemes(wrong_location.errors) == [("location_id", NOT_IN_SCHEME)]
        record = Record.objects.get(pk=record.pk)
    assert record.answers["scheme_id"] == schemes["ours"].code
    assert record.answers["location_id"] == str(schemes["location"].pk)


@pytest.mark.parametrize("channel", ["form", "upload", "api"])
def test_a_scheme_used_outside_its_active_period_is_refused_with_the_date_it_is_back(schemes, orgs, channel):
    with schema_context("core"):
        outcome = submit(new_record(orgs["parent"]), supported(schemes, scheme_id=schemes["closed"].code,
                                                                location_id=None), channel, today=TODAY)
        assert about_schemes(outcome.errors) == [
            ("startdate", "The scheme Closed Court is not available until 1 June 2026. Enter a tenancy start date after "
                          "1 June 2026."),
            ("scheme_id", "The scheme Closed Court is not available until 1 June 2026. Select another scheme or edit "
                          "the tenancy start date.")]
        assert "scheme_id" not in outcome.record.answers  # refused: not stored
        after = submit(new_record(orgs["parent"]), supported(schemes, scheme_id=schemes["closed"].code,
                                                              location_id=None, startdate="2026-06-01"), channel,
                       today=dt.date(2026, 6, 2))
    assert about_schemes(after.errors) == [] and after.record.answers["scheme_id"] == schemes["closed"].code


def test_a_location_deactivated_on_the_start_date_is_refused(schemes, orgs):
    from cldc.tests.core.schemes import deactivate

    deactivate(schemes["location"], dt.date(2026, 5, 1))
    with schema_context("core"):
        outcome = submit(new_record(orgs["parent"]), supported(schemes), "api", today=TODAY)
    assert ("location_id", "This location is not active on the tenancy start date. Choose another location or edit "
            "the tenancy start date.") in [(e["field"], e["message"]) for e in outcome.errors]
    assert "location_id" not in outcome.record.answers


def test_bulk_upload_s_judging_processes_read_the_entries_without_the_database(schemes, orgs,
                                                                              django_assert_num_queries):
    """Judging processes must not query (uploads/judging.py): the entries pinned before
    they fork are what they read."""
    definition = registry.get("core").definition("lettings", 2026)
    record = new_record(orgs["parent"])
    with schema_context("core"), pinned():
        with django_assert_num_queries(0):
            entries = entries_for(record, definition, supported(schemes, scheme_id=schemes["theirs"].code))
        ours, theirs = judge([(new_record(orgs["parent"]), supported(schemes)),
                              (new_record(orgs["parent"]), supported(schemes, scheme_id=schemes["theirs"].code))],
                             None, [])
    assert entries["scheme"]["code"] == schemes["theirs"].code and entries["scheme"]["usable"] is False
    assert about_schemes(ours.errors) == [] and ours.record.answers["la"] == "E09000033"
    assert about_schemes(theirs.errors) == [("scheme_id", NOT_THEIRS)]


# --- The API -------------------------------------------------------------------------


def test_the_api_names_a_scheme_and_location_by_code(schemes, orgs, coordinator):
    api = core_api(coordinator, organisation=orgs["parent"])
    created = create(api, orgs["parent"], supported(schemes, startdate=dt.date.today().isoformat()))
    assert created.status_code == 201, created.content
    assert created.json()["answers"]["la"] == "E09000033"
    refused = problem_of(create(api, orgs["parent"], supported(schemes, scheme_id=schemes["theirs"].code,
                                                               startdate=dt.date.today().isoformat())), 422)
    assert [(e["field"], e["message"]) for e in refused["errors"]] == [("scheme_id", NOT_THEIRS)]


# --- The web form ----------------------------------------------------------------------


def test_the_form_offers_the_log_s_organisations_schemes_active_on_its_start_date(schemes, orgs, coordinator,
                                                                                   client_for):
    client = client_for("core", coordinator)
    record = set_up_log(client, orgs["parent"], record_type="core:lettings")
    with schema_context("core"):
        submit(record, {"needstype": 2, "startdate": "2026-05-04"}, "form", today=TODAY)
    body = page(client, stored(record), "scheme").content.decode()
    assert f'value="{schemes["ours"].code}"' in body
    assert f'value="{schemes["theirs"].code}"' not in body  # another organisation's
    assert f'value="{schemes["closed"].code}"' not in body  # deactivated until June
    saved = page(client, stored(record), "scheme", {"scheme_id": schemes["ours"].code})
    assert saved.status_code == 302, saved.content.decode()[:2000]
    body = page(client, stored(record), "location").content.decode()
    assert f'value="{schemes["location"].pk}"' in body and f'value="{schemes["annexe"].pk}"' in body
    assert page(client, stored(record), "location", {"location_id": str(schemes["location"].pk)}).status_code == 302
    assert stored(record).answers["la"] == "E09000033"
    answers = client.get(f"/logs/{record.pk}/setup/check-answers/").content.decode()
    assert "Hope House (S" in answers and "From the location" in answers and "Westminster" in answers


def test_an_address_whose_postcode_is_not_the_location_s_is_refused_on_the_address_page_in_the_rule_s_words(
        schemes, orgs, coordinator, client_for):
    # The rule attaches to the location first; the answer that breaks it is on this page,
    # so this page must say why (it once said only "Enter postcode", the answer being refused).
    client = client_for("core", coordinator)
    record = set_up_log(client, orgs["parent"], record_type="core:lettings")
    with schema_context("core"):
        submit(record, supported(schemes), "form", today=TODAY)
    refused = page(client, stored(record), "address", {"address_line1": "1 Other Street", "town_or_city": "London",
                                                       "postcode_full": "SW1A 2AB"})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "does not match the postcode for the location in the scheme" in body
    assert 'href="#id_postcode_full"' in body  # the error summary links to the page's own field
