"""Answers from a row of a provider's own file (one header row, their own names, any
order), once its columns are mapped to Targets (automap.py).

    layout = HeaderLayout(definition, {0: Target("moved_in"), 1: Target("age", "date_of_birth")})
    answers, problems = layout.answers({0: "05/04/2026", 1: "6 April 1990"})
    # ({"moved_in": "2026-04-05", "age": "35"}, []): age at the definition's `ages_at` date

Answers are strings, as the gateway takes them from every channel (values.normalise
types and checks them); a problem here is only what cannot become an answer at all
(a date that is not a date, half a postcode). A blank cell gives no answer, so a
partial upload never blanks what a record holds. A question's template declarations
still apply where they say what a value means: `markers` ("R" for an age sets "age
known?" instead) and `when_given` (an age sets "age known?" to yes), unless a column
of the file answers that other variable itself.

Option values are matched to codes by match_value; a value it cannot resolve is
passed on unchanged, so the gateway reports it as an invalid option and the person can
map it once for the whole file (value_map, kept like the column mapping).
"""

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from cldc.platform.uploads.automap import DATE_OF_BIRTH, DATE_PARTS, TWO_PARTS, Target, singular

RULE = "bu_field_format"
TICKED = {"1", "y", "yes", "true", "x", "ticked", "✓", "✔"}
NOT_TICKED = {"0", "n", "no", "false"}
# Words for Yes and No options of a radio question ("1" and "0" are left to the codes).
YES_WORDS, NO_WORDS = ("y", "yes", "true"), ("n", "no", "false")
# How providers' systems word what option labels say otherwise (general UK terms), for
# value guesses. Applied to both sides, the provider's value and every option's label,
# so "Monthly" and "Every calendar month" are one (a longer phrase before a shorter).
VALUE_WORDS = {
    "council": "local authority", "la": "local authority", "ha": "housing association", "rsl": "registered social landlord",
    "prp": "private registered provider", "b and b": "bed and breakfast", "bnb": "bed and breakfast",
    "dk": "dont know", "nk": "dont know", "n k": "dont know", "unknown": "dont know", "not known": "dont know",
    "refused": "prefers not to say", "declined": "prefers not to say", "prefer not to say": "prefers not to say",
    "fortnightly": "every 2 weeks", "2 weekly": "every 2 weeks", "4 weekly": "every 4 weeks",
    "per week": "weekly", "pw": "weekly", "calendar monthly": "every calendar month", "per calendar month": "every calendar month",
    "pcm": "every calendar month", "per month": "every calendar month", "monthly": "every calendar month",
    "annually": "yearly", "annual": "yearly", "per annum": "yearly", "per year": "yearly",
    "ft": "full time", "pt": "part time", "hb": "housing benefit", "uc": "universal credit",
    "private rented": "private sector tenancy", "woman": "female", "man": "male",
    "spouse": "partner", "wife": "partner", "husband": "partner", "civil partner": "partner",
    "son": "child", "daughter": "child",
}
WHOEVER_PREFERS = re.compile(r"^[\w ]*\bprefers not to say$")
NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6"}
_VALUE_PHRASES = re.compile(r"\b(" + "|".join(re.escape(k) for k in sorted(VALUE_WORDS, key=len, reverse=True)) + r")\b")
# Value guesses. Words that say nothing of an answer's meaning ("Licence agreement" is
# a licence, "Extra care housing" extra care), and the separators between the parts of
# an option's label ("Full-time – 30 hours or more per week", "Supported housing /
# hostel", "Assured Shorthold Tenancy (AST)"): a value that is one part is that option.
VALUE_STOP_WORDS = frozenset("a an the of for to in at on with and by as into from".split())
HEAD_WORDS = frozenset("housing accommodation tenancy agreement basis element work employment employed".split())
LABEL_PARTS = re.compile(r"\s[–—-]\s|[:/,;()]")
CONFIDENT, DOUBTFUL = "confident", "doubtful"
MONTH_NAMES = "january february march april may june july august september october november december".split()
MONTHS = {**{m: i for i, m in enumerate(MONTH_NAMES, 1)}, **{m[:3]: i for i, m in enumerate(MONTH_NAMES, 1)}, "sept": 9}
TIME = re.compile(r"[ t]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(z|[+-]\d{2}:?\d{2})?$")  # a spreadsheet export's 00:00:00
ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
DAY_FIRST = re.compile(r"(\d{1,2})[-/.\s]+(\d{1,2})[-/.\s]+(\d{4}|\d{2})")
NAMED_MONTH = re.compile(r"(\d{1,2})(?:st|nd|rd|th)?[-/.,\s]*([a-z]+)\.?[-/.,\s]+(\d{4}|\d{2})")
PART_TYPES = {"day": "date", "month": "date", "year": "date", "part1": "text", "part2": "text", DATE_OF_BIRTH: "numeric"}
WHOLE_NUMBER = re.compile(r"-?\d+(\.0+)?")
THOUSANDS = re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?")


