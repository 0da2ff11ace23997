"""CSV and Parquet files are written by PostgreSQL (COPY, columns.Rows.write_csv), in parts
side by side for many records (exports/parts.py). These hold its cells to what Python's csv
module writes from the same rows (formats._for_people's cells: people's words safe from
running as formulas, times in the layout's zone), on stored values a person or a file
could have put there, and parts side by side to what one part writes."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from cldc.platform.exports import formats
from cldc.platform.exports.columns import Rows, column_rows
from cldc.platform.exports.layouts import Selection
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.uploads.cell_safety import safe_cell
from tests.exports.test_layout_options import visits_layout

LAYOUT = """layouts:
  - id: people
    time_zone: Europe/London
    columns:
      - {name: id, record: id}
      - {name: created, record: created_at}
      - {name: updated, record: updated_at}
      - {name: organisation, record: owning_organisation}
      - {name: by, record: created_by}
      - {name: assigned_to_dpo, record: assigned_to_is_dpo}
      - {name: older_person_confirmed, confirmed: older_person_in_work_1}
      - visitref
      - repairsdetail
      - rent
      - visitdate
      - period
"""
# Text a person or a file could leave in a free-text answer.
HOSTILE = ["=HYPERLINK(\"http://example.com\")", "-5", " -5 ", "+44 20 7946 0000", "@home", "  =1+1", "\tcmd",
           "\rcmd", "-", "- 3", "1e5", "-.5e-3", "a, b", 'say "hi"', "line\nbreak", "crlf\r\nend", "", "=", "£520",
           "naïve café", "x" * 300]


@pytest.fixture
def visits_with_hostile_text(visits_service, complete_visit, make_organisation, make_person):
    organisation = make_organisation("=Formula Council", type="local_authority")
    person = make_person("+exporter@council.example", organisation, role="data_coordinator")
    with schema_context(visits_service.schema_name):
        for i, text in enumerate(HOSTILE):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                            managing_organisation=organisation, created_by=person,
                            assigned_to=person if i % 2 else None)
            submit(record, {**complete_visit(), "owning_organisation_id": organisation.pk}, "api", person,
                   today=dt.date(2026, 6, 1))
            answers = {**record.answers, "visitref": text, "repairsdetail": text[::-1]}
            winter = dt.datetime(2026, 1, 2, 3, 4, 5, 678, tzinfo=dt.UTC)
            summer = dt.datetime(2026, 7, 2, 23, 30, 0, tzinfo=dt.UTC)  # 00:30 the next day in London
            Record.objects.filter(pk=record.pk).update(answers=answers, created_at=winter, updated_at=summer,
                                                       confirmations=["older_person_in_work_1"] if i % 3 else [])


def by_python(selection, records, zone):
    """What Python's csv module writes from the rows as formats._for_people makes them."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([column.name for column in selection.columns])
    writer.writerows(formats._for_people(selection, column_rows(selection, records),
                                         lambda moment: moment.astimezone(zone).isoformat(timespec="seconds")))
    return out.getvalue().encode()


def test_postgresql_writes_the_cells_pythons_csv_module_would(visits_service, visits_with_hostile_text, tmp_path):
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT))
    with schema_context(visits_service.schema_name):
        records = Record.objects.order_by("pk")
        formats.writer_for("csv")[0](selection, Rows(selection, records), tmp_path / "out.csv")
        expected = by_python(selection, records, ZoneInfo("Europe/London"))
    written = (tmp_path / "out.csv").read_bytes()
    assert written.splitlines() == expected.splitlines() and written == expected
    rows = list(csv.reader(io.StringIO(written.decode(), newline="")))[1:]
    assert len(rows) == len(HOSTILE)
    assert [row[7] for row in rows] == [safe_cell(text) for text in HOSTILE]  # the column is visitref
    assert rows[0][1:3] == ["2026-01-02T03:04:05+00:00", "2026-07-03T00:30:00+01:00"]
    assert rows[0][3] == "'=Formula Council" and {row[5] for row in rows} == {"", "False"}
    assert {row[6] for row in rows} == {"", "True"}


def test_a_layout_in_labels_writes_the_same_cells_as_well(visits_service, visits_with_hostile_text, tmp_path):
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT), codes=False)
    with schema_context(visits_service.schema_name):
        records = Record.objects.order_by("pk")
        formats.writer_for("csv")[0](selection, Rows(selection, records), tmp_path / "out.csv")
        assert (tmp_path / "out.csv").read_bytes() == by_python(selection, records, ZoneInfo("Europe/London"))


def test_the_callers_connection_keeps_its_time_zone(visits_service, visits_with_hostile_text, tmp_path):
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT))
    with schema_context(visits_service.schema_name), connection.cursor() as cursor:
        cursor.execute("SHOW TimeZone")
        before = cursor.fetchone()
        formats.writer_for("csv")[0](selection, Rows(selection, Record.objects.order_by("pk")), tmp_path / "out.csv")
        cursor.execute("SHOW TimeZone")
        assert cursor.fetchone() == before


