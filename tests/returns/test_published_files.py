"""A quality report's tables as files laid out as the published tables
(platform/returns/published_files.py), on the test collection's reports file
(tests/packages/visits/reports/visit.yaml): a sheet (XLSX) or a CSV (in a zip) per
table, its title and quarter, heading rows with a block's title over its columns, and a
row per organisation (a table with rows: a row per option and a total). The counts are
worked out here from the visits' answers, not read from the report. Whoever sees the
return gets its file, analysts the national one; anyone else a 404. Text that would run
as a formula is made safe."""

import csv
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.organisations.models import Organisation
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.tests.returns.conftest import return_url

Q1 = Period(2026, 1)
NATIONAL = "/returns/national/visits/visit/2026-q1/"
# Each organisation's visits of April to June 2026: changes to the package's complete visit.
VISITS = {
    "parent": [{}, {"hhmemb": 3, "age3": 30, "work3": 1, "period": 1, "needs_mental": 1}, {"repairs": 2}],
    "child": [{"needs_mobility": 0, "needs_none": 1, "period": 1, "hhmemb": 4, "age3": 8, "work3": 2, "age4": 6,
               "work4": 2}],
    "other": [{"period": 1}, {"visitmode": 2, "repairs": 2}],  # a council: it visits by phone too
}


@pytest.fixture
def visits(world, make_visit):
    """{organisation name: [the answers of each of its visits]}, the visits made."""
    world["orgs"]["other"].type = "local_authority"
    world["orgs"]["other"].save()
    made = {}
    for name, changes in VISITS.items():
        made[name] = []
        for n, change in enumerate(changes):
            record = make_visit(world["orgs"][name], f"{name}-{n}", dt.date(2026, 5, 1 + n), **change)
            assert record.status == "completed" and all(record.answers.get(k) == v for k, v in change.items() if v)
            made[name].append(record.answers)  # as stored: what routing leaves (no needs without repairs)
    return made


def options(variable):
    question = registry.get("visits").definition("visit", 2026).questions[variable]
    return [(code, label) for code, label in question.options + question.retired_options if label]


def v1_counts(answers):
    """V1, worked out: every visit, by how it was made, and households of 3 or more."""
    return [len(answers), *(sum(a["visitmode"] == code for a in answers) for code, _ in options("visitmode")),
            sum(a["hhmemb"] >= 3 for a in answers)]


def v2_counts(answers):
    """V2, worked out: visits with repairs, each need ticked counted alone."""
    repaired = [a for a in answers if a["repairs"] == 1]
    return [len(repaired), *(sum(a.get(box) == 1 for a in repaired) for box, _ in options("needs"))]


def v1_headings():
    modes = [label for _, label in options("visitmode")]
    return [["Code", "Organisation", "Visits", "How the visit was made", *[""] * (len(modes) - 1),
             "Households of 3 or more"],
            ["", "", "", *modes]]  # the condition's column: its label above, nothing below


def trimmed(row):
    """A row without its empty cells at the end (a sheet pads each row to its widest)."""
    row = ["" if cell is None else cell for cell in row]
    while row and row[-1] == "":
        row.pop()
    return row


def sheets_of(content):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return {sheet.title: [trimmed(row) for row in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets}


def csvs_of(content):
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name.removesuffix(".csv"): [trimmed(row) for row in csv.reader(
            io.StringIO(archive.read(name).decode("utf-8-sig")))] for name in archive.namelist()}


def as_text(rows):
    return [[str(cell) for cell in row] for row in rows]


def body_by_name(rows):
    """{organisation name: (its code, its counts)} of a table's rows after its headings."""
    return {row[1]: (row[0], row[2:]) for row in rows}


