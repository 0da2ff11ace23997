"""Reading an uploaded file for bulk upload: any CSV or XLSX, streamed, every value as
text, and every problem with the file itself as a plain message (UploadError).

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
text is built beyond its limit (a workbook's shared strings are read here, not by
openpyxl, which builds each whole), and no CSV line is read whole.

A renamed file is read as what it is: an XLSX saved with a .csv name is a workbook
(its bytes cannot be a CSV, and refusing would only make the person rename it), and
`notes` says so. Cells that a spreadsheet would run as a formula (=, +, -, @) are kept
as data, and counted in `formula_cells`; whatever writes a file back passes every cell
through `safe_cell`.
"""

import codecs
import csv
import datetime as dt
import io
import itertools
import os
import re
import warnings
import zipfile
import zlib
from decimal import Decimal
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils import column_index_from_string, get_column_letter
from openpyxl.utils.datetime import from_excel, from_ISO8601

from cldc.platform.uploads.template import SEARCH_ROWS, TemplateError, find_template

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
MAX_ROWS = 150_000               # CLDC_UPLOAD_MAX_ROWS: half as many again as the 100,000 the pipeline is measured at
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32_767          # the most an Excel cell holds: CLDC_UPLOAD_MAX_CELL_CHARS
MAX_HEADING_CHARS = 200          # CLDC_UPLOAD_MAX_HEADING_CHARS: as kept (a saved match, an issue's column)
MAX_LINE_CHARS = 1024 * 1024     # a CSV line is read at most this much at a time
SAMPLE_CHARS = 256 * 1024        # text looked at to choose the delimiter
SCAN_CHUNK = 1024 * 1024
# A workbook is a ZIP. Real ones unzip to 10 to 20 times their size (about 20 for a
# sheet of nothing but formatted rows); deflate reaches about 1,000. So a workbook's
# parts may unzip to at most MAX_COMPRESSION times the file's size in all, and never to
# more than UNZIPPED_FACTOR times the size limit (1 GB at 50 MB: the 100,000-row template
# of bench/read_files.py unzips to 240 MB). openpyxl reads the workbook's structure and
# styles whole into a tree, about ten times their size: each such part may be at most
# WHOLE_PART_MOST. The shared strings, all held in memory, may be at most the size limit.
MAX_COMPRESSION = 100
UNZIPPED_FACTOR = 20
WHOLE_PART_MOST = 10 * 1024 * 1024
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CELLS_KEPT = 1000

SAVE_AS = "Save it as CSV UTF-8 or as an Excel workbook (.xlsx) and upload it again."


class UploadError(ValueError):
    """A problem with the file as a whole, in words for the person who uploaded it.
    `check`: the whole-file check it is, which a rule pack may word itself (its
    `pipeline:` rules, pipeline.worded); `rule`: the pack's rule that worded it."""

    check = ""

    def __init__(self, message, rule=""):
        super().__init__(message)
        self.message = message
        self.rule = rule


class BlankTemplate(UploadError):
    """The official template with no rows of data below its headings."""

    check = "file_blank"


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


def column_letter(index):
    """The spreadsheet letter of a column index from 0 (0 -> A, 27 -> AB)."""
    return get_column_letter(index + 1)


def looks_like_formula(value):
    """True for text a spreadsheet would run as a formula when the cell is opened.
    Plain numbers ("-5", "+44") are data, not formulas."""
    if not isinstance(value, str) or not value:
        return False
    start = value.lstrip(" ")[:1]
    if value[0] not in FORMULA_START and start not in FORMULA_START:
        return False
    return not _NUMBER.fullmatch(value.strip())


def safe_cell(value):
    """A cell value safe to write into a CSV or XLSX a person will open: text that
    would run as a formula gets a leading apostrophe, so it shows as text."""
    return "'" + value if looks_like_formula(value) else value


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|-")     # a lone dash is "not known"
_MAYBE_FORMULA = re.compile(r"(?:^|\x00) *[=+\-@\t\r]")    # over cells joined with NUL, never in data


def formula_columns(values):
    """The columns of a row ({column: text}) whose text a spreadsheet would run as a formula."""
    if not _MAYBE_FORMULA.search("\x00".join(values.values())):  # most rows: one search
        return []
    return [column for column, value in values.items() if looks_like_formula(value)]


