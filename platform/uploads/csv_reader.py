"""A CSV upload, streamed: its encoding (UTF-8, else Windows-1252) and delimiter (comma
or semicolon) found first, then its rows, with no line read whole and no cell built
past its limit. Opened through files.open_upload, which checks the file as a whole."""

import codecs
import csv
import io
import itertools
import re

from cldc.platform.uploads.refusals import SAVE_AS, UploadError, cell_too_long, column_letter

MAX_LINE_CHARS = 1024 * 1024     # a CSV line is read at most this much at a time
SAMPLE_CHARS = 256 * 1024        # text looked at to choose the delimiter
SCAN_CHUNK = 1024 * 1024


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


class CsvReader:
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
            raise UploadError(cell_too_long(f"{column_letter(column)}{number + 1}", most, advice=(
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
