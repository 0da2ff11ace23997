"""Reading an uploaded file for bulk upload: any CSV or XLSX, streamed, every value as
text, and every problem with the file itself as a plain message (refusals.UploadError).

    with open_upload(path_or_binary_file, "their name.csv") as upload:
        upload.kind          # "csv" or "xlsx", decided by the content, not the name
        upload.layout        # "template" (the official template) or "headers"
        upload.headers       # by column: field numbers (template) or header texts
        upload.columns       # {column index: field number or header} for named columns
        for row_number, values in upload.rows():   # {column index: text}, blanks left out
            ...

Row numbers are the ones a spreadsheet shows: blank rows are skipped but counted,
and a CSV record with new lines inside quotes is one row. What is refused, and why:

- nothing to read: an empty file, only blank rows, headings with no data rows;
- not a CSV or XLSX, whatever the name says: told apart by the first bytes (PDF, ZIP,
  Word, OpenDocument, old .xls or password-protected workbooks, HTML, images) or by
  control characters and NUL bytes (binary junk);
- too big: over CLDC_UPLOAD_MAX_BYTES (50 MB by default), checked before reading, and
  a workbook that unzips to far more than its size or that limit (a "zip bomb");
- more data rows than CLDC_UPLOAD_MAX_ROWS (150,000), refused as soon as the count
  passes it;
- text that is neither UTF-8 nor Windows-1252, or mixes the two;
- duplicate headings or field numbers, more than 1,000 columns, a heading longer than
  CLDC_UPLOAD_MAX_HEADING_CHARS (200), a cell longer than CLDC_UPLOAD_MAX_CELL_CHARS
  (32,767, as in Excel; in a CSV usually a quote mark left open), a CSV line longer
  than 1,048,576 characters outside quotes.

Limits are applied while the file is read, so a hostile file costs little: no cell's
text is built beyond its limit (a workbook's shared strings are read by xlsx_reader.py,
not by openpyxl, which builds each whole), and no CSV line is read whole
(csv_reader.py). This module sniffs what the file is and applies the limits to it as a
whole; the refusals' words are in refusals.py.

A renamed file is read as what it is: an XLSX saved with a .csv name is a workbook
(its bytes cannot be a CSV, and refusing would only make the person rename it), and
`notes` says so. Cells that a spreadsheet would run as a formula (=, +, -, @) are kept
as data, and counted in `formula_cells`; whatever writes a file back passes every cell
through cell_safety.safe_cell.
"""

import codecs
import os
import zipfile
import zlib
from pathlib import Path

from cldc.platform.uploads.cell_safety import formula_columns
from cldc.platform.uploads.csv_reader import CsvReader
from cldc.platform.uploads.refusals import (DAMAGED_WORKBOOK, SAVE_AS, BlankTemplate, NoHeadings, UploadError,
                                            column_letter, looks_like_data, megabytes, past_last_column)
from cldc.platform.uploads.template import SEARCH_ROWS, TemplateError, find_template
from cldc.platform.uploads.xlsx_reader import XlsxReader, row_as_list

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 150_000               # CLDC_UPLOAD_MAX_ROWS: half as many again as the 100,000 the pipeline is measured at
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32_767          # the most an Excel cell holds: CLDC_UPLOAD_MAX_CELL_CHARS
MAX_HEADING_CHARS = 200          # CLDC_UPLOAD_MAX_HEADING_CHARS: as kept (a saved match, an issue's column)
FORMULA_CELLS_KEPT = 1000