def target_key(target):
    """How a target is saved: "moved_in:day", or "age" for a whole answer."""
    return target.variable if target.part is None else f"{target.variable}:{target.part}"


def parse_target(key):
    """The Target a saved key names, or None for "" (the column is not needed)."""
    if not key:
        return None
    variable, _, part = key.partition(":")
    if part and part not in (*DATE_PARTS, *TWO_PARTS, DATE_OF_BIRTH):
        raise ValueError(f"{key!r} names no part of a question")
    return Target(variable, part or None)


def value_key(raw):
    """How provider values are compared and saved: "Weekly " and "weekly" are one."""
    return " ".join(str(raw).split()).casefold()


def _words(text):
    """Case, punctuation and apostrophes aside: "Don’t know" -> "dont know"."""
    text = re.sub(r"['’‘`]", "", value_key(text)).replace("&", " and ")
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def _number_key(key):
    """Whole numbers compare as numbers: "01" and "1.0" are code 1."""
    return str(int(key.split(".")[0])) if WHOLE_NUMBER.fullmatch(key) else key


_OPTION_INDEXES = {}  # id(question) -> (question, {value: code}); the question is kept so its id stays its own


def _option_index(question):
    if id(question) not in _OPTION_INDEXES:
        index = {}
        options = question.options + question.retired_options
        for code, _ in options:
            index.setdefault(_number_key(value_key(code)), str(code))
        for code, label in options:
            index.setdefault(_words(label), str(code))
        for words, label in ((YES_WORDS, "yes"), (NO_WORDS, "no")):
            code = index.get(label)
            for word in words if code is not None else ():
                index.setdefault(word, code)
        for file_value, code in _file_codes(question):
            index.setdefault(_number_key(value_key(file_value)), str(code))
        _OPTION_INDEXES[id(question)] = (question, index)
    return _OPTION_INDEXES[id(question)][1]


def _file_codes(question):
    """The template's [file value, code] pairs that read this question's own column."""
    upload = question.bulk_upload or {}
    return [] if upload.get("kind") in ("lookup", "flags") else upload.get("codes") or []


def match_value(question, raw, value_map=None):
    """The code (as text) a provider's value stands for, or None: a mapping the person
    confirmed (value_map[question id]; one they left as it is maps to nothing), else the
    code itself, an option's label, a Yes/No word, or the definition's bulk-upload
    `codes` pairs."""
    key = value_key(raw)
    if not key:
        return None
    confirmed = (value_map or {}).get(question.id) or {}
    if confirmed.get(key):  # '' is a value the person left as it is
        return str(confirmed[key])
    index = _option_index(question)
    return index.get(_number_key(key)) or index.get(_words(key))


def _expanded(text):
    words = " ".join(NUMBER_WORDS.get(word, word) for word in _words(text).split())
    words = _VALUE_PHRASES.sub(lambda found: VALUE_WORDS[found.group(1)], words)
    return WHOEVER_PREFERS.sub("prefers not to say", words)  # "Lead tenant prefers not to say"


@lru_cache(maxsize=4096)
def _value_words(text):
    """The words of a value or label that say what it means: expanded, singular, no filler."""
    return frozenset(singular(word) for word in _expanded(text).split()
                     if word not in VALUE_STOP_WORDS and word not in HEAD_WORDS and word != "or")


