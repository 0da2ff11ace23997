"""The official bulk-upload template's layout, as a reader must know it.

The template has a few heading rows, each labelled in its first cell (Section,
Question, Additional info, Values, Can be empty?, Applies to, Duplicate check field?,
Field number), then one row per record. The row labelled "Field number" identifies
the columns: every other cell in it is a whole number. Nothing here names a
collection: any collection's template laid out this way is recognised.

    found = find_template(first_rows)      # first_rows: [(row number, [cell text, ...]), ...]
    found.field_numbers                    # {column index: field number}
    found.labels["question"]               # the question text of each column
"""

import re
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

# Labels the template's heading rows carry in their first cell, lower case. Some are
# worded per collection ("Type of letting the question applies to"), so a label is
# matched on how it starts or ends, never relied on: only "field number" is needed.
FIELD_NUMBER = "field number"
HEADING_LABELS = {
    "section": "section",
    "question": "question",
    "additional info": "additional_info",
    "values": "values",
    "can be empty?": "can_be_empty",
    "duplicate check field?": "duplicate_check",
    FIELD_NUMBER: "field_number",
}
APPLIES_TO = "applies to"

# The "Field number" row must be among the file's first rows (the official templates
# have it on row 8).
SEARCH_ROWS = 20


# The columns annotated.py adds to a person's file: a corrected file uploaded again
# may still have them, and they hold no answers. "Errors" and "Warnings" head the
# messages about a whole row, "Errors: Age (column F)" those about one question.
ERRORS, WARNINGS, LOG_ID = "Errors", "Warnings", "Log ID"
_ANNOTATION = re.compile(rf"({ERRORS}|{WARNINGS})(:.*)?|{LOG_ID}", re.IGNORECASE | re.DOTALL)


def is_annotation_heading(text):
    """True for the heading of a column the annotated error file adds."""
    return _ANNOTATION.fullmatch(" ".join(str(text).split())) is not None


class TemplateError(ValueError):
    """The file is laid out like the template, but its field numbers are unusable."""


@dataclass
class TemplateLayout:
    field_number_row: int                              # the row number as the person sees it
    label_column: int                                  # the column holding the labels
    field_numbers: dict = field(default_factory=dict)  # {column index: field number}
    labels: dict = field(default_factory=dict)         # {label key: [cell text by column]}


def label_key(text):
    """The key of a heading label ("Can be empty?" -> "can_be_empty"), or None."""
    label = " ".join(str(text).split()).lower().rstrip(":")
    if label in HEADING_LABELS:
        return HEADING_LABELS[label]
    if label.endswith(APPLIES_TO) or label.endswith("question applies to"):
        return "applies_to"
    return None


def find_template(first_rows):
    """The template layout of a file whose first rows are given, or None when it is not
    laid out like the template. Raises TemplateError when a row is labelled "Field
    number" under other heading labels, but its cells are not all field numbers."""
    labels, seen_heading = {}, False
    for row_number, cells in first_rows:
        if row_number > SEARCH_ROWS:
            break
        first = _first_filled(cells)
        if first is None:
            continue
        key = label_key(cells[first])
        if key is None:
            continue
        if key != "field_number":
            labels[key] = cells
            seen_heading = True
            continue
        numbers, bad = _field_numbers(cells, first)
        if numbers and not bad:
            labels["field_number"] = cells
            return TemplateLayout(row_number, first, numbers, labels)
        if seen_heading:
            raise TemplateError(_bad_numbers_message(row_number, bad))
    return None


def _first_filled(cells):
    return next((i for i, cell in enumerate(cells) if cell.strip()), None)


def _field_numbers(cells, label_column):
    numbers, bad = {}, []
    for column, cell in enumerate(cells):
        text = cell.strip()
        if column == label_column or not text or is_annotation_heading(text):
            continue
        if text.isdecimal() and int(text) > 0:
            numbers[column] = int(text)
        else:
            bad.append((column, text))
    return numbers, bad


def _bad_numbers_message(row_number, bad):
    if not bad:
        return (f'Row {row_number} is labelled "Field number" but holds no field numbers. '
                "Fill in the field number of each column and upload the file again.")
    column, text = bad[0]
    return (f'Row {row_number} is labelled "Field number", but column {get_column_letter(column + 1)} holds '
            f'"{text[:40]}", which is not a field number. Field numbers must be whole numbers: '
            "correct the row and upload the file again.")