def open_upload(source, filename, *, max_bytes=None, max_columns=MAX_COLUMNS):
    """Open an uploaded file (a path, or a seekable binary file object) and check it
    as a whole: its type, size, encoding, headings and that it has data rows. Raises
    UploadError with a message for the person; the returned UploadFile must be closed
    (it is a context manager)."""
    upload = UploadFile(source, filename, max_columns)
    try:
        upload._open(upload_max_bytes() if max_bytes is None else max_bytes)
    except BaseException:
        upload.close()
        raise
    return upload


class UploadFile:
    kind = layout = encoding = delimiter = sheet = None
    template = questions = None

    def __init__(self, source, filename, max_columns):
        self.filename = filename
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
            yield number, _as_list(cells, number, self.max_columns)
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
            raise UploadError(f"The selected file is {_megabytes(size)}. It must be smaller than "
                              f"{_megabytes(max_bytes)}: split it into smaller files and upload each one.")
        self._file.seek(0)
        head = self._file.read(64 * 1024)
        self.kind = _kind_of(head, self._file)
        if self.kind == "xlsx":
            self._reader = _XlsxReader(self._file, max_bytes, self.max_columns, self.max_cell_chars)
            self.sheet = self._reader.sheet_name
        else:
            _refuse_binary(head)
            self._reader = _CsvReader(self._file, self.max_cell_chars)
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
            cells = _as_list(cells, number, self.max_columns)
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
            raise UploadError(_past_last_column(number, last, self.max_columns))
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


def _cell_too_long(cell, most, sheet=None, advice="shorten it and upload the file again."):
    """The refusal of a cell (its reference: "B2") longer than `most` characters."""
    where = f'Cell {cell} of the sheet "{sheet[:40]}"' if sheet else f"Cell {cell}"
    return f"{where} is longer than {most:,} characters. A cell can hold at most {most:,}: {advice}"


def _megabytes(size):
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)):,} KB"
    megabytes = size / (1024 * 1024)
    return f"{megabytes:,.0f} MB" if megabytes >= 10 else f"{megabytes:,.1f} MB".replace(".0 MB", " MB")


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


# --- CSV -----------------------------------------------------------------------------

def _latin1_for_undefined(error):
    """Windows-1252 leaves five bytes undefined: read those as Latin-1 (the last resort)."""
    return error.object[error.start:error.end].decode("latin-1"), error.end


codecs.register_error("cldc-latin-1", _latin1_for_undefined)

_ESCAPED = re.compile("[\udc80-\udcff]")              # bytes that are not UTF-8
_BEYOND_ASCII = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")
_UNDEFINED_1252 = re.compile(b"[\x81\x8d\x8f\x90\x9d]")
ENCODING_MESSAGE = ("The file is not in a text encoding we can read: {why}. "
                    "Save it as CSV UTF-8 and upload it again.")


QUOTE_LEFT_OPEN = 'A quote mark (") that is opened but never closed often causes this: check the row.'