@lru_cache(maxsize=4096)
def _label_parts(label):
    """The word sets an option's label may be given as: all of it, each part between
    separators, and each alternative of an "or" ("Flat or maisonette": flat; "Living
    with friends or family": living with family)."""
    found = {_value_words(label)}
    for part in LABEL_PARTS.split(label):
        pieces = [_expanded(piece).split() for piece in re.split(r"\bor\b", part)]
        found.add(_value_words(part))
        first = pieces[0]
        for piece in pieces:
            found.add(_value_words(" ".join(piece)))
            if piece is not first and piece and first:
                shared = first[:-len(piece)] + piece if len(piece) < len(first) else first + piece[len(first):]
                found.add(_value_words(" ".join(shared)))
    found.discard(frozenset())
    return found


@dataclass(frozen=True)
class ValueGuess:
    """What a provider's value may mean: `code` is the best guess, pre-selected only
    when `band` is CONFIDENT; `suggestions` are [(code, label, score 0-100)], best first."""

    code: str | None
    band: str
    suggestions: list


def value_guess(question, raw, limit=3):
    """A ValueGuess for a provider's value. Confident when it matches exactly
    (match_value), or its words are one option's words and no other's, or else they
    are the words of one part of one option's label and in no other label ("Part time"
    for "Part-time – Less than 30 hours per week", "Flat" for "Flat or maisonette";
    not "Assured" for "Assured – lifetime", as "Assured Shorthold Tenancy" has it too).
    A value whose words are only some of an option's ("Rent arrears" for "evicted due
    to rent arrears", "Harassment" for "Racial harassment") is only suggested.
    Measured on a labelled set of provider values by bench/value_matching.py."""
    exact = match_value(question, raw)
    words = _value_words(raw)
    options = [(str(code), label, _value_words(label)) for code, label in question.options]
    # Of equal scores, the lowest code first: "Weekly" suggests "Weekly for 52 weeks"
    # (code 1) before "Weekly for 46 weeks" (code 9), as codes are usually numbered
    # with the commonest answers first.
    scored = sorted(((code, label, _value_score(raw, words, label, theirs, code == exact)) for code, label, theirs in options),
                    key=lambda item: (-item[2], _code_order(item[0])))
    if exact is not None:
        return ValueGuess(exact, CONFIDENT, scored[:limit])
    same = [code for code, _, theirs in options if words and theirs == words]
    if not same:  # a part of one label, and in no other ("Assured" is in two)
        same = [code for code, label, _ in options if words and words in _label_parts(label)]
        same = same if sum(1 for _, _, theirs in options if words and words <= theirs) <= 1 else []
    if len(same) == 1:
        return ValueGuess(same[0], CONFIDENT, scored[:limit])
    return ValueGuess(scored[0][0] if scored else None, DOUBTFUL, scored[:limit])


def _value_score(raw, words, label, theirs, exact):
    """0-100, for ordering suggestions: 100 exact, 98 the same words, 95 a part of the
    label, 85-94 all of the value's words in the label (more for a shorter label),
    else a fuzzy comparison."""
    if exact:
        return 100
    if words and words == theirs:
        return 98
    if words and words in _label_parts(label):
        return 95
    if words and words < theirs:
        return round(85 + 9 * len(words) / len(theirs))
    shared, mine, its = len(words & theirs), _expanded(raw), _expanded(label)
    # WRatio's partial matching finds a short value in any label ("no" in "dont know")
    fuzzy = (fuzz.WRatio if min(len(mine), len(its)) > 3 else fuzz.ratio)(mine, its) if mine and its else 0
    overlap = 100 * 2 * shared / (len(words) + len(theirs)) if words and theirs else 0
    return round(min(84, max(overlap, 0.9 * fuzzy)))


def _code_order(code):
    return (0, int(code), "") if code.lstrip("-").isdecimal() else (1, 0, code)


# --- Dates ----------------------------------------------------------------------------


def _date_parts(text, century=2000):
    """(year, month, day) as written, day first (UK), or None when it is not a date."""
    text = TIME.sub("", value_key(text))
    if match := ISO.fullmatch(text):
        year, month, day = match.groups()
    elif match := DAY_FIRST.fullmatch(text) or NAMED_MONTH.fullmatch(text):
        day, month, year = match.groups()
    else:
        return None
    month = int(month) if month.isdecimal() else MONTHS.get(month)
    if month is None:
        return None
    return int(year) + (century if len(year) == 2 else 0), month, int(day)