def test_an_organisations_return_as_a_spreadsheet_and_csv_files_laid_out_as_published(world, visits):
    parent = world["orgs"]["parent"]
    response = world["clients"]["parent coordinator"].get(return_url(parent, step="report") + "tables.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="visits-visit-2026-q1-')
    sheets = sheets_of(response.content)
    assert list(sheets) == ["V1", "V2"]
    v1 = sheets["V1"]
    assert v1[:3] == [["Table V1 - Visits by how they were made"], [f"Parent Homes, {Q1.long_label}"], []]
    assert v1[3:5] == v1_headings()
    merged = openpyxl.load_workbook(io.BytesIO(response.content))["V1"].merged_cells.ranges
    assert [str(cells) for cells in merged] == ["D4:G4"]  # the block's title over its four options
    [(code, name, *counts)] = v1[5:]
    assert (name, counts) == ("Parent Homes", v1_counts(visits["parent"]))
    assert Organisation.objects.by_reference(code) == parent  # the code reads back as the organisation
    # A table with rows: one per rent period and a total; the needs' columns under no title.
    v2 = sheets["V2"]
    assert v2[3] == ["Code", "Rent period", "Households", *(label for _, label in options("needs"))]
    expected = [[code, label, *v2_counts([a for a in visits["parent"] if a["period"] == code])]
                for code, label in options("period")]
    assert [[int(row[0]), *row[1:]] for row in v2[4:-1]] == expected
    assert v2[-1] == ["", "Total", *v2_counts(visits["parent"])]
    # The same tables as CSV files, one a table.
    zipped = world["clients"]["parent coordinator"].get(return_url(parent, step="report") + "tables.zip")
    assert zipped.status_code == 200 and zipped["Content-Type"] == "application/zip"
    assert csvs_of(zipped.content) == {name: as_text(rows) for name, rows in sheets.items()}


def test_the_national_tables_as_files_have_the_total_first_then_each_organisation(world, visits):
    world["orgs"]["other"].name = "=1+2 Housing"  # a name a spreadsheet would run as a formula
    world["orgs"]["other"].save()
    with schema_context("visits"):
        for organisation in world["orgs"].values():
            workflow.submit(returns_of("visits", "visit"), organisation, Q1, world["people"]["support"])
    analyst = world["clients"]["analyst"]
    sheets = sheets_of(analyst.get(NATIONAL + "tables.xlsx").content)
    every = [a for made in visits.values() for a in made]
    v1 = sheets["V1"]
    assert v1[1][0] == f"All organisations, {Q1.long_label}" and v1[3:5] == v1_headings()
    assert v1[5] == ["", "Total", *v1_counts(every)]
    names = {"parent": "Parent Homes", "child": "Child Lettings", "other": "'=1+2 Housing"}
    assert {name: counts for name, (_, counts) in body_by_name(v1[6:]).items()} == {
        names[key]: v1_counts(made) for key, made in visits.items()}
    v2 = sheets["V2"]  # one row per organisation: its rows summed; one heading row (no block has a title)
    assert v2[3] == ["Code", "Organisation", "Households", *(label for _, label in options("needs"))]
    assert v2[4] == ["", "Total", *v2_counts(every)]
    assert {name: counts for name, (_, counts) in body_by_name(v2[5:]).items()} == {
        names[key]: v2_counts(made) for key, made in visits.items()}
    files = csvs_of(analyst.get(NATIONAL + "tables.zip").content)
    assert files == {name: as_text(rows) for name, rows in sheets.items()}
    assert "'=1+2 Housing" in [row[1] for row in files["V1"][5:]]


def test_whoever_sees_the_return_gets_its_file_analysts_the_national_one_and_the_pages_link_them(world, visits):
    parent, other = world["orgs"]["parent"], world["orgs"]["other"]
    clients = world["clients"]
    xlsx = return_url(parent, step="report") + "tables.xlsx"
    assert clients["child coordinator"].get(xlsx).status_code == 404
    assert clients["other coordinator"].get(xlsx).status_code == 404
    assert clients["analyst"].get(xlsx).status_code == 200
    assert clients["other coordinator"].get(return_url(other, step="report") + "tables.zip").status_code == 200
    assert clients["parent coordinator"].get(return_url(parent, step="report") + "tables.pdf").status_code == 404
    assert clients["parent coordinator"].get(NATIONAL + "tables.xlsx").status_code == 404
    assert clients["support"].get(NATIONAL + "tables.zip").status_code == 200
    page = clients["parent coordinator"].get(return_url(parent, step="report")).content.decode()
    assert f'href="{xlsx}"' in page and f'href="{return_url(parent, step="report")}tables.zip"' in page
    national = clients["analyst"].get(NATIONAL).content.decode()
    assert f'href="{NATIONAL}tables.xlsx"' in national and f'href="{NATIONAL}tables.zip"' in national
