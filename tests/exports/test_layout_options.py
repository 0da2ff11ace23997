"""The layout options a file that must match another system's byte for byte needs
(layouts.LAYOUT_OPTIONS and COLUMN_OPTIONS; CORE's user downloads use them all), on the
test collection: a description row, a byte order mark, "\\n" line ends, times in a zone,
a tick-box question as one column per option, fixed label and code tables, a code or a
label whatever the file, amounts with a decimal point, parts of a date, a value written
only under a condition, what stands in for an unknown value, and a column not held yet."""

import datetime as dt
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.exports import formats
from cldc.platform.exports.columns import Rows
from cldc.platform.exports.layouts import Selection, read_layouts
from cldc.platform.organisations.models import Membership
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

VALUES = """layouts:
  - id: values
    columns:
      - {name: repairs_in_words, answer: repairs, labels: [[1, Repairs needed]]}
      - {name: repairs_unlisted, answer: repairs, labels: [[2, No repairs]]}
      - {name: period_code, answer: period, always: code}
      - {name: period_label, answer: period, always: label}
      - {name: channel, record: source, codes: [[api, 3]], labels: [[api, API]]}
      - {name: rent, answer: rent, decimal_point: true}
      - {name: visit_day, answer: visitdate, date_part: day}
      - {name: visit_month, answer: visitdate, date_part: month}
      - {name: visit_year, answer: visitdate, date_part: year}
      - {name: rent_if_monthly, answer: rent, only_when: {period: 4}}
      - {name: rent_if_weekly, answer: rent, only_when: {period: 1}}
      - {name: age1, unknown: [{when: {work1: 2}, code: -9, label: Not known}]}
      - {name: age2, unknown: [{when: {work2: 2}, code: -9, label: Not known},
                               {when: {period: 4}, code: -8, label: Refused}]}
      - {name: scheme, not_held: "the service holds no schemes yet"}
"""


def visits_layout(path, text):
    visits = registry.get("visits")
    path.write_text(text)
    pack = visits.rule_pack("visit", 2026)
    derived, soft = {d.id: d for d in pack.derivations}, {rule.id for rule in pack.rules if rule.severity == "soft"}
    return next(iter(read_layouts(path, visits.definition("visit", 2026), derived, soft).values()))


@pytest.fixture
def stored_visit(visits_service, complete_visit, make_organisation, make_person):
    organisation = make_organisation("Exporting Council", type="local_authority")
    person = make_person("exporter@council.example", organisation, role="data_coordinator")
    with schema_context(visits_service.schema_name):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                        managing_organisation=organisation, created_by=person)
        submit(record, {**complete_visit(), "owning_organisation_id": organisation.pk, "rent": "520.50"}, "api", person,
               today=dt.date(2026, 6, 1))
        summer = dt.datetime(2026, 6, 1, 11, 0, 5, tzinfo=dt.UTC)  # 12:00:05 in London
        Record.objects.filter(pk=record.pk).update(created_at=summer, updated_at=summer)
        return record


def written(service, layout, path, codes=True, format="csv"):
    selection = Selection.of(layout, codes=codes)
    with schema_context(service.schema_name):
        formats.writer_for(format)[0](selection, Rows(selection, Record.objects.order_by("pk")), path)
    return path.read_bytes()