def upload_max_bytes():
    """The size limit: CLDC_UPLOAD_MAX_BYTES, else 50 MB."""
    return _limit("CLDC_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)


def _limit(name, default):
    """A limit: the Django setting `name`, else the environment variable of that name,
    else `default`."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        value = getattr(settings, name, None)
    except ImproperlyConfigured:    # a script without Django settings: the environment decides
        value = None
    return int(value or os.environ.get(name) or default)


def open_upload(source, filename, *, max_bytes=None, max_columns=MAX_COLUMNS, sheet=None):
    """Open an uploaded file (a path, or a seekable binary file object) and check it
    as a whole: its type, size, encoding, headings and that it has data rows. Raises
    UploadError with a message for the person; the returned UploadFile must be closed
    (it is a context manager). `sheet`: the workbook's sheet to read, by name (else
    the one laid out like the template, or the first with data)."""
    upload = UploadFile(source, filename, max_columns, sheet)
    try:
        upload._open(upload_max_bytes() if max_bytes is None else max_bytes)
    except BaseException:
        upload.close()
        raise
    return upload


class UploadFile:
    kind = layout = encoding = delimiter = sheet = None
    template = questions = None

    def __init__(self, source, filename, max_columns, sheet=None):
        self.filename = filename
        self.wanted_sheet = sheet
        self.sheets = []                 # a workbook's visible sheets with data
        self.max_columns = max_columns
        self.max_rows = _limit("CLDC_UPLOAD_MAX_ROWS", MAX_ROWS)
        self.max_cell_chars = _limit("CLDC_UPLOAD_MAX_CELL_CHARS", MAX_CELL_CHARS)
        self.max_heading_chars = _limit("CLDC_UPLOAD_MAX_HEADING_CHARS", MAX_HEADING_CHARS)
        self.notes = []
        self.headers = []
        self.columns = {}
        self.header_row = None
        self.formula_cells = []          # (row number, column index), the first 1,000
        self.formula_cell_count = 0
        self._reader = None
        if isinstance(source, (str, os.PathLike)):
            self._file, self._owned = open(source, "rb"), True
        else:
            self._file, self._owned = source, False

    # --- reading -----------------------------------------------------------------

    def rows(self):
        """(row number, {column index: text}) for each data row, blank rows skipped.
        Streams: one row at a time. May raise UploadError for a problem found further
        into the file (a cell too long, more rows than the limit, a damaged workbook)."""
        self.formula_cells, self.formula_cell_count = [], 0
        count = 0
        for number, cells in self._reader.records():
            if number <= self.header_row:
                continue
            pairs = cells.items() if type(cells) is dict else enumerate(cells)
            values = {i: cell for i, cell in pairs if cell and not cell.isspace()}
            if not values:
                continue
            count += 1
            if count > self.max_rows:
                raise UploadError(f"Your file has more than {self.max_rows:,} rows. Split it into files of at most "
                                  f"{self.max_rows:,} rows and upload each one.")
            self._check_row(number, values)
            yield number, values

    def count_rows(self):
        """How many data rows the file has: it is read once, and refused as soon as it
        has more than the row limit."""
        return sum(1 for _ in self.rows())

    def all_rows(self):
        """(row number from 1, [cell text]) for every row of the file, heading and blank
        rows included (blank as []), for writing the file back. Streams."""
        expected = 1
        for number, cells in self._reader.records():
            while expected < number:          # a workbook leaves blank rows out
                yield expected, []
                expected += 1
            yield number, row_as_list(cells, number, self.max_columns)
            expected = number + 1

    def keyed(self, values):
        """A row's values keyed by field number (template) or header, for the named
        columns only."""
        return {self.columns[i]: value for i, value in values.items() if i in self.columns}

    def close(self):
        if self._reader is not None:
            self._reader.close()
        if self._owned:
            self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        return f"<UploadFile {self.filename!r} {self.kind} {self.layout} {len(self.columns)} columns>"

    # --- opening -----------------------------------------------------------------

    def _open(self, max_bytes):
        size = _size(self._file)
        if size == 0:
            raise UploadError("The selected file is empty.")
        if size > max_bytes:
            raise UploadError(f"The selected file is {megabytes(size)}. It must be smaller than "
                              f"{megabytes(max_bytes)}: split it into smaller files and upload each one.")
        self._file.seek(0)
        head = self._file.read(64 * 1024)
        self.kind = _kind_of(head, self._file)
        if self.kind == "xlsx":
            self._reader = XlsxReader(self._file, size, max_bytes, self.max_columns, self.max_cell_chars,
                                      sheet=self.wanted_sheet)
            self.sheet, self.sheets = self._reader.sheet_name, self._reader.sheets_with_data
        else:
            _refuse_binary(head)
            self._reader = CsvReader(self._file, self.max_cell_chars)
            self.encoding, self.delimiter = self._reader.encoding_name, self._reader.delimiter
        self._note_renamed()
        self._read_headings()
        rows = self.rows()
        try:
            first = next(rows, None)
        finally:
            rows.close()
        if first is None:
            blank = BlankTemplate if self.template else UploadError
            raise blank("The file has headings but no rows of data below them. Add the data and upload the file again.")

    def _note_renamed(self):
        suffix = Path(self.filename or "").suffix.lower()
        if self.kind == "xlsx" and suffix not in (".xlsx", ".xlsm"):
            self.notes.append(f"The file's name ends in {suffix or 'nothing'} but it is an Excel workbook: "
                              "it was read as a workbook.")
        elif self.kind == "csv" and suffix in (".xlsx", ".xlsm", ".xls"):
            self.notes.append(f"The file's name ends in {suffix} but it is a CSV text file: "
                              "it was read as CSV.")

    def _read_headings(self):
        first_rows, header = [], None
        for number, cells in self._reader.records():
            cells = row_as_list(cells, number, self.max_columns)
            if number <= SEARCH_ROWS:
                first_rows.append((number, cells))
            if header is None and any(cell.strip() for cell in cells):
                header = (number, cells)
            if header and number >= SEARCH_ROWS:
                break
        if header is None:
            raise UploadError("The file has no data: every row is blank.")
        try:
            self.template = find_template(first_rows)
        except TemplateError as error:
            raise UploadError(str(error)) from None
        if self.template:
            self._template_headings()
        else:
            self._provider_headings(*header)

    def _template_headings(self):
        layout = self.template
        self.layout, self.header_row = "template", layout.field_number_row
        width = max(layout.field_numbers) + 1
        self._check_width(width, self.header_row)
        self.headers = [layout.field_numbers.get(i) for i in range(width)]
        self.columns = dict(layout.field_numbers)
        questions = layout.labels.get("question") or []
        self.questions = [questions[i].strip() if i in self.columns and i < len(questions) else ""
                          for i in range(width)]
        _refuse_duplicates(self.columns, "field number", lambda n: f"Field number {n}")

    def _provider_headings(self, number, cells):
        if looks_like_data(cells):
            raise NoHeadings(f"Row {number}, the first row of the file, holds values, not headings. Add a row of "
                             "headings above the data (or use the template, with its header rows) and upload the "
                             "file again.")
        self.layout, self.header_row = "headers", number
        headers = [cell.strip() for cell in cells]
        while headers and not headers[-1]:
            headers.pop()
        self._check_width(len(headers), number)
        for column, header in enumerate(headers):
            if len(header) > self.max_heading_chars:
                raise UploadError(
                    f"The heading in cell {column_letter(column)}{number} is {len(header):,} characters long. "
                    f"A heading can have at most {self.max_heading_chars:,} characters: shorten it and upload "
                    "the file again.")
        self.headers = headers
        self.columns = {i: header for i, header in enumerate(headers) if header}
        _refuse_duplicates({i: " ".join(h.split()).casefold() for i, h in self.columns.items()},
                           "heading", lambda key: f'"{self._header_for(key)}"')

    def _header_for(self, key):
        return next(h for h in self.columns.values() if " ".join(h.split()).casefold() == key)

    def _check_width(self, width, number):
        if width > self.max_columns:
            raise UploadError(f"Row {number} has {width:,} columns. A file can have at most "
                              f"{self.max_columns:,}: remove the columns that are not needed.")

    def _check_row(self, number, values):
        """Cells are no longer than their limit already: the readers refuse one as they read it."""
        last = max(values)
        if last >= self.max_columns:
            raise UploadError(past_last_column(number, last, self.max_columns))
        # One search over the joined row first: most rows have no cell to look at.
        for column in formula_columns(values):
            self.formula_cell_count += 1
            if len(self.formula_cells) < FORMULA_CELLS_KEPT:
                self.formula_cells.append((number, column))


def _refuse_duplicates(names, what, show):
    """Refuse columns that share a name (names: {column: comparable name})."""
    columns_by_name = {}
    for column, name in names.items():
        columns_by_name.setdefault(name, []).append(column)
    repeated = [(name, columns) for name, columns in columns_by_name.items() if len(columns) > 1]
    if not repeated:
        return
    parts = [f"{show(name)} is in columns {_and([column_letter(c) for c in columns])}"
             for name, columns in repeated[:5]]
    more = f", and {len(repeated) - 5} more" if len(repeated) > 5 else ""
    raise UploadError(f"Each column must have a different {what}. {'; '.join(parts)}{more}. "
                      f"Rename or remove the repeated columns and upload the file again.")


def _and(items):
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


def _size(file):
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    file.seek(0, os.SEEK_END)
    return file.tell()


# --- what kind of file -------------------------------------------------------------

# First bytes of files people upload by mistake, and what to call them.
SIGNATURES = [
    (b"%PDF", "a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an older Excel workbook (.xls), a password-protected workbook "
                                          "or another Office document"),
    (b"\x89PNG", "an image (PNG)"),
    (b"\xff\xd8\xff", "an image (JPEG)"),
    (b"GIF8", "an image (GIF)"),
    (b"\x1f\x8b", "a compressed (gzip) file"),
    (b"Rar!", "a compressed (RAR) file"),
    (b"7z\xbc\xaf\x27\x1c", "a compressed (7-Zip) file"),
    (b"{\\rtf", "a Rich Text document"),
    (b"\xff\xfe", "saved as Unicode text (UTF-16)"),
    (b"\xfe\xff", "saved as Unicode text (UTF-16)"),
]
MARKUP = [(b"<!doctype html", "a web page (HTML)"), (b"<html", "a web page (HTML)"),
          (b"<table", "a web page (HTML)"), (b"<?xml", "an XML file")]


def _kind_of(head, file):
    """'xlsx' or 'csv', from the first bytes; anything else is refused by name."""
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    for magic, name in SIGNATURES:
        if head.startswith(magic):
            _refuse(name)
    start = head.removeprefix(codecs.BOM_UTF8).lstrip()[:20].lower()
    for magic, name in MARKUP:
        if start.startswith(magic):
            _refuse(name, "Some systems export a web page or XML with a spreadsheet's name: open it in "
                          "Excel, then save it as CSV UTF-8 or as an Excel workbook (.xlsx).")
    return "csv"


def _refuse(name, advice=None):
    if name.startswith("saved as"):
        raise UploadError(f"The file is {name}. Save it as CSV UTF-8 and upload it again.")
    raise UploadError(f"The file is {name}, not a CSV or Excel file. {advice or SAVE_AS}")


def _zip_kind(file):
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as archive:
            types, mimetype = (_zip_part(archive, name) for name in ("[Content_Types].xml", "mimetype"))
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError, zlib.error):
        raise UploadError(DAMAGED_WORKBOOK) from None     # most often a workbook cut short
    if b"sheet.binary" in types:
        _refuse("an Excel binary workbook (.xlsb)")
    if b"spreadsheetml" in types or b"ms-excel.sheet" in types:
        return "xlsx"
    if b"opendocument.spreadsheet" in mimetype:
        _refuse("an OpenDocument spreadsheet (.ods)")
    if b"wordprocessingml" in types or b"opendocument.text" in mimetype:
        _refuse("a Word or text document")
    if b"presentationml" in types:
        _refuse("a PowerPoint presentation")
    _refuse("a ZIP archive", "Upload the CSV or Excel file itself, not a ZIP archive holding it.")


def _zip_part(archive, name, most=1_000_000):
    """The start of a part of a ZIP, or b"" (never a whole part: it could unzip to gigabytes)."""
    if name not in archive.namelist():
        return b""
    with archive.open(name) as part:
        return part.read(most)


def _refuse_binary(head):
    """Text files have no NUL bytes and almost no control characters."""
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\v\x1a")
    if b"\x00" in head or controls > len(head) / 100:
        raise UploadError("The file is not a CSV or Excel file: it holds data that is not text. " + SAVE_AS)
