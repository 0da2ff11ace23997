"""Cells a spreadsheet would run as a formula (=, +, -, @): found in what is read
(files.py counts them, the importer refuses their rows) and made safe in what is
written back (annotated.py, template_files.py).

    safe_cell("=HYPERLINK(...)")   # "'=HYPERLINK(...)": shown as text when the file is opened
"""

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
