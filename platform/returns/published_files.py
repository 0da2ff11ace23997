"""A quality report's tables as files laid out as the department publishes its tables:
one spreadsheet (XLSX) with a sheet per table, or one CSV per table in a zip. For an
organisation's return (whoever sees the return) and for the national tables of a quarter
(those who see every organisation). docs/reports.md, "The tables as files".

Each table is laid out as report_tables.laid_out lays it out from the package's reports
file (its id, title, total, column blocks with their titles, rows), never from code
naming a table:

    Table A1 - <title>                         the table's id and title
    <organisation or "All organisations">, <quarter>
                                               (a blank line)
    Code | Organisation | <total> | <block title ...> | <column>   heading rows: a block's
         |              |         | <its columns>    |              title over its columns
    E06000001 | Some Council | 12 | 3 | ...     a row per organisation (national: the
                                                total first, then each organisation)

A table with `rows` has, for one return, a row per option of its variable and a total
row (the option's code and label in the first two columns). The counts are those of the
report pages (report.report and report.national): the same SQL. Text that a spreadsheet
would run as a formula is made safe (uploads.cell_safety.safe_cell)."""

import csv
import io
import re
import zipfile

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse

from cldc.platform.returns import access
from cldc.platform.returns.report import latest_snapshots, national, report, return_sources
from cldc.platform.returns.report_views import header, national_quarter, reported
from cldc.platform.returns.views import the_return
from cldc.platform.uploads.cell_safety import safe_cell
from cldc.platform.xmlfiles.writer import organisation_code

FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "zip": "application/zip"}
ALL_ORGANISATIONS = "All organisations"


def heading_rows(layout, first=("Code", "Organisation")):
    """The heading rows of a table as cells, from the page's (report_views.header): one
    row, or two when a block has a title (the title over its columns, their labels
    below). Returns (rows, merges): merges are (row, first column, last column) of each
    block's title, to merge in a spreadsheet."""
    top, below = header(layout)
    lead = list(first)
    if not below:
        return [lead + [label for label, _, _ in top]], []
    upper, lower, merges, labels = lead[:], [""] * len(lead), [], iter(below)
    for label, rows, columns in top:
        if columns > 1:
            merges.append((0, len(upper), len(upper) + columns - 1))
        upper += [label] + [""] * (columns - 1)
        lower += [""] * columns if rows == 2 else [next(labels) for _ in range(columns)]
    return [upper, lower], merges


def return_tables(figures, organisation, period):
    """[(layout, title lines, heading rows, merges, body rows)] of one organisation's report (report.report)."""
    sheets = []
    for table in figures:
        layout = table.layout
        if layout.rows:
            rows, merges = heading_rows(layout, ("Code", layout.rows_title))
            body = [[row.key if row.key != "total" else "", row.label, *(cell.count for cell in row.cells)]
                    for row in table.rows]
        else:
            rows, merges = heading_rows(layout)
            body = [[organisation_code(organisation), organisation.name, *(cell.count for cell in table.rows[0].cells)]]
        sheets.append((layout, _titles(layout, organisation.name, period), rows, merges, body))
    return sheets


def national_tables(tables, period):
    """The same for the national tables (report.national): the total first, then each organisation."""
    sheets = []
    for layout, rows, totals in tables:
        headings, merges = heading_rows(layout)
        body = [["", "Total", *totals]] + [[organisation_code(organisation), organisation.name, *counts]
                                           for organisation, counts in rows]
        sheets.append((layout, _titles(layout, ALL_ORGANISATIONS, period), headings, merges, body))
    return sheets


def _titles(layout, whose, period):
    return [[f"Table {layout.table.id} - {layout.table.title}"], [f"{whose}, {period.long_label}"], []]


def _safe(row):
    return [safe_cell(cell) if isinstance(cell, str) else cell for cell in row]


def as_xlsx(sheets):
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for layout, titles, headings, merges, body in sheets:
        sheet = workbook.create_sheet(_sheet_name(layout.table.id))
        for row in titles + headings + body:
            sheet.append(_safe(row))
        sheet["A1"].font = Font(bold=True)
        first_heading = len(titles) + 1
        for row in sheet.iter_rows(min_row=first_heading, max_row=first_heading + len(headings) - 1):
            for cell in row:
                cell.font = Font(bold=True)
        for row, start, end in merges:
            if end > start:
                sheet.merge_cells(start_row=first_heading + row, start_column=start + 1,
                                  end_row=first_heading + row, end_column=end + 1)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def as_csv_zip(sheets):
    """One CSV a table (UTF-8 with a byte order mark, so that Excel reads its words), in a zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for layout, titles, headings, _, body in sheets:
            text = io.StringIO()
            csv.writer(text, lineterminator="\r\n").writerows(_safe(row) for row in titles + headings + body)
            archive.writestr(f"{_file_name(layout.table.id)}.csv", "\ufeff" + text.getvalue())
    return out.getvalue()


def _sheet_name(table_id):
    return re.sub(r"[\[\]:*?/\\]", "-", str(table_id))[:31]  # what Excel allows in a sheet's name


def _file_name(text):
    return re.sub(r"[^A-Za-z0-9_-]+", "-", str(text)).strip("-") or "table"


def _respond(sheets, file_format, name):
    if file_format not in FORMATS:
        raise Http404("No such file")
    content = as_xlsx(sheets) if file_format == "xlsx" else as_csv_zip(sheets)
    response = HttpResponse(content, content_type=FORMATS[file_format])
    response["Content-Disposition"] = f'attachment; filename="{_file_name(name)}.{file_format}"'
    return response


@login_required
def return_tables_file(request, pk, collection, record_type, period, file_format):
    """An organisation's report as files: whoever sees the return (views.the_return: else a 404)."""
    declared, organisation, found, made = the_return(request, pk, collection, record_type, period)
    reported(declared)
    if file_format not in FORMATS:
        raise Http404("No such file")
    current, _, _ = return_sources(request.user, declared, organisation, found, made)
    figures = report(declared, organisation, found, current, None, organisation.name)
    name = f"{declared.collection}-{declared.record_type}-{found.key}-{organisation_code(organisation)}-tables"
    return _respond(return_tables(figures, organisation, found), file_format, name)


@login_required
def national_tables_file(request, collection, record_type, period, file_format):
    """The national tables as files: those who see every organisation (else a 404)."""
    declared, found = national_quarter(request, collection, record_type, period)
    if file_format not in FORMATS:
        raise Http404("No such file")
    organisations = list(access.organisations_with_returns(request.user).order_by("name"))
    snapshots = latest_snapshots(organisations, declared, found)
    tables = national(declared, found, snapshots, organisations)
    name = f"{declared.collection}-{declared.record_type}-{found.key}-national-tables"
    return _respond(national_tables(tables, found), file_format, name)
