"""The person's own file with the errors and warnings found in it, to download and fix
in their own system.

    with open(target, "wb") as out:
        content_type, download_name = annotated_file(upload_path, "their file.csv", issues, out)

Every row of the file is written back in order, heading and blank rows included, so
row numbers still match theirs, with two columns added at the right: "Errors" and
"Warnings", headed in the header row (the field-number row of the official template;
its other heading rows get blank cells). Each message there is prefixed by the column
it concerns ("Tenancy start date (column H): ..."). A file annotated before keeps its
"Errors" and "Warnings" columns, refilled, rather than gaining a second pair.

The download is the same kind as the upload:
- CSV in, CSV out: always UTF-8 with a byte order mark and commas, whatever the
  upload's encoding and delimiter (a Windows-1252 or semicolon file comes back as
  UTF-8 with commas), because that is what Excel opens correctly with a double click;
- XLSX in, XLSX out: the sheet that was read, under its name, with a comment and a
  pale fill (red for errors, amber for warnings) on each cell that has a problem.

Cells are the text the reader gave (a workbook's numbers and dates come back as text),
and every cell passes through safe_cell, so a value such as "=cmd|..." cannot run as a
formula when the file is opened. The file is streamed, one row at a time, twice: once
to find its width, once to write it. Only the issues are held in memory.
"""

import csv
import io
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from cldc.platform.uploads.files import MAX_CELL_CHARS, column_letter, open_upload, safe_cell

from cldc.platform.uploads.template import ERRORS, WARNINGS, is_annotation_heading
SEPARATOR = "; "
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILLS = {"hard": PatternFill("solid", fgColor="FFD9D9"), "soft": PatternFill("solid", fgColor="FFEBC2")}
COMMENT_AUTHOR = "Bulk upload"
# Each comment is held in memory until the workbook is saved, and Excel slows down
# with very many: past this many cells, a cell with a problem is only filled.
MAX_COMMENTS = 20_000


def annotated_file(path, filename, issues, out):
    """Write the person's own file (at `path`, uploaded as `filename`) to the binary file
    object `out`, with "Errors" and "Warnings" columns added at the right; see the module
    docstring. `issues`: (row number in the file, column index or None, severity "hard"
    or "soft", column label, message) in the order to show them. Issues for rows the
    file does not have, or for the header row, are left out. Returns (content type,
    download filename), e.g. ("text/csv; charset=utf-8", "lettings-errors.csv")."""
    by_row = issues_by_row(issues)
    with open_upload(path, filename) as upload:
        by_row.pop(upload.header_row, None)
        width, errors_at, warnings_at = _columns(upload)
        rows = _annotated_rows(upload, by_row, width, errors_at, warnings_at)
        if upload.kind == "xlsx":
            _write_xlsx(rows, upload.sheet, by_row, errors_at, warnings_at, out)
            return XLSX_TYPE, download_name(filename, ".xlsx")
        _write_csv(rows, out)
        return CSV_TYPE, download_name(filename, ".csv")


def download_name(filename, suffix):
    name = str(filename or "").replace("\\", "/").rsplit("/", 1)[-1]     # a browser may send a path
    stem = Path(name).stem
    return f"{stem or 'upload'}-errors{suffix}"


def issues_by_row(issues):
    """{row number: [(column, severity, label, message), ...]}, built once; repeats dropped."""
    by_row = {}
    for row, column, severity, label, message in issues:
        entry = (column, "soft" if severity == "soft" else "hard", label or "", message)
        entries = by_row.setdefault(row, [])
        if entry not in entries:
            entries.append(entry)
    return by_row


def described(column, label, message):
    """A message prefixed by the column it concerns: "Age (column F): ..."."""
    letter = column_letter(column) if column is not None else ""
    prefix = f"{label} (column {letter})" if label and letter else label or letter and f"Column {letter}"
    return f"{prefix}: {message}" if prefix else message


def _columns(upload):
    """(width of the person's data, index of the Errors column, of the Warnings column).
    The width ignores trailing blank cells, which many exports pad every row with."""
    width, heading = len(upload.headers), []
    for number, cells in upload.all_rows():
        if number == upload.header_row:
            heading = cells
        filled = len(cells)
        while filled and not cells[filled - 1]:
            filled -= 1
        width = max(width, filled)
    found = {" ".join(cell.split()).casefold(): i for i, cell in enumerate(heading) if is_annotation_heading(cell)}
    if len(found) == 2:                      # annotated before: refill those columns
        return width, found[ERRORS.casefold()], found[WARNINGS.casefold()]
    return width, width, width + 1


def _annotated_rows(upload, by_row, width, errors_at, warnings_at):
    """(row number, [cell text]) of the file to write: every row padded or cut to the
    same width (only blank cells are cut), with the two columns filled, all cells safe."""
    total = max(width, errors_at + 1, warnings_at + 1)
    for number, cells in upload.all_rows():
        row = [safe_cell(cell) for cell in cells[:total]]
        row += [""] * (total - len(row))
        if number == upload.header_row:
            row[errors_at], row[warnings_at] = ERRORS, WARNINGS
        else:
            entries = by_row.get(number, ())
            row[errors_at] = _joined(entries, "hard")
            row[warnings_at] = _joined(entries, "soft")
        yield number, row


def _joined(entries, severity):
    text = SEPARATOR.join(described(column, label, message)
                          for column, kind, label, message in entries if kind == severity)
    return safe_cell(text)[:MAX_CELL_CHARS]


# --- CSV -------------------------------------------------------------------------------

def _write_csv(rows, out):
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    try:
        writer = csv.writer(text)
        for _, row in rows:
            writer.writerow(row)
    finally:
        text.flush()
        text.detach()                        # `out` stays open for its owner


# --- XLSX ------------------------------------------------------------------------------

def _write_xlsx(rows, sheet_name, by_row, errors_at, warnings_at, out):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name or "Sheet1")
    for column in (errors_at, warnings_at):
        sheet.column_dimensions[column_letter(column)].width = 60
    comments = 0
    for number, row in rows:
        if ILLEGAL_CHARACTERS_RE.search("".join(row)):
            row = [ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row]   # a workbook cannot hold them
        values = [cell or None for cell in row]
        for column, text, severity in _cell_problems(by_row.get(number, ()), len(values), (errors_at, warnings_at)):
            cell = WriteOnlyCell(sheet, values[column])
            cell.fill = FILLS[severity]
            if comments < MAX_COMMENTS:
                cell.comment = Comment(text, COMMENT_AUTHOR, height=_comment_height(text), width=300)
                comments += 1
            values[column] = cell
        sheet.append(values)
    workbook.save(out)


def _cell_problems(entries, width, added):
    """(column, comment text, worst severity) for each cell of the row with a problem,
    in the person's columns only (never on the two added ones)."""
    by_column = {}
    for column, severity, _, message in entries:
        if column is not None and 0 <= column < width and column not in added:
            by_column.setdefault(column, []).append((severity, message))
    for column, problems in by_column.items():
        text = "\n".join(f"{'Error' if severity == 'hard' else 'Warning'}: {message}"
                         for severity, message in problems)
        worst = "hard" if any(severity == "hard" for severity, _ in problems) else "soft"
        yield column, ILLEGAL_CHARACTERS_RE.sub("", text)[:MAX_CELL_CHARS], worst


def _comment_height(text):
    return 20 + 15 * max(1, text.count("\n") + 1 + len(text) // 50)