class _CsvReader:
    def __init__(self, file, max_cell_chars):
        self._file = file
        self.max_cell_chars = max_cell_chars
        self.encoding, self.errors, self.encoding_name = _detect_encoding(file)
        _limit_csv_cells(max_cell_chars)
        self.delimiter = _detect_delimiter(self._sample())

    def _text(self):
        """The file as text, from its start; detach it after use (the file is not ours to close)."""
        self._file.seek(0)
        return io.TextIOWrapper(self._file, encoding=self.encoding, errors=self.errors, newline="")

    def _sample(self):
        text = self._text()
        try:
            return text.read(SAMPLE_CHARS)
        finally:
            text.detach()

    def records(self):
        """(row number, [cell text]) for every row, blank ones too."""
        _limit_csv_cells(self.max_cell_chars)
        text = self._text()
        lines = _Lines(text)
        number = first_piece = 0     # the row read last; where the next one starts
        try:
            for cells in csv.reader(lines, delimiter=self.delimiter):
                if lines.cut:
                    raise UploadError(f"Row {number + 1} is longer than {MAX_LINE_CHARS:,} characters. Split it "
                                      "into shorter rows, or remove what is not needed, and upload the file again.")
                number, first_piece = number + 1, lines.count
                yield number, cells
        except csv.Error as error:
            if not str(error).startswith("field larger than field limit"):
                raise UploadError(f"Row {number + 1} cannot be read as CSV ({error}). {QUOTE_LEFT_OPEN}") from None
            column, most = self._long_cell(first_piece), self.max_cell_chars
            if column is None:      # never seen: csv and _long_cell_column read rows alike
                raise UploadError(f"Row {number + 1} has a cell longer than {most:,} characters, the most a cell "
                                  f"can hold. {QUOTE_LEFT_OPEN}") from None
            raise UploadError(_cell_too_long(f"{column_letter(column)}{number + 1}", most, advice=(
                f"shorten it and upload the file again. {QUOTE_LEFT_OPEN}"))) from None
        finally:
            text.detach()

    def _long_cell(self, first_piece):
        """The column of the first cell longer than the limit in the row that starts at
        piece `first_piece` of the file (as _Lines cuts it), read again from there, or
        None. Only after csv has refused the row, which it does without saying where."""
        text = self._text()
        try:
            pieces = _Lines(text)
            for _ in itertools.islice(pieces, first_piece):
                pass
            return _long_cell_column(pieces, self.delimiter, self.max_cell_chars)
        finally:
            text.detach()

    def close(self):
        pass


def _limit_csv_cells(max_cell_chars):
    """csv refuses a cell past this many characters as it reads it. The limit is the
    process's, not one reader's: the other CSV files read here are the service's own,
    whose cells are a few hundred characters at most."""
    csv.field_size_limit(max_cell_chars)


class _Lines:
    """The lines of a CSV's text for csv.reader, never more than MAX_LINE_CHARS at a
    time: a line of 200 MB is read in pieces, not whole. csv.reader takes the end of each
    piece for the end of a line. Inside quotes that is harmless (it reads on); outside,
    it ends the row early, so a row that ends where a piece was cut (`cut`) is refused."""

    def __init__(self, text):
        self._text = text
        self.count = 0      # pieces read
        self.cut = False    # whether the last piece was cut short of its line's end

    def __iter__(self):
        return self

    def __next__(self):
        piece = self._text.readline(MAX_LINE_CHARS)
        if not piece:
            raise StopIteration
        self.count += 1
        self.cut = len(piece) == MAX_LINE_CHARS and piece[-1] != "\n"
        return piece


def _long_cell_column(pieces, delimiter, most):
    """The column (from 0) of the first cell of a CSV row longer than `most` characters,
    read as the csv module reads it (doubled quotes inside quotes are one), or None if
    the row ends first."""
    start, plain, quoted, quote_in_quoted = range(4)
    state, column, length = start, 0, 0
    for piece in pieces:
        for char in piece:
            if state == quoted:
                if char == '"':
                    state = quote_in_quoted
                    continue
            elif char == delimiter:
                state, column, length = start, column + 1, 0
                continue
            elif char in "\r\n":
                return None
            elif char == '"' and state == start:
                state = quoted
                continue
            else:
                state = quoted if state == quote_in_quoted and char == '"' else plain
            length += 1
            if length > most:
                return column
    return None


def _detect_encoding(file):
    """(codec, error handler, name to show). Reads the whole file once, a chunk at a
    time: UTF-8 when every byte is valid UTF-8 (a BOM or not), Windows-1252 when no
    byte beyond ASCII is UTF-8; both at once is a mixed file, refused."""
    file.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    not_utf8 = utf8 = undefined_1252 = False
    while True:
        chunk = file.read(SCAN_CHUNK)
        if b"\x00" in chunk:
            raise UploadError("The file is not a CSV or Excel file: it holds data that is not text. " + SAVE_AS)
        text = decoder.decode(chunk, final=not chunk)
        not_utf8 = not_utf8 or bool(_ESCAPED.search(text))
        utf8 = utf8 or bool(_BEYOND_ASCII.search(text))
        undefined_1252 = undefined_1252 or bool(_UNDEFINED_1252.search(chunk))
        if not chunk:
            break
    if not not_utf8:
        return "utf-8-sig", "strict", "UTF-8"
    if utf8:
        raise UploadError(ENCODING_MESSAGE.format(
            why="part of it is UTF-8 and part is in another encoding, so some letters or symbols "
                "(such as £ or é) would come out wrong"))
    if undefined_1252:
        return "cp1252", "cldc-latin-1", "Latin-1"
    return "cp1252", "strict", "Windows-1252"


