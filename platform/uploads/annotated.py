"""The person's own file with the errors and warnings found in it, to download and fix
in their own system.

    with open(target, "wb") as out:
        content_type, download_name = annotated_file(upload_path, "their file.csv", issues, out,
                                                     corrections={3: {5: "41"}}, log_ids={2: 1017})

Every row of the file is written back in order, heading and blank rows included, so
row numbers still match theirs, with columns added at the right, headed in the header
row (the field-number row of the official template; its other heading rows get blank
cells):
- "Log ID": the log each row created, updated or left as it was (when any row has one);
- one column for each question that has an error in some row, headed "Errors: " and
  the question as the file names it ("Errors: Tenancy start date (column H)"), holding
  that question's messages of the row; then the same for warnings ("Warnings: ...");
  a message about a whole row goes under "Errors" or "Warnings".
Cells the person corrected in the browser hold the corrected value. A file annotated
before loses the columns added then (any column headed as above), so that uploading a
corrected copy and downloading it again does not repeat them.

The download is the same kind as the upload, or a workbook on request:
- CSV: always UTF-8 with a byte order mark and commas, whatever the upload's encoding
  and delimiter (a Windows-1252 or semicolon file comes back as UTF-8 with commas),
  because that is what Excel opens correctly with a double click;
- XLSX (for a workbook, or a CSV when `kind` is XLSX): the sheet that was read, under
  its name, with a comment and a pale fill (red for errors, amber for warnings) on each
  cell that has a problem, and a comment on each corrected cell saying what it was.

Cells are the text the reader gave (a workbook's numbers and dates come back as text),
and every cell passes through safe_cell, so a value such as "=cmd|..." cannot run as a
formula when the file is opened. The file is streamed, one row at a time, twice: once
to find its width, once to write it. Only the issues are held in memory.
"""

import csv
import io
import re
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import PatternFill

from cldc.platform.uploads.cell_safety import safe_cell
from cldc.platform.uploads.files import MAX_CELL_CHARS, open_upload
from cldc.platform.uploads.refusals import column_letter
from cldc.platform.uploads.template import ERRORS, LOG_ID, WARNINGS, is_annotation_heading

CSV, XLSX = "csv", "xlsx"
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILLS = {"hard": PatternFill("solid", fgColor="FFD9D9"), "soft": PatternFill("solid", fgColor="FFEBC2")}
COMMENT_AUTHOR = "Bulk upload"
# Each comment is held in memory until the workbook is saved, and Excel slows down
# with very many: past this many cells, a cell with a problem is only filled.
MAX_COMMENTS = 20_000
SHEET_NAME = re.compile(r"[\[\]:*?/\\]")  # characters a sheet's name cannot have


def annotated_file(path, filename, issues, out, *, corrections=None, log_ids=None, kind=None, sheet=None):
    """Write the person's own file (at `path`, uploaded as `filename`) to the binary file
    object `out`, with columns added at the right; see the module docstring. `issues`:
    (row number in the file, column index or None, severity "hard" or another (a
    warning), column label, message) in the order to show them. Issues for rows the file
    does not have, or for the header row, are left out. `corrections`: {row: {column
    index: value}} made in the browser; `log_ids`: {row: log id}; `kind`: XLSX for a
    workbook whatever the upload is; `sheet`: the workbook's sheet to write (else the
    one the upload read). Returns (content type, download filename), e.g.
    ("text/csv; charset=utf-8", "our-export-errors.csv") for "our-export.csv"."""
    by_row = issues_by_row(issues)
    corrections, log_ids = corrections or {}, log_ids or {}
    with open_upload(path, filename, sheet=sheet) as upload:
        by_row.pop(upload.header_row, None)
        layout = _Layout(upload, by_row, corrections, log_ids)
        rows = _annotated_rows(upload, layout, by_row, corrections, log_ids)
        if upload.kind == XLSX or kind == XLSX:
            sheet = upload.sheet or SHEET_NAME.sub(" ", Path(str(filename).replace("\\", "/")).stem)[:31]
            _write_xlsx(rows, sheet, layout, by_row, corrections, out)
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
        entry = (column, "hard" if severity == "hard" else "soft", label or "", message)  # a gateway note warns too
        entries = by_row.setdefault(row, [])
        if entry not in entries:
            entries.append(entry)
    return by_row


def described(column, label):
    """The question a message is about, as the file names it: "Age (column F)"."""
    letter = column_letter(column) if column is not None else ""
    return f"{label} (column {letter})" if label and letter else label or (letter and f"Column {letter}")


