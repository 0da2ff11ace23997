"""Which visits belong in a quarter's return: the package's triggers over each visit as
it stands, judging the dates in its answers against the quarter, however long after it
the visit was stored or changed (tests/packages/visits/returns/visit.yaml: visited in
the quarter, unless by video call), at the edges of quarters, and the quarters themselves."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.definitions.model import DefinitionError
from cldc.platform.returns.declarations import Period, read_returns, returns_of
from cldc.platform.records.models import Record
from cldc.platform.returns.membership import members
from cldc.platform.returns.models import ReturnMember, Snapshot
from cldc.tests.returns.conftest import return_url

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


def test_a_quarter_sent_after_it_ended_is_judged_by_the_dates_in_the_answers(world, make_visit, change_visit):
    """As councils send a quarter: in the month after it. A visit stored after April to
    June ended but dated in it belongs, and is not a late addition; one corrected after
    the quarter ended to a date in it belongs (the old answer did not); one corrected
    out of it leaves it. The stored membership (ReturnMember) says the same."""
    parent = world["orgs"]["parent"]
    coordinator, client = world["people"]["parent coordinator"], world["clients"]["parent coordinator"]
    sent_later = make_visit(parent, "SENT-LATER", dt.date(2026, 6, 25), made_on=dt.date(2026, 7, 10))
    corrected_in = make_visit(parent, "CORRECTED-IN", dt.date(2026, 7, 2), made_on=dt.date(2026, 7, 3))
    change_visit(corrected_in, made_on=dt.date(2026, 7, 20), visitdate="2026-06-29")
    corrected_out = make_visit(parent, "CORRECTED-OUT", dt.date(2026, 6, 20), made_on=dt.date(2026, 6, 21))
    change_visit(corrected_out, made_on=dt.date(2026, 7, 15), visitdate="2026-07-14")
    with schema_context("visits"):
        q1 = {m.record.pk for m in members(VISITS, parent, Period(2026, 1), coordinator) if m.included}
        q2 = {m.record.pk for m in members(VISITS, parent, Period(2026, 2), coordinator) if m.included}
    assert q1 == {sent_later.pk, corrected_in.pk}
    assert q2 == {corrected_out.pk}

    page = client.get(return_url(parent)).content.decode()
    included = page.split('id="included"')[1]
    assert all(f'id="included-{visit.pk}"' in included for visit in (sent_later, corrected_in))
    assert f'id="included-{corrected_out.pk}"' not in page and "Added since" not in page
    with schema_context("visits"):
        kept = set(ReturnMember.objects.filter(return_made__number=1, included=True).values_list("record", flat=True))
    assert kept == q1
    assert client.post(return_url(parent, step="submit")).status_code == 302
    with schema_context("visits"):
        frozen = {row.record_number: (row.answers["visitdate"], row.late)
                  for row in Snapshot.objects.get(return_made__number=1).records.all()}
    assert frozen == {sent_later.pk: ("2026-06-25", False), corrected_in.pk: ("2026-06-29", False)}


def test_the_kept_membership_follows_each_change_to_a_record(world, make_visit, change_visit):
    """ReturnMembers are judged again for a record that changed; a record given to
    another organisation leaves the return."""
    parent, other = world["orgs"]["parent"], world["orgs"]["other"]
    client = world["clients"]["parent coordinator"]
    first = make_visit(parent, "KEPT-1", dt.date(2026, 5, 1))
    second = make_visit(parent, "KEPT-2", dt.date(2026, 5, 2))

    def kept():
        client.get(return_url(parent))
        with schema_context("visits"):
            return dict(ReturnMember.objects.filter(return_made__number=1).values_list("record", "included"))

    assert kept() == {first.pk: True, second.pk: True}
    change_visit(second, visitmode=3)  # by video call: out, for the package's reason
    assert kept() == {first.pk: True, second.pk: False}
    with schema_context("visits"):
        Record.objects.filter(pk=first.pk).update(owning_organisation=other, managing_organisation=other)
    assert kept() == {second.pk: False}


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
    trigger = 'include_when:\n  - {id: a, label: A, expression: "visitdate >= quarter_start"}\n'
    path.write_text(f"period: quarter\nmade_by: [council]\n{trigger}")
    with pytest.raises(DefinitionError, match="made_by: give a list of organisation types, from local_authority"):
        read_returns(path, [definition], set())
    path.write_text(f"period: quarter\nmade_by: [local_authority, prp]\n{trigger}")
    declared = read_returns(path, [definition], set())
    assert declared.made_by_label() == "local authorities and private registered providers"


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
