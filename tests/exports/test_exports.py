"""Exports (cldc.platform.exports), through the platform's test collection: a layout the
package declares, streamed to CSV, XLSX and Parquet; codes or labels and personal
columns by role; what changed since the last run, or everything; each run recorded;
a failed run leaves no file. A package without a layout exports every answer."""

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.platform.definitions.model import DefinitionError
from cldc.platform.exports import formats
from cldc.platform.exports.layouts import layouts, read_layouts
from cldc.platform.exports.models import ExportRun
from cldc.platform.exports.runs import run_export
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

HEADER = ["id", "status", "organisation", "reference", "date_of_visit", "repairs", "needs_mobility", "hhmemb",
          "age1", "work1", "age2", "work2", "period", "rent", "weekly_rent", "adults"]


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def council(make_organisation):
    return make_organisation("Exporting Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("exporter@council.example", council, role="data_coordinator")


@pytest.fixture
def visit(visits_service, complete_visit):
    """Store a visit for an organisation, through the gateway as every channel does."""
    def store(organisation, person, **changes):
        with schema_context(visits_service.schema_name):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                            managing_organisation=organisation, created_by=person)
            submit(record, {**complete_visit(), "owning_organisation_id": organisation.pk, **changes}, "api", person,
                   today=dt.date(2026, 6, 1))
            return record
    return store