class _Layout:
    """Where everything goes: the person's columns kept (those an earlier annotation
    added are dropped), and the columns added after them."""

    def __init__(self, upload, by_row, corrections, log_ids):
        width, heading, numbers = len(upload.headers), [], set()
        for number, cells in upload.all_rows():
            numbers.add(number)
            if number == upload.header_row:
                heading = cells
            filled = len(cells)
            while filled and not cells[filled - 1]:
                filled -= 1
            width = max(width, filled, *(column + 1 for column in corrections.get(number, ())))
        dropped = {i for i, cell in enumerate(heading) if is_annotation_heading(cell)}
        self.kept = [i for i in range(width) if i not in dropped]
        self.position = {column: at for at, column in enumerate(self.kept)}  # the person's column -> where it is now
        self.log_id_at = len(self.kept) if log_ids else None
        added = {}  # (severity, column or None, label) -> heading
        for number in set(by_row) - numbers:  # rows the file has not
            del by_row[number]
        for entries in by_row.values():
            for column, severity, label, _ in entries:
                key = self.about(column, severity, label)
                added.setdefault(key, self.heading(key))
        first = len(self.kept) + (1 if log_ids else 0)
        order = sorted(added, key=lambda key: (key[0] != "hard", key[1] is None, key[1] or 0, key[2]))
        self.added = {key: first + n for n, key in enumerate(order)}
        self.headings = [added[key] for key in order]
        self.width = first + len(order)

    def about(self, column, severity, label):
        """The added column a message goes in: its severity and question."""
        return severity, column if column in self.position else None, label

    @staticmethod
    def heading(key):
        severity, column, label = key
        word = ERRORS if severity == "hard" else WARNINGS
        about = described(column, label)
        return f"{word}: {about}" if about else word


def _annotated_rows(upload, layout, by_row, corrections, log_ids):
    """(row number, [cell text]) of the file to write: the person's columns, then the
    added ones filled; every row as wide as the widest, all cells safe."""
    for number, cells in upload.all_rows():
        cells = list(cells)
        for column, value in corrections.get(number, {}).items():
            cells += [""] * (column + 1 - len(cells))
            cells[column] = value
        row = [safe_cell(cells[i]) if i < len(cells) else "" for i in layout.kept]
        row += [""] * (layout.width - len(row))
        if number == upload.header_row:
            if layout.log_id_at is not None:
                row[layout.log_id_at] = LOG_ID
            for at, heading in zip(layout.added.values(), layout.headings):
                row[at] = safe_cell(heading)[:MAX_CELL_CHARS]
        else:
            if layout.log_id_at is not None and number in log_ids:
                row[layout.log_id_at] = str(log_ids[number])
            messages = {}
            for column, severity, label, message in by_row.get(number, ()):
                messages.setdefault(layout.added[layout.about(column, severity, label)], []).append(message)
            for at, texts in messages.items():
                row[at] = safe_cell("\n".join(texts))[:MAX_CELL_CHARS]
        yield number, row


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

def _write_xlsx(rows, sheet_name, layout, by_row, corrections, out):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name or "Sheet1")
    for at in layout.added.values():
        sheet.column_dimensions[column_letter(at)].width = 60
    comments = 0
    for number, row in rows:
        if ILLEGAL_CHARACTERS_RE.search("".join(row)):
            row = [ILLEGAL_CHARACTERS_RE.sub("", cell) for cell in row]   # a workbook cannot hold them
        values = [cell or None for cell in row]
        problems = _cell_problems(by_row.get(number, ()), corrections.get(number, {}), layout)
        for at, text, fill in problems:
            cell = WriteOnlyCell(sheet, values[at])
            if fill is not None:
                cell.fill = FILLS[fill]
            if comments < MAX_COMMENTS:
                cell.comment = Comment(text, COMMENT_AUTHOR, height=_comment_height(text), width=300)
                comments += 1
            values[at] = cell
        sheet.append(values)
    workbook.save(out)


def _cell_problems(entries, corrected, layout):
    """(where, comment text, fill: the worst severity or None) for each of the person's
    cells of the row with a problem or a correction (never the added columns)."""
    by_column = {}
    for column, severity, _, message in entries:
        if column in layout.position:
            by_column.setdefault(layout.position[column], []).append((severity, message))
    for column in corrected:
        if column in layout.position:
            by_column.setdefault(layout.position[column], [])
    for at, problems in by_column.items():
        lines = [f"{'Error' if severity == 'hard' else 'Warning'}: {message}" for severity, message in problems]
        if layout.kept[at] in corrected:
            lines.append("Corrected in the service: your file had another value here.")
        worst = ("hard" if any(severity == "hard" for severity, _ in problems) else "soft") if problems else None
        yield at, ILLEGAL_CHARACTERS_RE.sub("", "\n".join(lines))[:MAX_CELL_CHARS], worst


def _comment_height(text):
    return 20 + 15 * max(1, text.count("\n") + 1 + len(text) // 50)