# --- Parts side by side ---------------------------------------------------------------------
# Each part runs on a connection of its own, which sees committed records only: so these
# records are committed, outside the test's transaction, and removed afterwards.


@pytest.fixture
def committed_visits(django_db_blocker, complete_visit):
    from cldc.platform.organisations.models import Membership, Organisation
    from cldc.platform.people.models import User

    with django_db_blocker.unblock():
        organisation = Organisation.objects.create(name="Committed Council", type="local_authority",
                                                   ons_code="E07009999")
        person = User.objects.create_user("committed@council.example", "x", name="Committed")
        Membership.objects.create(user=person, organisation=organisation, role="data_coordinator")
        try:
            with schema_context("visits"):
                for i, text in enumerate(HOSTILE * 3):
                    record = Record(collection="visits", record_type="visit", version=2026,
                                    owning_organisation=organisation, managing_organisation=organisation,
                                    created_by=person)
                    submit(record, {**complete_visit(), "owning_organisation_id": organisation.pk, "hhmemb": 1 + i % 2},
                           "api", person, today=dt.date(2026, 6, 1))
                    Record.objects.filter(pk=record.pk).update(answers={**record.answers, "visitref": text})
            yield
        finally:
            with schema_context("visits"):
                Record.objects.filter(owning_organisation=organisation).delete()  # revisions go with them
            with connection.cursor() as cursor:  # not the ORM: it would look for tenants' rows in public
                cursor.execute("DELETE FROM organisations_membership WHERE user_id = %s", [person.pk])
                cursor.execute("DELETE FROM people_user WHERE id = %s", [person.pk])
                cursor.execute("DELETE FROM organisations_organisation WHERE id = %s", [organisation.pk])


def written_in_parts(settings, tmp_path, part_min, workers, format="csv"):
    settings.EXPORT_PART_MIN, settings.EXPORT_WORKERS = part_min, workers
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT))
    path = tmp_path / f"{part_min}-{workers}.{format}"
    told = []
    with schema_context("visits"):
        rows = Rows(selection, Record.objects.filter(owning_organisation__name="Committed Council").order_by("pk"),
                    progress=lambda done, total: told.append((done, total)))
        formats.writer_for(format)[0](selection, rows, path)
    return path, rows.count, told


def test_parts_side_by_side_write_what_one_part_writes(committed_visits, django_db_blocker, settings, tmp_path):
    with django_db_blocker.unblock():
        one, count, _ = written_in_parts(settings, tmp_path, part_min=10_000, workers=1)
        three, count_in_parts, told = written_in_parts(settings, tmp_path, part_min=10, workers=3)
    assert count == count_in_parts == len(HOSTILE) * 3
    assert three.read_bytes() == one.read_bytes()
    assert told and told[-1] == (count, count)


def test_parquet_from_parts_holds_the_same_rows(committed_visits, django_db_blocker, settings, tmp_path):
    import pyarrow.parquet as pq

    with django_db_blocker.unblock():
        one, _, _ = written_in_parts(settings, tmp_path, part_min=10_000, workers=1, format="parquet")
        three, _, _ = written_in_parts(settings, tmp_path, part_min=10, workers=3, format="parquet")
    table = pq.read_table(three)
    assert table.equals(pq.read_table(one)) and table.num_rows == len(HOSTILE) * 3
    assert table.column("visitref").to_pylist()[:3] == [HOSTILE[0], HOSTILE[1], HOSTILE[2]]  # no apostrophes here
    assert str(table.schema.field("assigned_to_dpo").type) == "bool"


def test_texts_from_parts_come_in_the_order_one_part_gives_them(committed_visits, django_db_blocker, settings,
                                                                 tmp_path):
    selection = Selection.of(visits_layout(tmp_path / "2026.yaml", LAYOUT))

    def texts(part_min, workers):
        settings.EXPORT_PART_MIN, settings.EXPORT_WORKERS = part_min, workers
        with django_db_blocker.unblock(), schema_context("visits"):
            rows = Rows(selection, Record.objects.filter(owning_organisation__name="Committed Council").order_by("pk"))
            # A text with the line ends and NULs' neighbours a format's text may hold.
            return list(rows.texts(lambda values: f"concat_ws('|', {values[0]}, {values[7]}, {values[1]}) || E'\\n'",
                                   zone="Europe/London")), rows.count

    (one, count), (three, count_in_parts) = texts(10_000, 1), texts(10, 3)
    assert three == one and count == count_in_parts == len(one) == len(HOSTILE) * 3
    assert one[0].split("|")[1] == HOSTILE[0] and one[0].endswith("+00\n")
    assert sorted(int(text.split("|")[0]) for text in one) == [int(text.split("|")[0]) for text in one]
