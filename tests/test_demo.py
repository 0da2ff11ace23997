"""The demo's records (`make run`): made from each package's worked example through the
gateway, varied as the package's demo file says, for each organisation with its own
reference, once; and the demo's organisations, enough of one type in one region for
their figures to be compared."""

import datetime as dt
from collections import Counter

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.cli.demo import ORGANISATIONS, PEERS, demo_organisations, demo_plan, demo_records
from cldc.platform.organisations.models import Organisation
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.playback.figures import PEERS_NEEDED
from cldc.platform.records.models import Record


def test_demo_records_come_from_the_worked_example_varied_as_the_package_says_once(
        visits_service, make_organisation, make_person):
    housing = make_organisation("Demo Test Homes")  # a housing association: the demo file's own answers
    officer = make_person("demo-officer@homes.example", housing, role="data_coordinator")
    neighbour = make_organisation("Demo Test Neighbour")
    today = dt.date(2026, 10, 15)
    assert demo_records(visits_service, [housing, neighbour], today=today) == 12  # records: 6 each
    with schema_context("visits"):
        records = list(Record.objects.filter(owning_organisation=housing).order_by("pk"))
        others = list(Record.objects.filter(owning_organisation=neighbour).order_by("pk"))
    assert [(r.answers["visitref"], r.owning_organisation, r.assigned_to) for r in records] == [
        (f"DEMO-{housing.pk}-{n}", housing, officer) for n in range(1, 7)]
    assert [r.answers["rent"] for r in records] == [520, 480, 610, 520, 480, 610]  # in turn
    assert [r.answers["rent"] for r in others] == [480, 610, 520, 480, 610, 520]  # the next organisation: one on
    assert [r.answers.get("visitmode") for r in records] == [1, None, 1, 1, None, 1]  # `~`: left out
    assert Counter(r.status for r in records) == {"completed": 4, "in_progress": 2}
    months = [dt.date.fromisoformat(r.answers["visitdate"]) for r in records]
    assert months == sorted(months) and months[0] == dt.date(2026, 4, 1) and months[-1] < today
    assert len({day.month for day in months}) == 6  # spread over the year so far
    assert demo_records(visits_service, [housing, neighbour], today=today) == 0  # once: what exists is kept
    late = make_organisation("Demo Test Latecomer")
    assert demo_records(visits_service, [late], today=dt.date(2027, 6, 1)) == 0  # new visits closed on 31 May


def test_the_demo_launches_the_services_the_packages_declare():
    from cldc.platform.cli.demo import demo_services

    declared = {name: (domain, title) for name, domain, title in demo_services()}
    assert declared == {name: collection.demo_service for name, collection in registry.collections().items()
                        if collection.demo_service}
    assert {"core", "hclic"} <= set(declared) and "visits" not in declared  # the test collection declares none
    assert all(domain == f"{name}.localhost" and title for name, (domain, title) in declared.items())


def test_a_local_authority_takes_the_answers_its_type_is_offered(visits_service, make_organisation):
    council = make_organisation("Demo Test Council", type="local_authority")
    demo_records(visits_service, [council], today=dt.date(2026, 10, 15))
    with schema_context("visits"):
        assert [r.answers["visitmode"] for r in Record.objects.filter(owning_organisation=council).order_by("pk")] == [
            1, 2, 1, 2, 1, 2]


def test_a_mistake_in_a_demo_file_is_named(tmp_path, monkeypatch):
    collection = registry.get("visits")
    path = tmp_path / "demo.yaml"
    collection.definition("visit", 2026)  # loaded (and kept) before its files are swapped for the demo file
    monkeypatch.setattr(type(collection), "file", lambda self, kind, **parts: path)
    for text, message in [("colour: blue\n", "unknown keys colour"),
                          ("spread_dates: [visitref]\n", "spread_dates: 'visitref' is not a date question"),
                          ("answers: {rent_weekly: [1]}\n", "answers: no question 'rent_weekly'"),
                          ("owner_type: {council: {}}\n", "owner_type: council is not an organisation type"),
                          ("records: 0\n", "records: give a whole number"),
                          ("answers: {rent: []}\n", "answers: rent: give one or more values")]:
        path.write_text(text)
        with pytest.raises(DefinitionError, match=message) as raised:
            demo_plan(collection, "visit", 2026)
        assert str(path) in str(raised.value)


def test_the_demo_coordinators_organisation_has_enough_similar_ones_to_compare():
    demo = [*ORGANISATIONS.values(), *PEERS.values()]
    parent = ORGANISATIONS["parent"]  # coordinator@example.com's
    similar = [f for f in demo if (f["type"], f["region"]) == (parent["type"], parent["region"]) and f is not parent]
    assert all(fields["region"] for fields in demo) and len(similar) >= PEERS_NEEDED


def test_each_format_a_package_adds_is_exported_nightly_at_midnight_once(core_service, visits_service):
    from cldc.platform.cli.demo import nightly_exports
    from cldc.platform.exports import schedule

    assert nightly_exports(core_service) == ["Export core: cds as core.cds"]
    assert nightly_exports(core_service) == []  # once
    assert nightly_exports(visits_service) == []  # the test collection adds no format
    task = schedule.scheduled_for(core_service).get()
    assert schedule.details(task) == ("core.cds", "cds", dt.time(0, 0)) and task.enabled


def test_a_demo_made_before_an_organisation_was_renamed_gets_the_new_name_not_a_second_one(db):
    Organisation.objects.create(name="Demo Lettings Agency", type="prp", regulator_number="4321")
    organisations = demo_organisations()
    assert organisations["child"].name == ORGANISATIONS["child"]["name"] != "Demo Lettings Agency"
    assert Organisation.objects.filter(regulator_number="4321").count() == 1
    assert demo_organisations()["child"].pk == organisations["child"].pk  # once