def _detect_delimiter(sample):
    """Comma or semicolon: csv.Sniffer's guess, checked by parsing the sample both ways
    and keeping the one whose rows are as wide as the first (Sniffer is misled by
    commas inside quoted values); comma when nothing decides."""
    try:
        guess = csv.Sniffer().sniff(sample, delimiters=",;").delimiter
    except csv.Error:
        guess = ","
    truncated = len(sample) == SAMPLE_CHARS
    scores = {}
    for delimiter in (",", ";"):
        try:
            rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter)
                    if any(cell.strip() for cell in row)]
        except csv.Error:
            continue
        if truncated and len(rows) > 1:
            rows.pop()                    # the last row may be cut short
        width = len(rows[0]) if rows else 0
        if width > 1:
            scores[delimiter] = (sum(len(row) == width for row in rows), width)
    if not scores:
        return guess
    best = max(scores.values())
    return guess if scores.get(guess) == best else next(d for d, score in scores.items() if score == best)


# --- XLSX ----------------------------------------------------------------------------

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW, CELL, VALUE, TEXT, PHONETIC, ITEM = (f"{SHEET_NS}}}{tag}" for tag in ("row", "c", "v", "t", "rPh", "si"))
XLSX_CHUNK = 64 * 1024
XML_TOKEN_MOST = 1024 * 1024    # a tag with its attributes, a comment: a few hundred bytes in a real workbook
TOO_LONG = object()             # a shared string longer than a cell may be, never built


