"""An XLSX upload, streamed: the sheet laid out like the template (else the first with
data), every cell as text, refused as soon as a part, a cell or a row is past its
limit, and a "zip bomb" before anything is unzipped. Opened through files.open_upload,
which checks the file as a whole."""

import datetime as dt
import warnings
import zipfile
from decimal import Decimal
from xml.parsers import expat

from openpyxl.utils import column_index_from_string
from openpyxl.utils.datetime import from_excel, from_ISO8601

from cldc.platform.uploads.refusals import (DAMAGED_WORKBOOK, SAVE_AS, SPLIT_WORKBOOK, UploadError, cell_too_long,
                                            column_letter, megabytes, past_last_column)
from cldc.platform.uploads.template import SEARCH_ROWS, TemplateError, find_template

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

SHEET_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
ROW, CELL, VALUE, TEXT, PHONETIC, ITEM = (f"{SHEET_NS}}}{tag}" for tag in ("row", "c", "v", "t", "rPh", "si"))
XLSX_CHUNK = 64 * 1024
XML_TOKEN_MOST = 1024 * 1024    # a tag with its attributes, a comment: a few hundred bytes in a real workbook
TOO_LONG = object()             # a shared string longer than a cell may be, never built


class XlsxReader:
    """A workbook's first sheet (or the one laid out like the template), streamed.

    openpyxl reads the workbook's structure, shared strings and styles (which cells
    are dates). The sheet's cells are streamed with expat here rather than through
    openpyxl's read-only worksheet, which reads about 1,700 template rows a second on
    this machine (a minute for 100,000) and parses a whole sheet an extra time when
    the file does not state its size. Values are the ones openpyxl's read-only,
    data-only mode gives (a formula's last calculated value), as text. The shared
    strings are read here too, with the same text, because openpyxl builds each whole:
    one of 200 MB took 7 GB."""

    def __init__(self, file, size, max_bytes, max_columns, max_cell_chars, sheet=None):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet
        from openpyxl.xml.constants import SHARED_STRINGS

        _refuse_zip_bomb(file, size, max_bytes)
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
        self.sheets_with_data = []     # the visible sheets with data, in order (a workbook in parts: member_parts.py)
        self.sheet_name, self._path = self._choose_sheet(sheets, sheet)

    def _choose_sheet(self, sheets, wanted=None):
        """The sheet named `wanted`; else the sheet laid out like the template, else the
        first visible sheet with data."""
        visible = [s for s in sheets if s[1] == "visible"] or sheets
        if not visible:
            raise UploadError("The workbook has no sheets. " + SAVE_AS)
        if wanted is not None:
            named = [(name, path) for name, _, path in visible if name == wanted]
            if not named:
                raise UploadError(f"The workbook has no sheet called “{wanted}”. Upload it again.")
            return named[0]
        with_data = []
        for name, _, path in visible:
            first = []
            for number, cells in self._read(path, name):
                if number > SEARCH_ROWS:
                    break
                first.append((number, row_as_list(cells, number, self.max_columns)))
            try:
                if find_template(first):
                    return name, path
            except TemplateError:
                return name, path          # reported when the headings are read
            if any(cell.strip() for _, cells in first for cell in cells):
                with_data.append((name, path))
        self.sheets_with_data = [name for name, _ in with_data]
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
            return UploadError(cell_too_long(f"{column_letter(column)}{row_number}", most, sheet))

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
                            raise UploadError(past_last_column(row_number, column, self.max_columns))
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


def row_as_list(cells, number, max_columns):
    """A row as a list of cell texts, whatever the reader gave (CsvReader's list, or
    this reader's {column: text}), refused past the last column a file can have."""
    if isinstance(cells, list):
        return cells
    if not cells:
        return []
    last = max(cells)
    if last >= max_columns:
        raise UploadError(past_last_column(number, last, max_columns))
    return [cells.get(i, "") for i in range(last + 1)]


def _refuse_zip_bomb(file, size, max_bytes):
    """Refuse a workbook whose parts unzip to more than MAX_COMPRESSION times its size,
    or UNZIPPED_FACTOR times the size limit, in all (the sizes its ZIP states: zipfile
    reads no further than them)."""
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        unzipped = sum(part.file_size for part in archive.infolist())
    if unzipped > min(MAX_COMPRESSION * size, UNZIPPED_FACTOR * max_bytes):
        raise UploadError(f"The workbook is too large once unzipped ({megabytes(unzipped)} from a file of "
                          f"{megabytes(size)}). {SPLIT_WORKBOOK}")


def _part_too_large(name, size):
    return f"The workbook is too large once unzipped: its part {name[:100]} is {megabytes(size)}. {SPLIT_WORKBOOK}"


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
