"""What is wrong with an uploaded file, in words for the person who uploaded it:
UploadError, and the wording the readers share (files.py, csv_reader.py, xlsx_reader.py)."""

import re

from openpyxl.utils import get_column_letter

SAVE_AS = "Save it as CSV UTF-8 or as an Excel workbook (.xlsx) and upload it again."
SPLIT_WORKBOOK = "Split it into smaller files, or save it as CSV UTF-8, and upload it again."
DAMAGED_WORKBOOK = ("We could not read this Excel workbook: it may be damaged. Open it in Excel, "
                    "save it again as an Excel workbook (.xlsx) or as CSV UTF-8, and upload it again.")


class UploadError(ValueError):
    """A problem with the file as a whole, in words for the person who uploaded it.
    `check`: the whole-file check it is, which a rule pack may word itself (its
    `pipeline:` rules, importer.worded); `rule`: the pack's rule that worded it."""

    check = ""

    def __init__(self, message, rule=""):
        super().__init__(message)
        self.message = message
        self.rule = rule


class BlankTemplate(UploadError):
    """The official template with no rows of data below its headings."""

    check = "file_blank"


class NoHeadings(UploadError):
    """A file whose first row is data: neither the template's header rows nor headings."""

    check = "file_no_headers"


# A cell that is a value rather than a heading: a number, an amount or a date.
DATA_CELL = re.compile(r"[£$]?[-+]?[\d\s.,/:-]*\d[\d\s.,/:-]*")


def looks_like_data(cells):
    """True for a row most of whose filled cells are numbers or dates: a row of headings
    names things."""
    filled = [cell.strip() for cell in cells if cell and cell.strip()]
    return bool(filled) and 2 * sum(1 for cell in filled if DATA_CELL.fullmatch(cell)) > len(filled)


def column_letter(index):
    """The spreadsheet letter of a column index from 0 (0 -> A, 27 -> AB)."""
    return get_column_letter(index + 1)


def cell_too_long(cell, most, sheet=None, advice="shorten it and upload the file again."):
    """The refusal of a cell (its reference: "B2") longer than `most` characters."""
    where = f'Cell {cell} of the sheet "{sheet[:40]}"' if sheet else f"Cell {cell}"
    return f"{where} is longer than {most:,} characters. A cell can hold at most {most:,}: {advice}"


def megabytes(size):
    """A size in bytes as people read it: "340 KB", "1.5 MB", "50 MB"."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024)):,} KB"
    mb = size / (1024 * 1024)
    return f"{mb:,.0f} MB" if mb >= 10 else f"{mb:,.1f} MB".replace(".0 MB", " MB")


def past_last_column(number, column, max_columns):
    return (f"Row {number} has data in column {column_letter(column)}, past the {max_columns:,} "
            "columns a file can have. Remove the columns that are not needed and upload the file again.")