class _XlsxReader:
    """A workbook's first sheet (or the one laid out like the template), streamed.

    openpyxl reads the workbook's structure, shared strings and styles (which cells
    are dates). The sheet's cells are streamed with expat here rather than through
    openpyxl's read-only worksheet, which reads about 1,700 template rows a second on
    this machine (a minute for 100,000) and parses a whole sheet an extra time when
    the file does not state its size. Values are the ones openpyxl's read-only,
    data-only mode gives (a formula's last calculated value), as text. The shared
    strings are read here too, with the same text, because openpyxl builds each whole:
    one of 200 MB took 7 GB."""

    def __init__(self, file, max_bytes, max_columns, max_cell_chars):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.xml.constants import SHARED_STRINGS

        _refuse_zip_bomb(file, max_bytes)
        file.seek(0)
        self.max_columns, self.max_cell_chars = max_columns, max_cell_chars
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")    # openpyxl warns about features it skips
                # The steps of openpyxl's load_workbook (openpyxl is pinned), less the
                # shared strings and the worksheets, which are streamed here.
                reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
                _bound_whole_reads(reader.archive)
                reader.read_manifest()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                sheets = [(sheet.name, sheet.state, rel.target) for sheet, rel in reader.parser.find_sheets()
                          if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
                strings = reader.package.find(SHARED_STRINGS)
                self._strings = [] if strings is None else _shared_strings(
                    reader.archive, strings.PartName[1:], max_bytes, max_cell_chars)
        except UploadError:
            raise
        except Exception:
            raise UploadError(DAMAGED_WORKBOOK) from None
        self._archive = reader.archive
        self._dates = {str(style) for style in reader.wb._date_formats}
        self._durations = {str(style) for style in reader.wb._timedelta_formats}
        self._epoch = reader.wb.epoch
        self.sheet_name, self._path = self._choose_sheet(sheets)

    def _choose_sheet(self, sheets):
        """The sheet laid out like the template, else the first visible sheet with data."""
        visible = [s for s in sheets if s[1] == "visible"] or sheets
        if not visible:
            raise UploadError("The workbook has no sheets. " + SAVE_AS)
        with_data = []
        for name, _, path in visible:
            first = []
            for number, cells in self._read(path, name):
                if number > SEARCH_ROWS:
                    break
                first.append((number, _as_list(cells, number, self.max_columns)))
            try:
                if find_template(first):
                    return name, path
            except TemplateError:
                return name, path          # reported when the headings are read
            if any(cell.strip() for _, cells in first for cell in cells):
                with_data.append((name, path))
        if with_data:
            return with_data[0]
        name, _, path = visible[0]
        return name, path

    def records(self):
        """(row number, {column index: text}) for each row the sheet holds."""
        return self._read(self._path, self.sheet_name)

    def _read(self, path, sheet):
        rows = []
        parser = self._parser(rows, sheet)
        number = 0
        try:
            for _ in _parsed(self._archive, path, parser):
                for number, cells in rows:
                    yield number, cells
                rows.clear()
        except UploadError:
            raise
        except Exception:
            raise UploadError(f"The workbook cannot be read after row {number}. " + DAMAGED_WORKBOOK) from None

    def _parser(self, rows, sheet):
        """An expat parser that appends (row number, {column: text}) to rows as each
        row ends, and refuses a cell as soon as its text is longer than the limit.
        Speed matters here: a handful of calls for each of millions of cells."""
        strings, dates, durations, epoch = self._strings, self._dates, self._durations, self._epoch
        most = self.max_cell_chars
        columns = {}                              # "AB" -> 27, filled as letters are met
        row_number, column, kind, style = 0, -1, "n", None
        cells, text, length, collecting, phonetic = {}, [], 0, False, False

        def too_long():
            return UploadError(_cell_too_long(f"{column_letter(column)}{row_number}", most, sheet))

        def start(name, attrs):
            nonlocal row_number, column, kind, style, cells, text, length, collecting, phonetic
            if name == CELL:
                ref = attrs.get("r")
                if ref:
                    letters = ref.rstrip("0123456789")
                    index = columns.get(letters)
                    if index is None:
                        index = columns[letters] = column_index(letters)
                    column = index
                else:
                    column += 1
                kind, style, text, length = attrs.get("t", "n"), attrs.get("s"), [], 0
            elif name == VALUE:
                collecting = True
            elif name == TEXT:
                collecting = not phonetic
            elif name == ROW:
                ref = attrs.get("r")
                row_number = int(ref) if ref else row_number + 1
                column, cells = -1, {}
            elif name == PHONETIC:
                phonetic = True

        def end(name):
            nonlocal collecting, phonetic
            if name == CELL:
                if text:
                    value = cell_text(kind, style, "".join(text))
                    if value:
                        if column >= self.max_columns:
                            raise UploadError(_past_last_column(row_number, column, self.max_columns))
                        cells[column] = value
            elif name == VALUE or name == TEXT:
                collecting = False
            elif name == ROW:
                rows.append((row_number, cells))
            elif name == PHONETIC:
                phonetic = False

        def characters(data):
            nonlocal length
            if collecting:
                length += len(data)
                if length > most:
                    raise too_long()
                text.append(data)

        def cell_text(kind, style, raw):
            if kind == "n":
                if style in dates:
                    try:
                        return _text(from_excel(float(raw), epoch, timedelta=style in durations))
                    except (OverflowError, ValueError):
                        pass                      # no such date: the number, for the rules to report
                return raw if raw.isdigit() else _text(float(raw))
            if kind == "s":
                value = strings[int(raw)]
                if value is TOO_LONG:
                    raise too_long()
                return value
            if kind == "b":
                return "TRUE" if raw == "1" else "FALSE"
            if kind == "d":
                return _text(from_ISO8601(raw))
            return raw                            # inlineStr, str (a formula's text), e (#N/A)

        return _expat_parser(start, end, characters)

    def close(self):
        self._archive.close()


def _shared_strings(archive, path, max_bytes, most):
    """A workbook's shared strings as openpyxl reads them (each item's text less its
    phonetic guide, "x005F_" taken out), streamed. A string longer than `most`
    characters is never built: TOO_LONG stands for it, and a cell that uses it is
    refused when it is read (a string no cell uses does no harm)."""
    size = archive.getinfo(path).file_size
    if size > max_bytes:
        raise UploadError(_part_too_large(path, size))
    strings, text, length, collecting, phonetic = [], [], 0, False, False

    def start(name, attrs):
        nonlocal text, length, collecting, phonetic
        if name == ITEM:
            text, length = [], 0
        elif name == TEXT:
            collecting = not phonetic
        elif name == PHONETIC:
            phonetic = True

    def end(name):
        nonlocal collecting, phonetic
        if name == ITEM:
            strings.append(TOO_LONG if length > most else "".join(text).replace("x005F_", ""))
        elif name == TEXT:
            collecting = False
        elif name == PHONETIC:
            phonetic = False

    def characters(data):
        nonlocal length
        if collecting:
            length += len(data)
            if length > most:
                text.clear()
            else:
                text.append(data)

    for _ in _parsed(archive, path, _expat_parser(start, end, characters)):
        pass
    return strings


def _expat_parser(start, end, characters):
    """An expat parser with these handlers, that refuses a document type declaration:
    OOXML has none, and its entities could be a bomb."""

    def refuse_doctype(*args):
        raise UploadError(DAMAGED_WORKBOOK)

    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    parser.StartElementHandler, parser.EndElementHandler = start, end
    parser.CharacterDataHandler = characters
    parser.StartDoctypeDeclHandler = refuse_doctype
    return parser


def _parsed(archive, path, parser):
    """Parse a part of the workbook a chunk at a time, yielding after each chunk (for
    the caller to take what the handlers gave) and at the end. expat holds a token (a
    tag with its attributes, a comment) whole until it ends: one that runs on past
    XML_TOKEN_MOST bytes is refused."""
    fed = 0
    with archive.open(path) as source:
        while chunk := source.read(XLSX_CHUNK):
            parser.Parse(chunk, False)
            fed += len(chunk)
            if fed - parser.CurrentByteIndex > XML_TOKEN_MOST:
                raise UploadError(DAMAGED_WORKBOOK)
            yield
        parser.Parse(b"", True)
    yield


def _bound_whole_reads(archive):
    """openpyxl reads a workbook's structure and styles with ZipFile.read, whole, and
    parses each into a tree: refuse a part over WHOLE_PART_MOST before it is read."""
    read = archive.read

    def bounded_read(name, pwd=None):
        size = archive.getinfo(name).file_size     # KeyError for a missing part, as read gives
        if size > WHOLE_PART_MOST:
            raise UploadError(_part_too_large(name, size))
        return read(name, pwd)

    archive.read = bounded_read


def column_index(letters):
    """The index from 0 of a column's letters ("A" -> 0, "AB" -> 27)."""
    return column_index_from_string(letters) - 1


def _as_list(cells, number, max_columns):
    """A row as a list of cell texts, whatever the reader gave (a list or a dict)."""
    if isinstance(cells, list):
        return cells
    if not cells:
        return []
    last = max(cells)
    if last >= max_columns:
        raise UploadError(_past_last_column(number, last, max_columns))
    return [cells.get(i, "") for i in range(last + 1)]


def _past_last_column(number, column, max_columns):
    return (f"Row {number} has data in column {column_letter(column)}, past the {max_columns:,} "
            "columns a file can have. Remove the columns that are not needed and upload the file again.")


DAMAGED_WORKBOOK = ("We could not read this Excel workbook: it may be damaged. Open it in Excel, "
                    "save it again as an Excel workbook (.xlsx) or as CSV UTF-8, and upload it again.")


def _refuse_zip_bomb(file, max_bytes):
    """Refuse a workbook whose parts unzip to more than MAX_COMPRESSION times its size,
    or UNZIPPED_FACTOR times the size limit, in all (the sizes its ZIP states: zipfile
    reads no further than them)."""
    size = _size(file)
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        unzipped = sum(part.file_size for part in archive.infolist())
    if unzipped > min(MAX_COMPRESSION * size, UNZIPPED_FACTOR * max_bytes):
        raise UploadError(f"The workbook is too large once unzipped ({_megabytes(unzipped)} from a file of "
                          f"{_megabytes(size)}). {SPLIT_WORKBOOK}")


def _part_too_large(name, size):
    return f"The workbook is too large once unzipped: its part {name[:100]} is {_megabytes(size)}. {SPLIT_WORKBOOK}"


SPLIT_WORKBOOK = "Split it into smaller files, or save it as CSV UTF-8, and upload it again."


def _text(value):
    """A cell value as the text a person would type: dates as YYYY-MM-DD, whole numbers
    without ".0", numbers to Excel's 15 significant digits."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        text = format(value, ".15g")
        return format(Decimal(text), "f") if "e" in text else text
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)
