"""A merge passes the merged organisation's register entries (CORE's schemes and their
locations) to the absorbing organisation from the merge date (docs/registers.md, ADR 0016):
its records dated from then may choose them (the web form's chooser, and the `usable` the
rules read in every channel), and its people see them; before the merge date nothing
changes. The entries keep their owner, as records keep theirs."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.organisations import merges
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.registers import choices
from cldc.platform.registers.context import entries_for, pinned
from cldc.tests.core.schemes import make_scheme

MERGE_DATE = dt.date(2026, 6, 1)
BEFORE, AFTER = dt.date(2026, 5, 31), dt.date(2026, 6, 1)


@pytest.fixture
def world(make_organisation, core_service):
    merged, absorbing = make_organisation("Riverside Homes"), make_organisation("Coast Housing")
    scheme, (location,) = make_scheme(merged, service_name="Riverside Court")
    own, _ = make_scheme(absorbing, service_name="Coast House")
    return {"merged": merged, "absorbing": absorbing, "scheme": scheme, "location": location, "own": own}


def lettings(owner):
    return Record(collection="core", record_type="lettings", version=2026, owning_organisation=owner,
                  managing_organisation=owner)


def offered_schemes(record, startdate):
    definition = registry.get("core").definition("lettings", 2026)
    with schema_context("core"):
        offered = choices.offered(record, definition, definition.questions["scheme_id"], {"startdate": startdate})
    return [label.split(" (")[0] for _, label in offered]


def usable(record, world, startdate):
    definition = registry.get("core").definition("lettings", 2026)
    answers = {"scheme_id": world["scheme"].code, "location_id": world["location"].code, "startdate": startdate}
    with schema_context("core"):
        entries = entries_for(record, definition, answers)
    return entries["scheme"]["usable"]


def test_the_absorbing_organisation_s_logs_are_offered_the_merged_schemes_from_the_merge_date(world):
    merges.merge(world["merged"], world["absorbing"], MERGE_DATE)
    theirs = lettings(world["absorbing"])
    assert offered_schemes(theirs, BEFORE) == ["Coast House"]
    assert offered_schemes(theirs, AFTER) == ["Riverside Court", "Coast House"]
    # A log of the merged organisation dated before the merge still chooses its own.
    assert offered_schemes(lettings(world["merged"]), BEFORE) == ["Riverside Court"]


def test_without_a_merge_another_organisation_s_schemes_are_never_offered(world):
    assert offered_schemes(lettings(world["absorbing"]), AFTER) == ["Coast House"]


@pytest.mark.parametrize("startdate, expected", [(BEFORE, False), (AFTER, True), ("2026-06-01", True)])
def test_the_rules_read_the_merged_scheme_as_usable_from_the_merge_date(world, startdate, expected):
    assert usable(lettings(world["absorbing"]), world, startdate) is False  # no merge yet
    merges.merge(world["merged"], world["absorbing"], MERGE_DATE)
    assert usable(lettings(world["absorbing"]), world, startdate) is expected


def test_bulk_upload_s_pinned_entries_know_the_merges_without_the_database(world, django_assert_num_queries):
    merges.merge(world["merged"], world["absorbing"], MERGE_DATE)
    definition = registry.get("core").definition("lettings", 2026)
    answers = {"scheme_id": world["scheme"].code, "location_id": world["location"].code}
    with schema_context("core"), pinned():
        with django_assert_num_queries(0):
            before = entries_for(lettings(world["absorbing"]), definition, {**answers, "startdate": BEFORE})
            after = entries_for(lettings(world["absorbing"]), definition, {**answers, "startdate": AFTER})
    assert (before["scheme"]["usable"], after["scheme"]["usable"]) == (False, True)


@pytest.mark.parametrize("days_since_merge, sees", [(10, True), (-10, False)])
def test_the_absorbing_organisation_s_coordinator_sees_the_merged_schemes_from_the_merge_date(
        world, make_person, client_for, days_since_merge, sees):
    merges.merge(world["merged"], world["absorbing"], dt.date.today() - dt.timedelta(days=days_since_merge))
    client = client_for("core", make_person("coordinator@coast.example", world["absorbing"], role="data_coordinator"))
    listed = client.get(reverse("register-list", args=["scheme"])).content.decode()
    assert ("Riverside Court" in listed) is sees and "Coast House" in listed
    status = client.get(reverse("register-detail", args=["scheme", world["scheme"].pk])).status_code
    assert status == (200 if sees else 404)
    assert client.get(reverse("register-detail", args=["location", world["location"].pk])).status_code == status
    if sees:  # the entry keeps its owner, and says whom it merged into
        page = client.get(reverse("register-detail", args=["scheme", world["scheme"].pk])).content.decode()
        assert "Riverside Homes (merged into Coast Housing on" in page


def test_the_merge_check_page_counts_what_passes_on_in_every_service_not_only_this_one(
        world, make_person, client_for, complete_visit, visits_service, core_service):
    merged = world["merged"]
    with schema_context("visits"):
        for _ in range(2):
            submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=merged,
                          managing_organisation=merged), complete_visit(), source="form")
    support = client_for("visits", make_person("support@dept.example", staff_role="support"))  # in the visits service
    support.post(reverse("merge-organisation", args=[merged.pk]), {
        "absorbing_organisation": world["absorbing"].pk, "merge_date_0": "1", "merge_date_1": "6", "merge_date_2": "2026"})
    page = support.get(reverse("merge-organisation-check", args=[merged.pk])).content.decode()
    rows = dict((key.strip(), value.strip()) for key, value in re.findall(
        r'<dt class="govuk-summary-list__key">(.*?)</dt>\s*<dd class="govuk-summary-list__value">(.*?)</dd>', page, re.S))
    assert rows[f"In {core_service.title}"] == (
        "1 scheme, 1 location of Riverside Homes: Coast Housing can use them from the merge date")  # CORE's schemes
    assert rows[f"In {visits_service.title}"] == (
        "2 visits of Riverside Homes: Coast Housing can see and change them from the merge date")
    assert {key for key in rows if key.startswith("In ")} == {f"In {core_service.title}", f"In {visits_service.title}"}


def test_the_merge_check_page_lists_the_schemes_that_pass_on(world, make_person, client_for):
    support = client_for("core", make_person("support@dept.example", staff_role="support"))
    merged = world["merged"]
    support.post(reverse("merge-organisation", args=[merged.pk]), {
        "absorbing_organisation": world["absorbing"].pk, "merge_date_0": "1", "merge_date_1": "6", "merge_date_2": "2026"})
    page = support.get(reverse("merge-organisation-check", args=[merged.pk])).content.decode()
    assert "1 scheme, 1 location of Riverside Homes: Coast Housing can use them from the merge date" in page