def read_csv(run):
    with open(run.path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_a_declared_layout_goes_to_csv_in_codes_with_its_personal_columns(visits_service, visit, council, officer):
    record = visit(council, officer)
    run = run_export(visits_service, "visits", "visit", 2026, "csv")
    assert read_csv(run) == [HEADER, [str(record.pk), "completed", "Exporting Council", "V-1", "2026-05-04", "1", "1",
                                      "2", "42", "1", "12", "2", "4", "520", "120", "1"]]
    assert (run.status, run.records, run.full, run.since, run.layout) == ("done", 1, False, None, "visits")


def test_a_coordinator_gets_labels_without_personal_columns_and_no_more(visits_service, visit, council, officer,
                                                                         make_organisation, make_person):
    visit(council, officer, visitref="MINE")
    other = make_organisation("Other Council", type="local_authority")
    visit(other, make_person("other@council.example", other), visitref="THEIRS")
    run = run_export(visits_service, "visits", "visit", 2026, "csv", person=officer, role="data_coordinator",
                     codes=False)
    (header, row), = [read_csv(run)[:2]]
    assert "reference" not in header and len(read_csv(run)) == 2  # their own visit only
    assert dict(zip(header, row)) | {"id": ""} == {
        "id": "", "status": "completed", "organisation": "Exporting Council", "date_of_visit": "2026-05-04",
        "repairs": "Yes", "needs_mobility": "Yes", "hhmemb": "2", "age1": "42", "work1": "In work", "age2": "12",
        "work2": "Not in work", "period": "Monthly", "rent": "520", "weekly_rent": "120", "adults": "1"}


@pytest.mark.parametrize("role, codes", [("data_coordinator", True), ("data_provider", False)])
def test_a_role_asking_for_what_it_may_not_have_is_refused_not_given_less(visits_service, officer, role, codes):
    with pytest.raises(PermissionError):
        run_export(visits_service, "visits", "visit", 2026, "csv", person=officer, role=role, codes=codes)
    with schema_context(visits_service.schema_name):
        assert not ExportRun.objects.exists()


def test_parquet_keeps_each_columns_type(visits_service, visit, council, officer):
    import pyarrow.parquet as pq

    visit(council, officer)
    visit(council, officer, visitref="V-2", rent="99.50", period=1, hhmemb=1, age2=None, work2=None)
    table = pq.read_table(run_export(visits_service, "visits", "visit", 2026, "parquet").path)
    types = {field.name: str(field.type) for field in table.schema}
    assert {name: types[name] for name in ("id", "date_of_visit", "age1", "period", "rent", "reference", "weekly_rent")} == {
        "id": "int64", "date_of_visit": "date32[day]", "age1": "int64", "period": "int64", "rent": "double",
        "reference": "string", "weekly_rent": "double"}
    rows = table.to_pylist()
    assert [(r["reference"], r["date_of_visit"], r["rent"], r["weekly_rent"], r["age2"]) for r in rows] == [
        ("V-1", dt.date(2026, 5, 4), 520.0, 120.0, 12), ("V-2", dt.date(2026, 5, 4), 99.5, 99.5, None)]


def test_parquet_gathers_blocks_into_row_groups_and_writes_the_last_part_group(
        visits_service, visit, council, officer, monkeypatch):
    import pyarrow.parquet as pq

    for number in range(5):
        visit(council, officer, visitref=f"V-{number}")
    monkeypatch.setattr(formats, "PARQUET_BLOCK", 64)  # each block a row (a block holds at least one)
    monkeypatch.setattr(formats, "PARQUET_ROW_GROUP", 2)
    file = pq.ParquetFile(run_export(visits_service, "visits", "visit", 2026, "parquet").path)
    assert [file.metadata.row_group(i).num_rows for i in range(file.num_row_groups)] == [2, 2, 1]
    assert file.read().column("reference").to_pylist() == [f"V-{number}" for number in range(5)]


def test_xlsx_holds_the_same_rows_and_no_formula(visits_service, visit, council, officer):
    from openpyxl import load_workbook

    visit(council, officer, visitref="=HYPERLINK(\"http://example.com\")")
    sheet = load_workbook(run_export(visits_service, "visits", "visit", 2026, "xlsx").path).active
    header, row = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert header == HEADER and row[header.index("reference")] == "'=HYPERLINK(\"http://example.com\")"
    assert row[header.index("date_of_visit")].date() == dt.date(2026, 5, 4)


def test_a_partial_run_takes_what_changed_since_the_last_and_a_full_run_takes_everything(
        visits_service, visit, council, officer):
    first = visit(council, officer, visitref="FIRST")
    assert run_export(visits_service, "visits", "visit", 2026, "csv").records == 1
    second = visit(council, officer, visitref="SECOND")
    partial = run_export(visits_service, "visits", "visit", 2026, "csv")
    assert [row[3] for row in read_csv(partial)[1:]] == ["SECOND"] and partial.since is not None
    with schema_context(visits_service.schema_name):
        submit(Record.objects.get(pk=first.pk), {"repairs": 2}, "api", officer, today=dt.date(2026, 6, 2))
    assert [row[3] for row in read_csv(run_export(visits_service, "visits", "visit", 2026, "csv"))[1:]] == ["FIRST"]
    assert run_export(visits_service, "visits", "visit", 2026, "csv").records == 0
    full = run_export(visits_service, "visits", "visit", 2026, "csv", full=True)
    assert [row[0] for row in read_csv(full)[1:]] == [str(first.pk), str(second.pk)]
    with schema_context(visits_service.schema_name):
        assert ExportRun.objects.count() == 5


@pytest.mark.parametrize("change", ["owner renamed", "creator's email changed", "assignee changed"])
def test_a_partial_run_sends_again_the_records_whose_organisations_or_people_changed(
        visits_service, visit, council, officer, make_organisation, make_person, change):
    elsewhere = make_organisation("Elsewhere Council", type="local_authority")
    named = visit(council, officer, visitref="NAMED")
    visit(elsewhere, make_person("elsewhere@council.example", elsewhere), visitref="UNRELATED")
    assignee = make_person("assignee@council.example", council)
    with schema_context(visits_service.schema_name):
        Record.objects.filter(pk=named.pk).update(assigned_to=assignee)
    run_export(visits_service, "visits", "visit", 2026, "csv")

    if change == "owner renamed":
        council.name = "Renamed Council"
        council.save()
    elif change == "creator's email changed":
        officer.email = "new-address@council.example"
        officer.save()
    else:
        assignee.name = "Someone Else"
        assignee.save()

    assert [row[3] for row in read_csv(run_export(visits_service, "visits", "visit", 2026, "csv"))[1:]] == ["NAMED"]
    assert run_export(visits_service, "visits", "visit", 2026, "csv").records == 0  # and once only


def test_a_persons_download_is_not_where_the_next_partial_run_starts(visits_service, visit, council, officer,
                                                                        make_organisation, make_person):
    other = make_organisation("Elsewhere Council", type="local_authority")
    visit(other, make_person("elsewhere@council.example", other), visitref="ELSEWHERE")
    run_export(visits_service, "visits", "visit", 2026, "csv", person=officer, role="data_coordinator", codes=False)
    partial = run_export(visits_service, "visits", "visit", 2026, "csv")
    assert (partial.since, [row[3] for row in read_csv(partial)[1:]]) == (None, ["ELSEWHERE"])


def test_a_year_without_records_is_a_file_with_its_headers(visits_service):
    run = run_export(visits_service, "visits", "visit", 2026, "csv")
    assert read_csv(run) == [HEADER] and run.records == 0


def test_a_failed_run_is_recorded_leaves_no_file_and_a_rerun_makes_the_file(visits_service, visit, council, officer,
                                                                             tmp_path):
    visit(council, officer)

    def breaks(selection, rows, path):
        Path(path).write_text("half")
        raise OSError("disk full")

    formats.export_format("test.breaks", "csv")(breaks)
    try:
        with pytest.raises(OSError):
            run_export(visits_service, "visits", "visit", 2026, "test.breaks")
    finally:
        del formats.FORMATS["test.breaks"]
    with schema_context(visits_service.schema_name):
        failed = ExportRun.objects.get()
    assert (failed.status, failed.message, failed.path) == ("failed", "OSError: disk full", "")
    assert list((tmp_path / "exports" / "visits").iterdir()) == []
    again = run_export(visits_service, "visits", "visit", 2026, "csv")
    assert again.records == 1 and again.since is None  # the failed run is not a starting point


def test_the_command_exports_and_says_where(visits_service, visit, council, officer, capsys):
    visit(council, officer)
    call_command("cldc", "export", "--service", "visits", "--record-type", "visit", "--version", "2026",
                 "--format", "parquet", "--full")
    path, summary = capsys.readouterr().out.splitlines()
    assert path.endswith("-visits-visit-2026-visits.parquet") and Path(path).is_file()
    assert summary.startswith("1 records (everything); export run ")


def test_a_package_without_layouts_exports_every_answer(hclic_service):
    (everything,) = layouts("hclic", "case", 2026).values()
    names = [column.name for column in everything.columns]
    assert names[:4] == ["id", "status", "owning_organisation", "caseref"] and "hhtype" in names
    assert next(c for c in everything.columns if c.name == "caseref").personal


def test_a_layout_naming_an_unknown_answer_is_refused_with_its_file(tmp_path):
    from cldc.platform import registry

    bad = tmp_path / "2026.yaml"
    bad.write_text("layouts:\n  - id: broken\n    columns: [visitref, rentt]\n")
    visits = registry.get("visits")
    derived = {d.id: d for d in visits.rule_pack("visit", 2026).derivations}
    with pytest.raises(DefinitionError, match=r"2026.yaml: layout broken: column 'rentt': no question or derived"):
        read_layouts(bad, visits.definition("visit", 2026), derived)
