"""Many records' states at a moment in one query (records.history.states_at) are what
state_at and version_at give one record at a time: over visits with many revisions on
different days, answers cleared, a move to the next year's version, and a visit made
after some of the moments."""

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.history import state_at, states_at, version_at
from cldc.platform.records.models import Record, Revision
from cldc.platform.records.versions import move_to_version
from cldc.tests.records.visits_next_year import visits_2027  # noqa: F401 (a fixture)

FIRST_DAY = dt.date(2026, 5, 1)
VISIT = {"visitdate": "2026-05-04", "repairs": 1, "repairsdetail": "Kitchen tap drips", "hhmemb": 1, "age1": 42,
         "work1": 1, "period": 1, "rent": 480, "visitmode": 1}
CHANGES = [{"rent": 490}, {"rent": 505.5}, {"visitmode": 2}, {"age1": 43}, {"repairsdetail": ""},
           {"repairsdetail": "Boiler"}, {"hhmemb": 2, "age2": 9, "work2": 2}, {"hhmemb": 1}, {"period": 2}]


def dated(record, day):
    """Move the record's last revision, and its last change, to noon on `day`."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    last = record.revisions.order_by("-number").first()
    Revision.objects.filter(pk=last.pk).update(created_at=at)
    Record.objects.filter(pk=record.pk).update(updated_at=at, **({"created_at": at} if last.number == 1 else {}))
    record.refresh_from_db()


@pytest.fixture
def visits(visits_2027, make_organisation, make_person):
    """Twelve visits, each made on its own day and changed up to nine times, a few days
    apart; the last three then moved to 2027/28 in May 2027."""
    owner = make_organisation("History Homes", type="prp")
    officer = make_person("officer@history.example", owner)
    chosen = random.Random(14)
    made = []
    with schema_context("visits"):
        for i in range(12):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=owner,
                            managing_organisation=owner)
            day = FIRST_DAY + dt.timedelta(days=7 * i)
            assert submit(record, {**VISIT, "visitref": f"H-{i}"}, "form", officer, today=day).saved
            dated(record, day)
            for change in chosen.sample(CHANGES, k=i % 10):
                day += dt.timedelta(days=chosen.randint(1, 20))
                outcome = submit(record, change, "form", officer, today=day)
                if outcome.changes:
                    dated(record, day)
            if i >= 9:
                assert move_to_version(record, 2027, officer, "form", today=dt.date(2027, 5, 1)).saved
                dated(record, dt.date(2027, 5, 1) + dt.timedelta(days=i))
            made.append(record)
        yield made


def moments(records):
    """Before any visit, at and just around each revision, and after every change."""
    with schema_context("visits"):
        times = set(Revision.objects.filter(record__in=records).values_list("created_at", flat=True))
    found = {timezone.make_aware(dt.datetime(2026, 1, 1)), timezone.make_aware(dt.datetime(2028, 1, 1))}
    for at in times:
        found |= {at, at - dt.timedelta(seconds=1), at + dt.timedelta(seconds=1)}
    return sorted(found) + [dt.date(2026, 6, 30), dt.date(2027, 5, 10)]  # a date: the end of that day


def test_states_at_are_state_at_and_version_at_record_by_record(visits):
    with schema_context("visits"):
        assert Revision.objects.filter(record__in=visits).count() > 45
        records = list(Record.objects.filter(pk__in=[v.pk for v in visits]))
        for when in moments(visits):
            one_by_one = {record.pk: (state_at(record, when), version_at(record, when)) for record in records}
            assert states_at(records, when) == one_by_one, when


def test_many_records_changed_since_cost_one_query_and_unchanged_ones_none(visits):
    with schema_context("visits"):
        records = list(Record.objects.filter(pk__in=[v.pk for v in visits]))
        with CaptureQueriesContext(connection) as queries:
            states_at(records, dt.date(2026, 6, 1))
        assert len(queries) == 1
        with CaptureQueriesContext(connection) as queries:
            now = states_at(records, dt.date(2028, 1, 1))
        assert len(queries) == 0
        assert now == {record.pk: (record.answers, record.version) for record in records}