def _real_date(parts):
    try:
        return dt.date(*parts) if parts else None
    except ValueError:
        return None


WRITE_DATES = "DD/MM/YYYY, for example 05/04/2026"


def read_date(text, question):
    """(YYYY-MM-DD, None) for a date written as a file's cells write it (day first, or
    YYYY-MM-DD); else (None, a message saying how to write it)."""
    day = _real_date(_date_parts(text))
    return (day.isoformat(), None) if day else (None, _date_problem(text, question))


def _date_problem(shown, question, noun="date"):
    if _date_parts(shown) is None:
        return (f"“{shown}” is not a {noun} we can read for {_label(question)}: "
                f"write it as {WRITE_DATES}.")
    return f"“{shown}” is not a real {noun} for {_label(question)}."


def _label(question):
    return question.label or question.text or question.id


# --- A row ----------------------------------------------------------------------------


class HeaderLayout:
    """How a provider's file answers a definition: column index -> Target, and the
    confirmed value mappings {variable: {value_key(raw): code}}."""

    def __init__(self, definition, columns, value_map=None):
        self.definition, self.columns, self.value_map = definition, dict(columns), value_map or {}
        self._wholes, self._split, self._births = [], {}, []
        for column, target in sorted(self.columns.items()):
            question = definition.variables.get(target.variable) or definition.questions.get(target.variable)
            if question is None or PART_TYPES.get(target.part, question.type) != question.type:
                raise ValueError(f"Column {column} is mapped to {target}, which {definition} does not ask.")
            if target.part is None:
                self._wholes.append((column, target.variable))
            elif target.part == DATE_OF_BIRTH:
                self._births.append((column, target.variable))
            else:
                self._split.setdefault(target.variable, {})[target.part] = column
        self._answered = {target.variable for target in self.columns.values()}
        self._markers = {}  # question id -> {value key: marker}

    def coded_columns(self):
        """Column index -> variable, for the columns that hold an option question's code."""
        coded = {}
        for column, variable in self._wholes:
            question = self.definition.variables.get(variable)
            if question is not None and question.is_coded and question.id == variable:
                coded[column] = variable
        return coded

    def unmatched_values(self, rows, limit=50):
        """{column: {value_key: (an example as written, count)}} of the values in coded
        columns that match no code and that the person has not seen (a value they left
        as it is is not asked about again), at most `limit` distinct a column; columns
        whose values all match are left out."""
        coded = {column: self.definition.variables[variable] for column, variable in self.coded_columns().items()}
        found = {column: {} for column in coded}
        for _, values in rows:
            for column, question in coded.items():
                raw = values.get(column) or ""
                if (not raw.strip() or self._marker(question, raw) or match_value(question, raw, self.value_map)
                        or value_key(raw) in self.value_map.get(question.id, ())):
                    continue
                seen, key = found[column], value_key(raw)
                if key in seen:
                    seen[key] = (seen[key][0], seen[key][1] + 1)
                elif len(seen) < limit:
                    seen[key] = (raw, 1)
        return {column: seen for column, seen in found.items() if seen}

    def answers(self, values):
        """(answers by variable, problems) for one row: {column index: text}."""
        answers, problems = {}, []

        def problem(column, variable, message):
            problems.append({"column": column, "variable": variable, "rule": RULE, "message": message})

        for column, variable in self._wholes:
            if text := (values.get(column) or "").strip():
                self._whole(column, variable, text, answers, problem)
        for variable, parts in self._split.items():
            if variable not in answers:
                self._join(variable, parts, values, answers, problem)
        for column, variable in self._births:  # last: they need the row's date to count ages at
            if (text := (values.get(column) or "").strip()) and variable not in answers:
                self._age(column, variable, text, answers, problem)
        return answers, problems

    def _whole(self, column, variable, text, answers, problem):
        question = self.definition.variables.get(variable)
        if question is None:
            return self._ticked_options(column, self.definition.questions[variable], text, answers, problem)
        if question.type == "checkbox":
            key = _number_key(value_key(text))
            coded = next((str(code) for value, code in _file_codes(question) if _number_key(value_key(value)) == key), None)
            answers[variable] = "1" if key in TICKED else "0" if key in NOT_TICKED else coded or text
            return
        if question.type == "date":
            text, wrong = read_date(text, question)
            if wrong:
                return problem(column, variable, wrong)
        elif question.is_coded:
            text = match_value(question, text, self.value_map) or text
        elif question.type == "numeric":
            text = re.sub(r"^(-?)\s*£\s*", r"\1", text).strip()
            text = text.replace(",", "") if THOUSANDS.fullmatch(text) else text
        self._store(question, text, answers)

    def _ticked_options(self, column, question, text, answers, problem):
        """One column naming a checkbox question's ticked options ("Physical; Learning
        disability"): those are ticked, the others not."""
        by_name = {}
        for code, label in question.options:
            by_name.update({value_key(code): code, _words(label): code})
        ticked = set()
        for piece in re.split(r"[;|\n]", text):
            names = [piece] if _words(piece) in by_name else piece.split(",")
            for name in (n.strip() for n in names if n.strip()):
                code = by_name.get(value_key(name)) or by_name.get(_words(name))
                if code is None:
                    return problem(column, question.id, f"“{name}” is not one of the answers to {_label(question)}.")
                ticked.add(code)
        answers.update({code: "1" if code in ticked else "0" for code, _ in question.options})

    def _join(self, variable, parts, values, answers, problem):
        """Day, month and year columns into one date; two parts of a postcode into one."""
        question = self.definition.variables[variable]
        names = DATE_PARTS if question.type == "date" else TWO_PARTS
        given = {part: (values.get(column) or "").strip() for part, column in parts.items()}
        if not any(given.values()):
            return
        missing = [part for part in names if not given.get(part)]
        if missing:
            where = parts.get(missing[0], next(iter(parts.values())))
            words = [{"part1": "first part", "part2": "second part"}.get(part, part) for part in missing]
            return problem(where, variable, f"{_label(question)} has no {' or '.join(words)}: fill in every part.")
        if question.type != "date":
            return self._store(question, " ".join(given[part] for part in names), answers)
        shown = "/".join(given[part] for part in names)
        day = _real_date(_date_parts(shown))
        if day is None:
            return problem(parts["day"], variable, _date_problem(shown, question))
        self._store(question, day.isoformat(), answers)

    def _age(self, column, variable, text, answers, problem):
        """An age question answered by a date of birth: whole years at the row's ages_at date."""
        question, at_name = self.definition.variables[variable], self.definition.ages_at
        if at_name not in self.definition.variables:
            return problem(column, variable, f"{_label(question)} cannot be worked out from a date of birth: "
                                             f"{self.definition} does not say at what date ages are counted.")
        at_label = _label(self.definition.variables[at_name])
        if not answers.get(at_name):
            return problem(column, variable, f"{_label(question)} cannot be worked out from the date of birth "
                                             f"“{text}” without the row’s {at_label}.")
        at = dt.date.fromisoformat(answers[at_name])
        born = _real_date(_date_parts(text))
        if born is not None and born > at:  # "05/04/60" was born in 1960
            born = _real_date(_date_parts(text, century=1900)) or born
        if born is None:
            return problem(column, variable, _date_problem(text, question, noun="date of birth"))
        if born > at:
            return problem(column, variable, f"The date of birth “{text}” is after the {at_label} ({at:%d/%m/%Y}).")
        self._store(question, str(at.year - born.year - ((at.month, at.day) < (born.month, born.day))), answers)

    def _marker(self, question, raw):
        """The template's marker a value is (an age of "R": refused), or None."""
        if question.id not in self._markers:
            markers = (question.bulk_upload or {}).get("markers") or []
            self._markers[question.id] = {_number_key(value_key(m.get("value"))): m for m in markers}
        markers = self._markers[question.id]
        return markers.get(_number_key(value_key(raw))) if markers else None

    def _store(self, question, value, answers):
        """A question's answer, or the variable its marker sets, and what `when_given` implies."""
        upload = question.bulk_upload or {}
        marker = self._marker(question, value)
        implied = marker or (upload.get("when_given") or None)
        if marker is None:
            answers[question.id] = value
        if implied and implied["sets"] not in self._answered:
            answers[implied["sets"]] = str(implied["to"])
