"""Which visits belong in a quarter's return: the package's triggers over each visit as
it stood at the quarter's end (tests/packages/visits/returns/visit.yaml: visited in the
quarter, unless by video call), at the edges of quarters, and the quarters themselves."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.definitions.model import DefinitionError
from cldc.platform.returns.declarations import Period, read_returns, returns_of
from cldc.platform.returns.membership import members

VISITS = returns_of("visits", "visit")


@pytest.mark.parametrize("day, year, number", [
    (dt.date(2026, 4, 1), 2026, 1), (dt.date(2026, 6, 30), 2026, 1), (dt.date(2026, 7, 1), 2026, 2),
    (dt.date(2026, 12, 31), 2026, 3), (dt.date(2027, 1, 1), 2026, 4), (dt.date(2027, 3, 31), 2026, 4),
    (dt.date(2026, 3, 31), 2025, 4),
])
def test_quarters_of_a_collection_year_start_in_april(day, year, number):
    period = Period.containing(day)
    assert (period.year, period.number) == (year, number)
    assert period.start <= day <= period.end


def test_quarter_four_runs_from_january_to_march_of_the_next_calendar_year():
    q4 = Period(2026, 4)
    assert (q4.start, q4.end, q4.label) == (dt.date(2027, 1, 1), dt.date(2027, 3, 31), "January to March 2027")
    assert q4.following() == Period(2027, 1) and Period(2027, 1).previous() == q4
    assert Period.from_key(q4.key) == q4 and Period.from_key("2026-q5") is None


def test_a_visit_belongs_in_the_quarter_it_was_made_in_up_to_its_last_day(world, make_visit):
    parent = world["orgs"]["parent"]
    made = {day: make_visit(parent, f"V-{day}", day, made_on=dt.date(2026, 10, 2)) for day in (
        dt.date(2026, 4, 1), dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2026, 9, 30))}
    coordinator = world["people"]["parent coordinator"]
    with schema_context("visits"):
        q1 = {m.record.pk for m in members(VISITS, parent, Period(2026, 1), coordinator) if m.included}
        q2 = {m.record.pk for m in members(VISITS, parent, Period(2026, 2), coordinator) if m.included}
    assert q1 == {made[dt.date(2026, 4, 1)].pk, made[dt.date(2026, 6, 30)].pk}
    assert q2 == {made[dt.date(2026, 7, 1)].pk, made[dt.date(2026, 9, 30)].pk}


def test_only_the_organisations_own_visits_belong_in_its_return(world, make_visit):
    parent, child = world["orgs"]["parent"], world["orgs"]["child"]
    own = make_visit(parent, "OWN", dt.date(2026, 5, 1))
    make_visit(child, "CHILD", dt.date(2026, 5, 1))  # the parent acts for its child, but this is the child's return
    with schema_context("visits"):
        found = members(VISITS, parent, Period(2026, 1), world["people"]["parent coordinator"])
    assert [m.record.pk for m in found] == [own.pk]


def test_an_excluding_trigger_leaves_a_triggered_visit_out_and_says_why(world, make_visit):
    parent = world["orgs"]["parent"]
    in_person = make_visit(parent, "IN-PERSON", dt.date(2026, 5, 1))
    by_video = make_visit(parent, "VIDEO", dt.date(2026, 5, 2), visitmode=3)
    with schema_context("visits"):
        found = {m.record.pk: m for m in members(VISITS, parent, Period(2026, 1), world["people"]["parent coordinator"])}
    assert (found[in_person.pk].included, found[in_person.pk].reasons) == (True, ["Visited in the quarter"])
    assert (found[by_video.pk].included, found[by_video.pk].reasons) == (False, ["Made by video call"])


def test_membership_follows_the_visit_as_it_stood_at_the_quarters_end(world, make_visit, change_visit):
    """Moved out of the quarter after it ended: still in it; a visit made after the end
    but dated in it (a late addition): in it, as it stands, and marked."""
    parent = world["orgs"]["parent"]
    moved = make_visit(parent, "MOVED", dt.date(2026, 6, 20), made_on=dt.date(2026, 6, 21))
    change_visit(moved, made_on=dt.date(2026, 7, 15), visitdate="2026-07-14")
    late = make_visit(parent, "LATE", dt.date(2026, 6, 25))  # stored in November
    with schema_context("visits"):
        found = {m.record.pk: m for m in members(VISITS, parent, Period(2026, 1), world["people"]["parent coordinator"])}
        q2 = [m.record.pk for m in members(VISITS, parent, Period(2026, 2), world["people"]["parent coordinator"])]
    assert set(found) == {moved.pk, late.pk}
    assert (found[moved.pk].state.answers["visitdate"], found[moved.pk].state.late) == ("2026-06-20", False)
    assert found[late.pk].state.late is True
    assert q2 == [moved.pk]  # at the end of July to September it was a July visit


def test_a_returns_file_naming_an_unknown_answer_is_refused_naming_it(tmp_path):
    path = tmp_path / "visit.yaml"
    path.write_text('period: quarter\ninclude_when:\n  - {id: a, label: A, expression: "vistdate >= quarter_start"}\n')
    from cldc.platform import registry

    visits = registry.get("visits")
    definition = visits.definition("visit", 2026)
    with pytest.raises(DefinitionError, match="vistdate"):
        read_returns(path, [definition], set())
    path.write_text('period: month\ninclude_when: []\n')
    with pytest.raises(DefinitionError, match="period: 'month' is not a kind of period"):
        read_returns(path, [definition], set())


def test_cldc_lint_reads_the_returns_file_as_the_service_does(tmp_path, monkeypatch, capsys):
    """A mistake in a returns file is one of lint's problems, not a surprise on the page."""
    from django.core.management import CommandError, call_command

    from cldc.platform.cli import lint

    broken = tmp_path / "visit.yaml"
    broken.write_text('period: quarter\ninclude_when:\n  - {id: a, label: A, expression: "vistdate >= quarter_start"}\n')
    real = returns_of.__wrapped__

    def read_broken(collection_name, record_type):
        from cldc.platform import registry

        collection = registry.get(collection_name)
        return read_returns(broken, [collection.definition(record_type, 2026)], set())

    monkeypatch.setattr(lint, "returns_of", read_broken)
    with pytest.raises(CommandError, match="1 problems"):
        call_command("cldc", "lint", "--collection", "visits")
    assert "vistdate" in capsys.readouterr().out
    monkeypatch.setattr(lint, "returns_of", real)
    call_command("cldc", "lint", "--collection", "visits")
    assert capsys.readouterr().out.splitlines()[-1] == "1 definitions checked, 0 problems"
