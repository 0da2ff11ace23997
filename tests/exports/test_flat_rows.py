"""Exports read answers from each record's flat row (exports/flat.py), kept by triggers on
the records table. These hold the exported values to the records whatever happens after
the flat table is made: a record added, changed by the gateway or by a bulk statement,
moved to another version, deleted, the records emptied; and a layout that reads names the
table does not hold yet."""

import datetime as dt

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from cldc.platform.exports import flat
from cldc.platform.exports.columns import column_rows
from cldc.platform.exports.layouts import Selection
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from tests.exports.test_layout_options import visits_layout

LAYOUT = """layouts:
  - id: flat
    columns:
      - {name: id, record: id}
      - visitref
      - rent
      - weekly_rent
"""
MORE = """layouts:
  - id: more
    columns:
      - {name: id, record: id}
      - visitref
      - hhmemb
"""


@pytest.fixture
def exporting(visits_service, complete_visit, make_organisation, make_person, tmp_path):
    organisation = make_organisation("Flat Council", type="local_authority")
    person = make_person("flat@council.example", organisation, role="data_coordinator")
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT))

    def visit(**changes):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                        managing_organisation=organisation, created_by=person)
        submit(record, {**complete_visit(), "owning_organisation_id": organisation.pk, **changes}, "api", person,
               today=dt.date(2026, 6, 1))
        return record

    def exported(chosen=selection):
        return {row[0]: row[1:] for row in column_rows(chosen, Record.objects.filter(version=2026))}

    def change(record, **changes):
        submit(record, {**record.answers, **changes}, "api", person, today=dt.date(2026, 6, 1))

    with schema_context(visits_service.schema_name):
        yield visit, exported, change


def flat_ids():
    table = flat._qualified(flat._table_name("visits", "visit", 2026))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY id")
        return [id for id, in cursor.fetchall()]


def test_a_record_added_after_the_table_is_made_is_exported(exporting):
    visit, exported, _ = exporting
    first = visit(visitref="FIRST")
    assert exported()[first.pk][0] == "FIRST"  # the table is made, and filled from the records there
    second = visit(visitref="SECOND", rent="99.50")
    assert exported()[second.pk][:2] == ("SECOND", "99.5")  # as the gateway stored it


def test_a_changed_answer_and_its_derived_value_are_exported_as_changed(exporting):
    visit, exported, change = exporting
    record = visit(visitref="BEFORE", rent="100.00")
    before = exported()[record.pk]
    change(record, visitref="AFTER", rent="200.00")
    after = exported()[record.pk]
    assert after[:2] == ("AFTER", "200")
    assert after[2] != before[2] and after[2] is not None  # weekly_rent, derived by the gateway from the rent


def test_a_record_changed_by_one_statement_is_exported_as_changed(exporting):
    visit, exported, _ = exporting
    records = [visit(visitref=f"V{i}") for i in range(3)]
    exported()
    for record in records:
        Record.objects.filter(pk=record.pk).update(answers={**record.answers, "visitref": f"BULK {record.pk}"})
    assert [row[0] for row in exported().values()] == [f"BULK {record.pk}" for record in records]


def test_a_record_moved_to_another_version_or_deleted_leaves_the_table(exporting):
    visit, exported, _ = exporting
    moved, deleted, kept = visit(), visit(), visit()
    exported()
    Record.objects.filter(pk=moved.pk).update(version=2027)
    Record.objects.filter(pk=deleted.pk).delete()
    assert flat_ids() == [kept.pk]
    assert list(exported()) == [kept.pk]


def test_emptying_the_records_empties_the_table(exporting):
    visit, exported, _ = exporting
    visit()
    exported()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's transaction defers them; TRUNCATE waits for none
        cursor.execute(f"TRUNCATE {Record._meta.db_table} CASCADE")
    assert flat_ids() == []


def test_a_layout_reading_more_names_remakes_the_table_with_them_all(exporting, tmp_path):
    visit, exported, change = exporting
    record = visit(visitref="ONE", hhmemb=2)
    exported()
    (tmp_path / "more").mkdir()
    more = Selection.of(visits_layout(tmp_path / "more" / "2026.yaml", MORE))
    assert exported(more)[record.pk] == ("ONE", "2")
    change(record, visitref="TWO", hhmemb=3)  # the remade table's triggers keep both layouts' names
    assert exported(more)[record.pk] == ("TWO", "3")
    assert exported()[record.pk][0] == "TWO"
    held = flat._columns_held(flat._table_name("visits", "visit", 2026))
    assert {"a.visitref", "a.rent", "d.weekly_rent", "a.hhmemb"} <= held.keys()  # one table for both, not one each time


def test_a_table_of_another_form_is_remade(exporting, monkeypatch):
    visit, exported, _ = exporting
    record = visit(visitref="OLD FORM")
    exported()
    with connection.cursor() as cursor:  # as a table made by an earlier form of flat.py would be
        cursor.execute(f"UPDATE {flat._qualified(flat._table_name('visits', 'visit', 2026))} SET \"a.visitref\" = 'x'")
    monkeypatch.setattr(flat, "FORM", "cldc flat rows, a later form")
    assert exported()[record.pk][0] == "OLD FORM"


def test_a_name_too_long_for_a_column_is_kept_under_a_digest():
    name = "x" * 80
    column = flat._column("a", name)
    assert len(column.encode()) <= flat.IDENTIFIER and column != flat._column("a", name[:-1])


def test_an_export_analyses_a_table_changed_beyond_what_autovacuum_allows(visits_service):
    from django.db import connections

    # On connections of their own: PostgreSQL counts changes only when they commit, and the
    # test's own connection never commits (an ANALYZE in it would hold the table till the end).
    writer, exporter = connections.create_connection("default"), connections.create_connection("default")
    exporter.set_schema("visits")

    def add(rows):
        with writer.cursor() as cursor:
            cursor.execute("INSERT INTO visits.flat_statistics_probe SELECT g FROM generate_series(1, %s) g", [rows])
            cursor.execute("SELECT pg_stat_force_next_flush()")  # its counts published now, not within the second

    def analysed_after_an_export():
        flat.analyse_if_stale(["flat_statistics_probe"], db=exporter)
        with exporter.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT last_analyze IS NOT NULL FROM pg_stat_user_tables "
                           "WHERE schemaname = 'visits' AND relname = 'flat_statistics_probe'")
            return cursor.fetchone()[0]

    with writer.cursor() as cursor:
        cursor.execute("CREATE TABLE visits.flat_statistics_probe (id int)")
    try:
        add(40)  # fewer than autovacuum's 50 changed rows: left as it is
        assert not analysed_after_an_export()
        add(30)  # now 70 on a table thought empty
        assert analysed_after_an_export()
    finally:
        with writer.cursor() as cursor:
            cursor.execute("DROP TABLE visits.flat_statistics_probe")
        writer.close()
        exporter.close()
