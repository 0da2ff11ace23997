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
  a workbook that unzips to far more than that (a "zip bomb");
- text that is neither UTF-8 nor Windows-1252, or mixes the two;
- duplicate headings or field numbers, more than 1,000 columns, a cell longer than a
  spreadsheet cell can be (usually a quote mark left open).

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
MAX_COLUMNS = 1000
MAX_CELL_CHARS = 32_767          # the most an Excel cell holds
SAMPLE_CHARS = 256 * 1024        # text looked at to choose the delimiter
SCAN_CHUNK = 1024 * 1024
# A workbook is a ZIP: its parts may unzip to at most this many times the size limit
# in all, and the shared strings (read whole into memory) to at most the limit itself.
UNZIPPED_FACTOR = 40
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CELLS_KEPT = 1000

SAVE_AS = "Save it as CSV UTF-8 or as an Excel workbook (.xlsx) and upload it again."


class UploadError(ValueError):
    """A problem with the file as a whole, in words for the person who uploaded it."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def upload_max_bytes():
    """The size limit: the Django setting CLDC_UPLOAD_MAX_BYTES, else the environment
    variable of that name, else 50 MB."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        value = getattr(settings, "CLDC_UPLOAD_MAX_BYTES", None)
    except ImproperlyConfigured:    # a script without Django settings: the environment decides
        value = None
    return int(value or os.environ.get("CLDC_UPLOAD_MAX_BYTES") or DEFAULT_MAX_BYTES)


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
        into the file (a cell too long, a damaged workbook)."""
        self.formula_cells, self.formula_cell_count = [], 0
        for number, cells in self._reader.records():
            if number <= self.header_row:
                continue
            pairs = cells.items() if type(cells) is dict else enumerate(cells)
            values = {i: cell for i, cell in pairs if cell and not cell.isspace()}
            if not values:
                continue
            self._check_row(number, values)
            yield number, values

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
            self._reader = _XlsxReader(self._file, max_bytes, self.max_columns)
            self.sheet = self._reader.sheet_name
        else:
            _refuse_binary(head)
            self._reader = _CsvReader(self._file)
            self.encoding, self.delimiter = self._reader.encoding_name, self._reader.delimiter
        self._note_renamed()
        self._read_headings()
        rows = self.rows()
        try:
            first = next(rows, None)
        finally:
            rows.close()
        if first is None:
            raise UploadError("The file has headings but no rows of data below them. "
                              "Add the data and upload the file again.")

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
        last = max(values)
        if last >= self.max_columns:
            raise UploadError(_past_last_column(number, last, self.max_columns))
        if max(map(len, values.values())) > MAX_CELL_CHARS:
            column, value = next((c, v) for c, v in values.items() if len(v) > MAX_CELL_CHARS)
            raise UploadError(
                f"Row {number}, column {column_letter(column)} holds {len(value):,} characters, more "
                f"than a spreadsheet cell can ({MAX_CELL_CHARS:,}). A quote mark (\") that is "
                "opened but never closed often causes this: check the row.")
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


class _CsvReader:
    def __init__(self, file):
        self._file = file
        self.encoding, self.errors, self.encoding_name = _detect_encoding(file)
        self.delimiter = _detect_delimiter(self._sample())

    def _sample(self):
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding=self.encoding, errors=self.errors, newline="")
        try:
            return text.read(SAMPLE_CHARS)
        finally:
            text.detach()

    def records(self):
        """(row number, [cell text]) for every row, blank ones too."""
        self._file.seek(0)
        text = io.TextIOWrapper(self._file, encoding=self.encoding, errors=self.errors, newline="")
        number = 0
        try:
            for cells in csv.reader(text, delimiter=self.delimiter):
                number += 1
                yield number, cells
        except csv.Error as error:
            raise UploadError(f"Row {number + 1} cannot be read as CSV ({error}). A quote mark (\") that "
                              "is opened but never closed often causes this: check the row.") from None
        finally:
            text.detach()

    def close(self):
        pass


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
ROW, CELL, VALUE, TEXT, PHONETIC = (f"{SHEET_NS}}}{tag}" for tag in ("row", "c", "v", "t", "rPh"))
XLSX_CHUNK = 64 * 1024


class _XlsxReader:
    """A workbook's first sheet (or the one laid out like the template), streamed.

    openpyxl reads the workbook's structure, shared strings and styles (which cells
    are dates). The sheet's cells are streamed with expat here rather than through
    openpyxl's read-only worksheet, which reads about 1,700 template rows a second on
    this machine (a minute for 100,000) and parses a whole sheet an extra time when
    the file does not state its size. Values are the ones openpyxl's read-only,
    data-only mode gives (a formula's last calculated value), as text."""

    def __init__(self, file, max_bytes, max_columns):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        _refuse_zip_bomb(file, max_bytes)
        file.seek(0)
        self.max_columns = max_columns
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")    # openpyxl warns about features it skips
                # The steps of openpyxl's load_workbook (openpyxl is pinned), less the
                # worksheets, which are streamed below.
                reader = ExcelReader(file, read_only=True, data_only=True, keep_links=False)
                reader.read_manifest()
                reader.read_strings()
                reader.read_workbook()
                apply_stylesheet(reader.archive, reader.wb)
                sheets = [(sheet.name, sheet.state, rel.target) for sheet, rel in reader.parser.find_sheets()
                          if rel.target in reader.valid_files and "chartsheet" not in rel.Type]
        except UploadError:
            raise
        except Exception:
            raise UploadError(DAMAGED_WORKBOOK) from None
        self._archive = reader.archive
        self._strings = reader.shared_strings
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
            for number, cells in self._read(path):
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
        return self._read(self._path)

    def _read(self, path):
        rows = []
        parser = self._parser(rows)
        number = 0
        try:
            with self._archive.open(path) as source:
                while chunk := source.read(XLSX_CHUNK):
                    parser.Parse(chunk, False)
                    for number, cells in rows:
                        yield number, cells
                    rows.clear()
                parser.Parse(b"", True)
            for number, cells in rows:
                yield number, cells
        except UploadError:
            raise
        except Exception:
            raise UploadError(f"The workbook cannot be read after row {number}. " + DAMAGED_WORKBOOK) from None

    def _parser(self, rows):
        """An expat parser that appends (row number, {column: text}) to rows as each
        row ends. Speed matters here: a handful of calls for each of millions of cells."""
        strings, dates, durations, epoch = self._strings, self._dates, self._durations, self._epoch
        columns = {}                              # "AB" -> 27, filled as letters are met
        row_number, column, kind, style = 0, -1, "n", None
        cells, text, collecting, phonetic = {}, [], False, False

        def start(name, attrs):
            nonlocal row_number, column, kind, style, cells, text, collecting, phonetic
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
                kind, style, text = attrs.get("t", "n"), attrs.get("s"), []
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
            if collecting:
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
                return strings[int(raw)]
            if kind == "b":
                return "TRUE" if raw == "1" else "FALSE"
            if kind == "d":
                return _text(from_ISO8601(raw))
            return raw                            # inlineStr, str (a formula's text), e (#N/A)

        def refuse_doctype(*args):
            raise UploadError(DAMAGED_WORKBOOK)   # OOXML has none; entities could be a bomb

        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        parser.StartElementHandler, parser.EndElementHandler = start, end
        parser.CharacterDataHandler = characters
        parser.StartDoctypeDeclHandler = refuse_doctype
        return parser

    def close(self):
        self._archive.close()


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
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        parts = archive.infolist()
    unzipped = sum(part.file_size for part in parts)
    strings = sum(part.file_size for part in parts if part.filename.lower().endswith("sharedstrings.xml"))
    if unzipped > UNZIPPED_FACTOR * max_bytes or strings > max_bytes:
        raise UploadError(f"The workbook is too large once unzipped ({_megabytes(unzipped)}). "
                          "Split it into smaller files, or save it as CSV UTF-8, and upload it again.")


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
