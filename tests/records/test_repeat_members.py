"""Repeat blocks whose members open and close over time: a block names its start and
end dates (`opens: movedin{n}`, `closes: movedout{n}`), open_members says which members
were open on a day, and history says so for a record as it stood then. On the test
collection's 2027 version (visits_next_year.py), where people move in and out."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.members import open_members
from cldc.platform.definitions.model import DefinitionError, build
from cldc.platform.records.gateway import submit
from cldc.platform.records.history import members_open_at
from cldc.platform.records.models import Record, Revision
from cldc.platform.records.versions import move_to_version
from cldc.tests.records.visits_next_year import visits_2027  # noqa: F401 (a fixture)

HOUSEHOLD = {"hhmemb": 3, "age1": 40, "movedin1": "2020-02-01",
             "age2": 19, "movedin2": "2027-05-01", "movedout2": "2027-08-01",
             "age3": 2}  # no date: not known to have moved in


@pytest.fixture
def next_year(visits_2027):
    return visits_2027.definition("visit", 2027)


@pytest.mark.parametrize("day, open_then", [
    (dt.date(2020, 1, 31), []),
    (dt.date(2027, 4, 30), [1]),
    (dt.date(2027, 5, 1), [1, 2]),  # open from the day they move in
    (dt.date(2027, 7, 31), [1, 2]),
    (dt.date(2027, 8, 1), [1]),  # and closed from the day they move out
])
def test_the_members_open_on_a_day(next_year, day, open_then):
    assert open_members(next_year, HOUSEHOLD, "person", day) == open_then


def test_typed_answers_are_read_as_stored_ones(next_year):
    typed = {**HOUSEHOLD, "movedin2": dt.date(2027, 5, 1), "movedout2": dt.date(2027, 8, 1)}
    assert open_members(next_year, typed, "person", dt.date(2027, 6, 1)) == [1, 2]


def test_a_block_without_dates_cannot_say_who_is_open(visits_service):
    with pytest.raises(ValueError, match="repeat block 'person' does not say when its members open"):
        open_members(registry.get("visits").definition("visit", 2026), HOUSEHOLD, "person", dt.date(2027, 6, 1))


def test_history_gives_the_members_open_at_a_moment(visits_2027, make_organisation):
    owner = make_organisation("Dated Homes")
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2027, owning_organisation=owner,
                        managing_organisation=owner)
        steps = [({"visitdate": "2027-05-02", **{k: v for k, v in HOUSEHOLD.items() if k != "movedout2"}},
                  dt.date(2027, 5, 2)),
                 ({"movedout2": "2027-08-01"}, dt.date(2027, 8, 3))]  # told two days late
        for number, (answers, day) in enumerate(steps, start=1):
            assert submit(record, answers, "api", today=day).errors == []
            Revision.objects.filter(record=record, number=number).update(
                created_at=timezone.make_aware(dt.datetime.combine(day, dt.time(12))))

        assert members_open_at(record, "person", dt.date(2027, 5, 1)) == []  # the record did not exist yet
        assert members_open_at(record, "person", dt.date(2027, 6, 30)) == [1, 2]
        # As known on 2 August, person 2 had not moved out; as known on 3 August, they had on the 1st.
        assert members_open_at(record, "person", dt.date(2027, 8, 2)) == [1, 2]
        assert members_open_at(record, "person", dt.date(2027, 8, 3)) == [1]


def _raw_with_dates(**dates):
    raw = registry.get("visits").definition("visit", 2026).raw
    block = next(page for section in raw["sections"] for sub in section["subsections"] for page in sub["pages"]
                 if page.get("repeat") == "person")
    return {**raw, "sections": [
        {**section, "subsections": [
            {**sub, "pages": [{**page, **dates} if page is block else page for page in sub["pages"]]}
            for sub in section["subsections"]]}
        for section in raw["sections"]]}


def test_the_linter_checks_a_blocks_dates_are_date_questions_of_the_block(visits_service):
    clean = build(_raw_with_dates(opens="age{n}"), "visits 2026")  # a number, not a date
    assert lint(clean) == ["visits 2026: repeat block 'person', opens: 'age1' is not a date question of the block"]
    misspelt = build(_raw_with_dates(opens="visitdate", closes="ages{n}"), "visits 2026")
    assert lint(misspelt) == [
        "visits 2026: repeat block 'person', opens: 'visitdate' is not a date question of the block",
        "visits 2026: repeat block 'person', closes: 'ages1' is not a date question of the block"]


def test_a_block_that_says_when_members_close_says_when_they_open(visits_service):
    with pytest.raises(DefinitionError, match="repeat block 'person': `closes` needs `opens` too"):
        build(_raw_with_dates(closes="age{n}"), "visits 2026")


def test_the_dated_blocks_of_the_packages_pass_the_linter(visits_2027):
    hclic = registry.get("hclic")
    for definition in (visits_2027.definition("visit", 2027), hclic.definition("case", 2025),
                       hclic.definition("case", 2026)):
        assert [block.opens for block in definition.repeats.values() if block.opens]
        assert [problem for problem in lint(definition) if "repeat block" in problem] == []


def test_history_reads_the_members_by_the_version_the_record_was_in(visits_2027, make_organisation):
    owner = make_organisation("Moved Homes")
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=owner,
                        managing_organisation=owner)
        submit(record, {"visitdate": "2026-05-02", "hhmemb": 1, "age1": 40}, "api", today=dt.date(2026, 5, 2))
        first = record.revisions.get().created_at
        move_to_version(record, 2027, None, "api", today=dt.date(2027, 5, 1))
        submit(record, {"movedin1": "2020-02-01"}, "api", today=dt.date(2027, 5, 1))

        assert members_open_at(record, "person", timezone.now()) == [1]
        with pytest.raises(ValueError, match="repeat block 'person' does not say when its members open"):
            members_open_at(record, "person", first)  # 2026/27 did not date the people of a household
