"""A return's quality report on the test collection (tests/packages/visits/reports/visit.yaml):
each table counted from the visits in the return (an open one: those that belong now;
a submitted one: its snapshot), by an answer's options, a tick box counted per option,
a column by a condition and a table's own condition, by rows with a total row; each
figure against the previous quarter's snapshot, flagged past the table's threshold; and
the visits behind a figure, exactly those."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.models import Return, Snapshot, SnapshotRecord, Status
from cldc.platform.returns.report import report, return_sources
from cldc.platform.returns.report_tables import Threshold
from cldc.tests.returns.conftest import return_url

Q1, Q2 = Period(2026, 1), Period(2026, 2)


def figures_of(organisation, period, user):
    """{table id: {row key: {column key: (count, previous, flagged)}}} as the report page has them."""
    declared = returns_of("visits", "visit")
    with schema_context("visits"):
        made = Return.objects.filter(organisation=organisation, year=period.year, number=period.number).first()
        current, previous, _ = return_sources(user, declared, organisation, period, made)
        tables = report(declared, organisation, period, current, previous, organisation.name)
    return {figures.table.id: {row.key: {cell.column.key: (cell.count, cell.previous, cell.flagged)
                                         for cell in row.cells} for row in figures.rows} for figures in tables}


def counts(table):
    return {row: {column: found[0] for column, found in cells.items()} for row, cells in table.items()}


@pytest.fixture
def council(make_organisation, make_person, client_for, visits_service):
    """A council (whose visits are in person or by phone), its coordinator, and four
    visits of July to September 2026 and one of April to June."""
    organisation = make_organisation("Report Council", type="local_authority")
    person = make_person("coordinator@report-council.example", organisation, role="data_coordinator")
    return {"organisation": organisation, "person": person, "client": client_for("visits", person)}


@pytest.fixture
def visits(council, make_visit):
    organisation = council["organisation"]
    return {
        "A": make_visit(organisation, "A", dt.date(2026, 7, 10)),  # in person, repairs, mobility, monthly, 2 people
        "B": make_visit(organisation, "B", dt.date(2026, 7, 20), visitmode=2, needs_mental=1, period=1, hhmemb=3,
                        age3=30, work3=1),
        "C": make_visit(organisation, "C", dt.date(2026, 8, 5), visitmode=2, repairs=2, needs_mobility=0, hhmemb=1),
        "E": make_visit(organisation, "E", dt.date(2026, 9, 1), needs_mobility=0, needs_none=1, period=1, hhmemb=4,
                        age3=8, work3=2, age4=6, work4=2),
        "Q1": make_visit(organisation, "Q1", dt.date(2026, 5, 1)),
    }


def test_each_table_counts_by_options_tick_boxes_conditions_and_rows(council, visits):
    found = figures_of(council["organisation"], Q2, council["person"])
    assert counts(found["V1"]) == {"": {"total": 4, "visitmode-1": 2, "visitmode-2": 2, "visitmode-3": 0,
                                        "visitmode-4": 0, "large": 2}}
    # Only visits with repairs (A, B, E), by rent period; each tick box's option counted alone.
    none = {"total": 0, "needs-needs_mobility": 0, "needs-needs_mental": 0, "needs-needs_none": 0}
    assert counts(found["V2"]) == {
        "1": {"total": 2, "needs-needs_mobility": 1, "needs-needs_mental": 1, "needs-needs_none": 1},
        "2": none, "3": none,
        "4": {"total": 1, "needs-needs_mobility": 1, "needs-needs_mental": 0, "needs-needs_none": 0},
        "total": {"total": 3, "needs-needs_mobility": 2, "needs-needs_mental": 1, "needs-needs_none": 1},
    }
    # No previous quarter submitted: nothing to compare with, nothing flagged.
    assert {found for table in found.values() for cells in table.values() for _, found, _ in cells.values()} == {None}


def test_a_submitted_return_is_counted_from_its_snapshot_not_from_later_changes(council, visits, change_visit):
    organisation = council["organisation"]
    with schema_context("visits"):
        workflow.submit(returns_of("visits", "visit"), organisation, Q2, council["person"])
    change_visit(visits["C"], visitmode=1)  # after submission: the snapshot keeps it by phone
    assert counts(figures_of(organisation, Q2, council["person"])["V1"])[""]["visitmode-2"] == 2


def test_the_visits_behind_a_figure_are_exactly_those_counted(council, visits):
    client, organisation = council["client"], council["organisation"]
    url = return_url(organisation, "2026-q2", "report")

    def listed(table, column, row=""):
        response = client.get(f"{url}{table}/?column={column}&row={row}")
        assert response.status_code == 200
        page = response.content.decode()
        return {name for name, record in visits.items() if f">Visit {record.pk}</a>" in page}, page

    assert listed("V1", "large")[0] == {"B", "E"}
    assert listed("V1", "visitmode-2")[0] == {"B", "C"}
    assert listed("V1", "total")[0] == {"A", "B", "C", "E"}
    assert listed("V2", "needs-needs_mental", "1")[0] == {"B"}
    assert listed("V2", "needs-needs_mobility", "total")[0] == {"A", "B"}
    names, page = listed("V2", "total", "4")
    assert names == {"A"} and '<strong>1</strong> visit' in page and "<td class=\"govuk-table__cell\">A" in page
    for bad in ("V1/?column=nothing", "V2/?column=total&row=9", "V1/?column=total&row=1", "V9/?column=total"):
        assert client.get(f"{url}{bad}").status_code == 404


def test_the_report_page_lays_out_each_table_with_its_figures_linked(council, visits):
    page = council["client"].get(return_url(council["organisation"], "2026-q2", "report")).content.decode()
    assert "Quality report for Quarter 2 of 2026 to 2027" in page and "would be submitted now" in page
    v1 = page.split('id="report-v1"')[1].split("</table>")[0]
    assert '<th scope="colgroup" class="govuk-table__header" colspan="4">How the visit was made</th>' in v1
    assert "Report Council</th>" in v1 and "?column=large&amp;row=\">2<" in v1
    v2 = page.split('id="report-v2"')[1].split("</table>")[0]
    assert '<th scope="row" class="govuk-table__header">Every 2 weeks</th>' in v2 and ">Total</th>" in v2
    detail = council["client"].get(return_url(council["organisation"], "2026-q2")).content.decode()
    assert 'id="quality-report-link"' in detail and return_url(council["organisation"], "2026-q2", "report") in detail


# --- Change from the previous quarter, and the threshold ---------------------------------------


@pytest.mark.parametrize("previous, current, flagged", [
    (25, 30, False),  # 5 more, exactly 20%: not more than the threshold
    (25, 31, True),  # 6 more, 24%
    (25, 20, False),  # 5 fewer, 20%
    (25, 19, True),
    (10, 14, False),  # 40%, but fewer than 5
    (10, 15, True),
    (0, 4, False),
    (0, 5, True),
    (None, 50, False),  # nothing to compare with
])
def test_a_figure_is_flagged_when_it_moves_by_more_than_the_percentage_and_at_least_the_count(
        previous, current, flagged):
    assert Threshold(20, 5).flags(previous, current) is flagged


def frozen_return(organisation, period, person, answers):
    """A submitted return whose snapshot holds one visit for each dict of answers."""
    made = Return.objects.create(organisation=organisation, collection="visits", record_type="visit",
                                 year=period.year, number=period.number, status=Status.SUBMITTED)
    snapshot = Snapshot.objects.create(return_made=made, version=1, submitted_by=person)
    SnapshotRecord.objects.bulk_create(SnapshotRecord(snapshot=snapshot, record_number=n, version=2026,
                                                      reference=f"R{n}", answers=a, lock_version=1)
                                       for n, a in enumerate(answers, 1))


@pytest.mark.parametrize("now, flagged", [(30, False), (31, True)])
def test_each_figure_shows_the_previous_quarters_and_is_flagged_at_the_threshold(council, now, flagged):
    organisation, person = council["organisation"], council["person"]
    in_person, repairs = {"visitmode": 1, "repairs": 2, "hhmemb": 1}, {"visitmode": 2, "repairs": 1, "period": 1}
    with schema_context("visits"):
        frozen_return(organisation, Q1, person, [in_person] * 25 + [repairs] * 4)
        frozen_return(organisation, Q2, person, [in_person] * now + [repairs] * 2)
    found = figures_of(organisation, Q2, person)
    assert found["V1"][""]["total"] == (now + 2, 29, False)  # 3 or 4 more: fewer than 5
    assert found["V1"][""]["visitmode-1"] == (now, 25, flagged)
    assert found["V1"][""]["visitmode-2"] == (2, 4, False)
    assert found["V1"][""]["visitmode-3"] == (0, 0, False)
    # V2's own threshold (50% and 2): 4 to 2 is a fall of 50%, not more.
    assert found["V2"]["1"]["total"] == (2, 4, False)
    page = council["client"].get(return_url(organisation, "2026-q2", "report")).content.decode()
    assert ('id="flagged-summary"' in page) is flagged and ('id="none-flagged"' in page) is not flagged
    assert 'was 25</span>' in page.split('data-column="visitmode-1"')[1].split("</td>")[0]


def test_a_figures_list_holds_only_the_visits_the_person_sees(council, visits, make_organisation):
    """A visit frozen in the submitted return, since moved to another organisation, is
    still counted (the snapshot) but no longer listed to the council's coordinator."""
    organisation, client = council["organisation"], council["client"]
    with schema_context("visits"):
        workflow.submit(returns_of("visits", "visit"), organisation, Q2, council["person"])
        elsewhere = make_organisation("Elsewhere Homes", type="local_authority")
        Record.objects.filter(pk=visits["B"].pk).update(owning_organisation=elsewhere, managing_organisation=elsewhere)
    assert counts(figures_of(organisation, Q2, council["person"])["V1"])[""]["large"] == 2
    page = client.get(return_url(organisation, "2026-q2", "report") + "V1/?column=large&row=").content.decode()
    assert f">Visit {visits['E'].pk}</a>" in page and f">Visit {visits['B'].pk}</a>" not in page
