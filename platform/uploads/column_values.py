"""A column's values as evidence for what it answers (automap.suggest(values=...)).

A person matching "Tncy Start" looks at the column: dates, so the tenancy's start
date, not whether it is a starter tenancy. So does this: the shape of a column's
values (dates, postcodes, numbers, words) and, for a question with options, whether
its words are the options' words. Each fits a target (EVIDENCE added), says nothing
(0) or rules it out (RULED_OUT):

- dates: fit a date question and an age from a date of birth; rule out every other;
- postcodes: fit a question about a postcode; rule out numbers, dates and options;
- numbers: fit a number question they lie inside when they are amounts (pence, or
  100 or more: small whole numbers could be codes), an age question when they are
  ages (16 to 110); rule out one they lie outside ("1400" is no number of
  bedrooms), a question with options when most are past every code (amounts), and
  a date;
- words: fit a question with options when nearly every value is one of its answers
  (a code, a label, or a confident guess: "Weekly", "Part time"); rule out a number
  or date question none of whose values is one.

`said` puts the same evidence in words for the person confirming a match on the
mapping page. Only the shape of values is read, never kept. Nothing here names a
collection.
"""

import re

from cldc.platform.uploads.provider_rows import CONFIDENT as VALUE_CONFIDENT, match_value, value_guess

EVIDENCE = 10  # added to a target the values fit
RULED_OUT = None
SAMPLE = 30  # distinct values looked at: enough to tell a shape, cheap to guess at
SHAPE_SHARE = 0.6  # of the distinct values looked at, to give the column its shape
FIT_SHARE = 0.8  # of a column's words that must be a question's answers to fit it
AGES = (16, 110)

DATE = re.compile(r"^(\d{1,2}[/.\-]\d{1,2}[/.\-](\d{2}|\d{4})|\d{4}-\d{2}-\d{2})([ T]\d{1,2}:\d{2}(:\d{2})?)?$")
POSTCODE = re.compile(r"^[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$", re.IGNORECASE)
NUMBER = re.compile(r"^[£$-]?\d+(\.\d+)?$")


class Column:
    """What a column's values look like: `shape` is date, postcode, number, words, or
    None for a column with no values."""

    def __init__(self, values):
        distinct = []
        for value in values or ():
            text = str(value).strip() if value is not None else ""
            if text and text not in distinct:
                distinct.append(text)
            if len(distinct) >= SAMPLE:
                break
        self.values = distinct
        self.numbers = [float(v.lstrip("£$")) for v in distinct if NUMBER.match(v)]
        self.shape = None
        if distinct:
            counts = {"date": sum(1 for v in distinct if DATE.match(v)),
                      "postcode": sum(1 for v in distinct if POSTCODE.match(v)),
                      "number": len(self.numbers)}
            shape, count = max(counts.items(), key=lambda item: item[1])
            self.shape = shape if count >= SHAPE_SHARE * len(distinct) else "words"

    def is_ages(self):
        return bool(self.numbers) and all(AGES[0] <= n <= AGES[1] for n in self.numbers)


def fit(column, question, kind, is_age, is_postcode):
    """EVIDENCE, 0 or RULED_OUT: how the column's values fit a target of `question`
    (`kind`: whole, date_part, two_part or date_of_birth, as automap's targets)."""
    shape = column.shape
    if shape is None:
        return 0
    if kind == "date_of_birth":
        return EVIDENCE if shape == "date" else RULED_OUT
    if kind == "date_part":
        return RULED_OUT if shape in ("date", "postcode") else 0
    if kind == "two_part":
        return RULED_OUT if shape in ("date", "number") else 0
    if question.type == "date":
        return EVIDENCE if shape == "date" else RULED_OUT
    if shape == "date":
        return RULED_OUT if question.type == "numeric" or question.options else 0
    if question.type == "numeric":
        if shape == "postcode" or not column.numbers:
            return RULED_OUT
        low = question.min if question.min is not None else float("-inf")
        high = question.max if question.max is not None else float("inf")
        if any(not low <= n <= high for n in column.numbers):
            return RULED_OUT
        if shape != "number":
            return 0
        if is_age:
            return EVIDENCE if column.is_ages() else 0
        # Small whole numbers could as well be codes of a question with options.
        return EVIDENCE if any(n != int(n) or n >= 100 for n in column.numbers) else 0
    if shape == "postcode":
        return EVIDENCE if is_postcode else (RULED_OUT if question.options else 0)
    if question.type == "checkbox" or not question.options:
        return 0
    if shape == "number":
        codes = [float(code) for code in question.all_codes if NUMBER.match(str(code))]  # retired ones too
        # Numbers past every code are amounts, not codes ("240" for whether the income is
        # known); smaller ones may be counts the value matching reads ("3" years), and
        # one past them a mistake the row's checks report.
        past = sum(1 for n in column.numbers if not codes or n > max(codes))
        return RULED_OUT if past >= len(column.numbers) / 2 else 0
    answers = sum(1 for v in column.values if _answers(question, v))
    return EVIDENCE if answers >= FIT_SHARE * len(column.values) else 0


def said(column, question, kind, is_age, is_postcode, label):
    """The evidence of `fit` in words, for the person confirming a match to `question`
    (`label`: the target as people read it), or '' when the values say nothing."""
    evidence = fit(column, question, kind, is_age, is_postcode)
    if evidence is RULED_OUT:
        if holds_mistakes(column, question):
            return f"Some of its values are not answers to “{label}” ({_mistakes(column, question)}): each row reports its own."
        return f"Its values do not look like answers to “{label}”: they look like {SHAPES[column.shape]}."
    if not evidence:
        return ""
    if column.shape in ("date", "postcode"):
        return f"Its values look like {SHAPES[column.shape]}, as answers to “{label}” are."
    if column.shape == "number":
        if is_age:
            return f"Its values look like ages ({AGES[0]} to {AGES[1]}), as answers to “{label}” are."
        return f"Its values are amounts within the range of “{label}”."
    return f"Its values match the answers of “{label}”."


SHAPES = {"date": "dates", "postcode": "postcodes", "number": "numbers", "words": "words"}


def _mistakes(column, question):
    """What is wrong with values that are mistakes in a question's answers (holds_mistakes)."""
    if column.shape == "words":
        expected = {"numeric": "numbers", "date": "dates"}.get(question.type)
        return f"words where {expected} are expected" if expected else "words that are none of its answers"
    if question.min is not None and question.max is not None:
        return f"numbers outside {_number(question.min)} to {_number(question.max)}"
    return "numbers outside its range"


def _number(value):
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)


def holds_mistakes(column, question):
    """Whether values that rule `question` out are mistakes in its answers (words, or
    numbers out of its range, for a number) rather than answers of another kind (dates,
    postcodes, or amounts for a question with options)."""
    return column.shape == "words" or (column.shape == "number" and question.type == "numeric")


def _answers(question, value):
    return match_value(question, value) is not None or value_guess(question, value, limit=1).band == VALUE_CONFIDENT
