"""Each organisation's figures (cldc.platform.playback), on the visits test collection:
the figures the page shows against the same figures worked out here from the records
themselves; the comparison with similar organisations shown only when at least five
others (same type, same region) contribute; and the package file's mistakes named."""

import datetime as dt
import itertools
import statistics
from collections import Counter
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.playback.declarations import figures, read_figures
from cldc.platform.playback.figures import NOT_GIVEN, PEERS_NEEDED, playback
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

_references = itertools.count(1)


def a_visit(organisation, complete_visit, **changes):
    """A visit of the organisation: the worked example changed by `changes` (None leaves an answer out)."""
    answers = {**complete_visit(), "visitref": f"PB-{next(_references)}", "owning_organisation_id": organisation.pk,
               **changes}
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                        managing_organisation=organisation)
        submit(record, {k: v for k, v in answers.items() if v is not None}, "api", today=dt.date(2026, 12, 1))
    return record


def weekly_rent(record):
    value = record.derived.get("weekly_rent", record.answers.get("weekly_rent"))
    return None if value is None else Decimal(str(value))


def mean_weekly_rent(records):
    rents = [rent for rent in map(weekly_rent, records) if rent is not None]
    return statistics.mean(rents) if rents else None


def figures_of(organisation, person):
    with schema_context("visits"):
        return playback(figures("visits", "visit", 2026), organisation, person)


def bars(found):
    return {bar.label: bar.count for bar in found if bar.count}


@pytest.fixture
def coordinator_of(make_person):
    def make(organisation):
        return make_person(f"coordinator-{organisation.pk}@figures.example", organisation, role="data_coordinator")
    return make


def test_the_figures_are_those_of_the_organisations_own_records(visits_service, make_organisation, coordinator_of,
                                                               complete_visit):
    council = make_organisation("Figures Council", type="local_authority", region="north_west")
    child = make_organisation("Child Of The Council", parent=council, region="north_west")  # seen, not owned
    someone_else = make_organisation("Someone Else's Homes", region="north_west")
    for day, mode, repairs, rent, period in [("2026-04-03", 1, 1, 100, 1), ("2026-04-20", 2, 2, 520, 4),
                                             ("2026-06-11", 1, 2, 180.50, 2), ("2026-09-30", None, 1, 400, 3),
                                             ("2026-11-02", 2, 2, None, None)]:
        a_visit(council, complete_visit, visitdate=day, visitmode=mode, repairs=repairs,
                repairsdetail="Tap" if repairs == 1 else None, rent=rent, period=period)
    a_visit(child, complete_visit, visitdate="2026-04-05", rent=900, period=1)  # not the council's
    a_visit(someone_else, complete_visit, visitdate="2026-04-05", rent=900, period=1)
    person = coordinator_of(council)

    result = figures_of(council, person)
    assert figures_of(someone_else, person).total == 0  # never a record the person may not see

    with schema_context("visits"):
        records = list(Record.objects.filter(owning_organisation=council))
    assert len(records) == 5 and result.total == 5
    assert bars(result.by_status) == {label: n for label, n in (
        ("Completed", sum(r.status == "completed" for r in records)),
        ("In progress", sum(r.status == "in_progress" for r in records))) if n}
    assert bars(result.by_status)["In progress"] == 2  # no visit mode; no rent
    months = Counter(dt.date.fromisoformat(r.answers["visitdate"]).strftime("%B %Y") for r in records)
    assert bars(result.by_month) == dict(months)
    assert [bar.label for bar in result.by_month][:3] == ["April 2026", "May 2026", "June 2026"]  # every month shown
    definition = registry.get("visits").definition("visit", 2026)
    for (title, found), variable in zip(result.breakdowns, ("visitmode", "repairs")):
        labels = dict(definition.variables[variable].options)
        expected = Counter(labels[r.answers[variable]] if variable in r.answers else NOT_GIVEN for r in records)
        assert bars(found) == dict(expected), title
    assert result.comparison.own == mean_weekly_rent(records).quantize(Decimal("0.01"))
    assert result.comparison.own_count == 4