def test_a_description_row_a_byte_order_mark_unix_line_ends_and_london_times(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", """layouts:
  - id: described
    byte_order_mark: true
    line_end: "\\n"
    time_zone: Europe/London
    description_row: true
    columns:
      - {name: id, record: id, description: "Visit ID"}
      - {name: created_at, record: created_at, description: "When, exactly"}
      - {name: reference, answer: visitref, description: "Line one\\rline two"}
      - visitdate
      - {name: updated_at, record: updated_at, description: ""}
""")
    question = registry.get("visits").definition("visit", 2026).variables["visitdate"].text
    assert written(visits_service, layout, tmp_path / "out.csv") == (
        "\ufeff"
        f'Visit ID,"When, exactly","Line one\rline two",{question},\n'
        "id,created_at,reference,visitdate,updated_at\n"
        f"{stored_visit.pk},2026-06-01T12:00:05+01:00,V-1,2026-05-04,2026-06-01T12:00:05+01:00\n").encode()


def test_without_the_options_a_csv_is_as_before(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", """layouts:
  - id: plain
    columns:
      - {name: created_at, record: created_at}
      - {name: reference, answer: visitref}
""")
    assert written(visits_service, layout, tmp_path / "out.csv") == (
        b"created_at,reference\r\n2026-06-01T11:00:05+00:00,V-1\r\n")


def test_a_tick_box_question_is_one_column_per_option(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", "layouts:\n  - id: ticks\n    columns: [needs, hhmemb]\n")
    assert [column.name for column in layout.columns] == ["needs_mobility", "needs_mental", "needs_none", "hhmemb"]
    assert written(visits_service, layout, tmp_path / "out.csv", codes=False).decode().splitlines()[1] == "Yes,No,No,2"


@pytest.mark.parametrize("codes, row", [
    (True, ["1", "1", "4", "Monthly", "3", "520.5", "4", "5", "2026", "520.5", "", "42", "-9", ""]),
    (False, ["Repairs needed", "", "4", "Monthly", "API", "520.5", "4", "5", "2026", "520.5", "", "42", "Not known",
             ""]),
])
def test_value_tables_fixed_codes_or_labels_amounts_date_parts_conditions_and_unknowns(
        visits_service, stored_visit, tmp_path, codes, row):
    layout = visits_layout(tmp_path / "2026.yaml", VALUES)
    lines = written(visits_service, layout, tmp_path / "out.csv", codes=codes).decode().splitlines()
    assert lines[1].split(",") == row


def test_a_whole_amount_gets_a_decimal_point(visits_service, stored_visit, tmp_path):
    with schema_context(visits_service.schema_name):
        submit(stored_visit, {"rent": 520}, "api", None, today=dt.date(2026, 6, 1))
    layout = visits_layout(tmp_path / "2026.yaml", VALUES)
    assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1].split(",")[5] == "520.0"


def test_a_condition_reads_a_derived_value_or_an_answer_where_the_service_keeps_it(
        visits_service, stored_visit, tmp_path):
    adults = stored_visit.derived["adults"]  # a derived value, kept apart from the answers
    layout = visits_layout(tmp_path / "2026.yaml", f"""layouts:
  - id: conditions
    columns:
      - {{name: rent_for_these_adults, answer: rent, only_when: {{adults: {adults}}}}}
      - {{name: rent_for_more_adults, answer: rent, only_when: {{adults: {adults + 1}}}}}
      - {{name: age1, unknown: [{{when: {{adults: {adults}, period: 4}}, code: -9, label: Not known}}]}}
""")
    assert [column.condition_places for column in layout.columns] == [
        (("adults", False, True),), (("adults", False, True),), (("adults", False, True), ("period", True, False))]
    for codes, row in ((True, "520.5,,-9"), (False, "520.5,,Not known")):
        assert written(visits_service, layout, tmp_path / "out.csv", codes=codes).decode().splitlines()[1] == row


def test_parquet_takes_the_same_options_as_text_where_they_make_text(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", VALUES)
    written(visits_service, layout, tmp_path / "out.parquet", codes=False, format="parquet")
    table = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert table == [{"repairs_in_words": "Repairs needed", "repairs_unlisted": None, "period_code": 4,
                      "period_label": "Monthly", "channel": "API", "rent": "520.5", "visit_day": 4, "visit_month": 5,
                      "visit_year": 2026, "rent_if_monthly": 520.5, "rent_if_weekly": None, "age1": "42",
                      "age2": "Not known", "scheme": None}]


@pytest.mark.parametrize("option, message", [
    ('line_end: "\\r"', r"line_end: '\\r' is not"),
    ("time_zone: Mars/Olympus", "time_zone: no time zone 'Mars/Olympus'"),
    ("colour: blue", "unknown keys colour"),
])
def test_a_layout_option_that_cannot_be_used_is_refused(tmp_path, option, message):
    with pytest.raises(DefinitionError, match=message):
        visits_layout(tmp_path / "2026.yaml", f"layouts:\n  - id: broken\n    {option}\n    columns: [visitref]\n")


@pytest.mark.parametrize("column, message", [
    ("{name: p, answer: period, always: both}", "always: 'both' is not code or label"),
    ("{name: d, answer: visitdate, date_part: week}", "date_part: 'week' is not one of day, month, year"),
    ("{name: a, answer: age1, unknown: [{code: -9}]}", r"unknown: each entry is"),
    ("{name: a, answer: age1, unknown: [{when: {worked: 1}, code: -9}]}",
     "unknown: no question or derived value 'worked'"),
    ("{name: r, answer: rent, only_when: {period: 4, perod: 1}}", "only_when: no question or derived value 'perod'"),
    ("{name: r, answer: repairs, labels: {1: Yes}}", r"labels: should be a list of \[code, label\] pairs"),
])
def test_a_column_option_that_cannot_be_used_is_refused_on_its_column(tmp_path, column, message):
    with pytest.raises(DefinitionError, match=r"layout broken: column '\w': " + message):
        visits_layout(tmp_path / "2026.yaml", f"layouts:\n  - id: broken\n    columns:\n      - {column}\n")


def test_whether_the_assigned_person_is_a_data_protection_officer(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", """layouts:
  - id: dpo
    columns:
      - {name: is_dpo, record: assigned_to_is_dpo, codes: [[true, "true"], [false, "false"]]}
      - {name: dpo, record: assigned_to_is_dpo}
""")
    with schema_context(visits_service.schema_name):
        record = Record.objects.get(pk=stored_visit.pk)
        assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == ","  # no one
        record.assigned_to = record.created_by
        record.save()
        assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == "false,False"
        Membership.objects.filter(user=record.assigned_to).update(is_data_protection_officer=True)
    assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == "true,True"
    written(visits_service, layout, tmp_path / "out.parquet", format="parquet")
    assert pq.read_table(tmp_path / "out.parquet").to_pylist() == [{"is_dpo": "true", "dpo": True}]


def test_a_confirmed_soft_check_is_written_while_it_fires_and_is_confirmed(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", """layouts:
  - id: checks
    columns:
      - {name: repairs_check, confirmed: repairs_detail_says_none, codes: [[true, 0]], labels: [[true, "Yes"]]}
      - {name: confirmed, confirmed: [older_person_in_work_1, repairs_detail_says_none]}  # either
""")
    with schema_context(visits_service.schema_name):
        submit(stored_visit, {"repairsdetail": "None really"}, "api", None, today=dt.date(2026, 6, 1))
        assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == ","  # waiting
        submit(stored_visit, {}, "api", None, confirm=("repairs_detail_says_none",), today=dt.date(2026, 6, 1))
        assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == "0,True"
        assert written(visits_service, layout, tmp_path / "out.csv", codes=False).decode().splitlines()[1] == "Yes,True"
        submit(stored_visit, {"repairs": 2}, "api", None, today=dt.date(2026, 6, 1))  # corrected: it no longer fires
        assert written(visits_service, layout, tmp_path / "out.csv").decode().splitlines()[1] == ","


def test_a_confirmed_column_names_a_soft_check_of_the_pack(tmp_path):
    with pytest.raises(DefinitionError, match="layout broken: column 'c': confirmed: no soft check "
                                              "'visitdate_in_collection_year'"):  # a hard rule
        visits_layout(tmp_path / "2026.yaml", "layouts:\n  - id: broken\n    columns:\n"
                                              "      - {name: c, confirmed: visitdate_in_collection_year}\n")


def test_a_derived_value_declared_text_is_a_string_in_parquet(visits_service, stored_visit, tmp_path):
    layout = visits_layout(tmp_path / "2026.yaml", """layouts:
  - id: text
    columns:
      - {name: weekly_rent_text, answer: weekly_rent, text: true}
      - weekly_rent
""")
    written(visits_service, layout, tmp_path / "out.parquet", format="parquet")
    ((as_text, as_number),) = [tuple(row.values()) for row in pq.read_table(tmp_path / "out.parquet").to_pylist()]
    assert isinstance(as_text, str) and float(as_text) == as_number