def peers_with_rents(make_organisation, complete_visit, rents, **kind):
    """One similar organisation per weekly rent, each with two visits averaging it."""
    made = []
    for rent in rents:
        peer = make_organisation(f"Peer {next(_references)}", **kind)
        a_visit(peer, complete_visit, rent=rent - 10, period=1)
        a_visit(peer, complete_visit, rent=rent + 10, period=1)
        made.append(peer)
    return made


def test_similar_organisations_are_compared_only_when_five_others_contribute(
        visits_service, make_organisation, coordinator_of, complete_visit):
    council = make_organisation("Compared Council", type="local_authority", region="london")
    a_visit(council, complete_visit, rent=150, period=1)
    person = coordinator_of(council)
    similar = dict(type="local_authority", region="london")
    peers_with_rents(make_organisation, complete_visit, [100, 120, 130, 200], **similar)
    # Not similar: another type in the region, the same type elsewhere, or no region.
    peers_with_rents(make_organisation, complete_visit, [999], type="prp", region="london")
    peers_with_rents(make_organisation, complete_visit, [999], type="local_authority", region="south_west")
    peers_with_rents(make_organisation, complete_visit, [999], type="local_authority")

    four = figures_of(council, person).comparison
    assert four.peers == PEERS_NEEDED - 1 and four.median is None
    assert "fewer than 5 other organisations of the same type (local authority) in London" in four.reason
    assert [bar.label for bar in four.chart.bars] == ["Your organisation"]

    peers_with_rents(make_organisation, complete_visit, [160], **similar)
    five = figures_of(council, person).comparison
    assert (five.peers, five.own, five.median, five.reason) == (5, Decimal("150.00"), Decimal("130.00"), "")
    assert [bar.count for bar in five.chart.bars] == [Decimal("150.00"), Decimal("130.00")]


def test_an_organisation_without_a_region_is_told_why_it_is_not_compared(visits_service, make_organisation,
                                                                         coordinator_of, complete_visit):
    council = make_organisation("Unplaced Council", type="local_authority")
    a_visit(council, complete_visit)
    peers_with_rents(make_organisation, complete_visit, [100, 110, 120, 130, 140], type="local_authority")
    comparison = figures_of(council, coordinator_of(council)).comparison
    assert comparison.median is None and "region is not recorded" in comparison.reason
    assert comparison.peers == 0  # others without a region are no one's peers


# --- The package file ----------------------------------------------------------------------------


@pytest.mark.parametrize("text, message", [
    ("", "declares no figures"),
    ("by_month: visitdate\ncolours: blue\n", "unknown keys colours"),
    ("by_month: visitref\n", "by_month: 'visitref' is not a date question"),
    ("by_month: visitday\n", "by_month: no question or derived value 'visitday'"),
    ("breakdowns: [hhmemb]\n", "breakdowns: 'hhmemb' has no options to count by"),
    ("breakdowns: [visitmode, visitmode]\n", "breakdowns: 'visitmode' appears twice"),
    ("breakdowns: [needs_mobility]\n", "'needs_mobility' is a tick box"),
    ("breakdowns: visitmode\n", "breakdowns: give a list of variables"),
    ("breakdowns: [{variable: visitmode, colour: red}]\n", "breakdowns: entry 1: unknown keys colour"),
    ("average: visitmode\n", "average: 'visitmode' is not a number"),
    ("average: {title: Rent}\n", "average: give a variable's name"),
])
def test_each_mistake_in_the_figures_file_is_named(tmp_path, text, message):
    collection = registry.get("visits")
    path = tmp_path / "2026.yaml"
    path.write_text(text)
    derived = {d.id: d for d in collection.rule_pack("visit", 2026).derivations}
    with pytest.raises(DefinitionError) as raised:
        read_figures(path, collection.definition("visit", 2026), derived)
    assert str(path) in str(raised.value) and message in str(raised.value)


def test_a_derived_value_may_be_averaged_and_a_version_without_a_file_has_no_figures():
    declared = figures("visits", "visit", 2026)
    assert (declared.by_month.variable, [b.variable for b in declared.breakdowns], declared.average.variable) == (
        "visitdate", ["visitmode", "repairs"], "weekly_rent")
    assert figures("core", "sales", 2026) is None
