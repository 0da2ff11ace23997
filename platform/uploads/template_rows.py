"""Reading a row of the official bulk-upload template: answers from cells keyed by
field number, through each question's `bulk_upload` declaration in the definition.
Values stay strings: the normaliser (definitions/values.py) types and checks them, as
for every channel.

    answers, problems = answers_from_field_numbers(definition, {1: "ORG1", 8: "1", ...})

What a declaration may say (docs/definitions.md):
  fields: [n]                  one field, one variable
  fields: [dd, mm, yy]         a date question: day, month, year (YY or YYYY) -> YYYY-MM-DD
  fields: [a, b]               a text question in two parts (a postcode): joined with a space
  fields: [n1, n2, ...]        a checkbox question: one field per option variable, in order
                               (or as listed under `variables:`)
  kind: one_of                 several fields hold the same variable, each for one case
                               (one per sale type, say): the one that is filled is used
  kind: flags                  the fields are flags (1 = ticked); the answer is the code in
                               `ticked` (one per field) of the first ticked flag, else `otherwise`
  kind: lookup                 the answer comes from another question's field (`from_fields`),
                               through `codes` pairs, else `otherwise` (else the value itself)
  kind: any_given              `given` when any of `from_fields` is filled, else `not_given`
  kind: count_given            `add` plus the number of `groups` (lists of fields) with a filled field
  codes: [[file value, code]]  file values that stand for another stored code
  markers: [{value: R, sets: age1_refused, to: 1}]
                               a file value that is not an answer to this question: the question
                               stays blank and another variable is set
  when_given: {sets: v, to: x} set another variable when this question gets a value
  when_blank: {sets: v, to: x} ... or when its fields are blank

Each definition is compiled once into a plan (one `_Step` per declared question, with
its kind, field numbers and lookups for `codes` and `markers`), since the pipeline reads
every row of a file through the same definition.
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from cldc.platform.definitions.model import DefinitionError

KINDS = {"one_of", "flags", "lookup", "any_given", "count_given", "date", "parts", "checkbox", "single"}


def answers_from_field_numbers(definition, row):
    """(answers keyed by variable, problems). A problem is a dict with the `fields` it
    is about, the `variable` and a plain `message`; a field with a problem gives no answer."""
    values = {}
    for number, value in row.items():
        if value is not None:
            value = str(value).strip() or None
        values[number if type(number) is int else int(number)] = value
    answers, problems = {}, []
    for step in _plan(definition):
        step.read(values, answers, problems)
    return answers, problems


# Definitions are long-lived (the registry caches them) and unhashable dataclasses, so
# plans are kept by id, holding the definition so that its id is never reused.
_plans = {}


def _plan(definition):
    """The definition's questions with a bulk-upload declaration, compiled once."""
    cached = _plans.get(id(definition))
    if cached is None or cached[0] is not definition:
        steps = []
        for question in definition.questions.values():
            upload = question.bulk_upload or {}
            if upload.get("fields") or upload.get("from_fields") or upload.get("groups"):
                steps.append(_Step(question, upload))
        cached = _plans[id(definition)] = (definition, steps)
    return cached[1]


class _Step:
    """One question's declaration, read once: its kind, field numbers and lookups."""

    def __init__(self, question, upload):
        self.variable = question.id
        self.fields = _as_list(upload.get("fields"))
        self.kind = _kind(question, self.fields, upload)
        self.upload = upload
        self.from_fields = _as_list(upload.get("from_fields"))
        self.codes = _Lookup((file_value, _str(stored)) for file_value, stored in upload.get("codes") or [])
        # lookup and flags use `codes` to choose their value, not to translate it
        self.translate = self.codes if self.kind not in ("lookup", "flags") and self.codes else None
        self.markers = _Lookup((marker.get("value"), marker) for marker in upload.get("markers") or []) or None
        self.when_blank, self.when_given = upload.get("when_blank"), upload.get("when_given")
        if self.kind == "checkbox":
            names = upload.get("variables") or [code for code, _ in question.options]
            self.boxes = list(zip(self.fields, names))
        if self.kind == "count_given":
            self.groups = [_as_list(group) for group in upload.get("groups") or []]
            self.add = int(upload.get("add", 0))

    def problem(self, problems, message, about=None):
        problems.append({"fields": list(about or self.fields), "variable": self.variable, "message": message})

    def read(self, values, answers, problems):
        kind, fields = self.kind, self.fields
        if kind == "single":
            value = values.get(fields[0])
        elif kind == "checkbox":
            for field, name in self.boxes:
                value = values.get(field)
                if value is not None:
                    answers[name] = self._translate(value)
            return
        elif kind == "date":
            value = _date(self, [values.get(f) for f in fields], problems)
        elif kind == "parts":
            value = " ".join(p for p in (values.get(f) for f in fields) if p) or None
        elif kind == "one_of":
            filled = [f for f in fields if values.get(f) is not None]
            given = {values[f] for f in filled}
            if len(given) > 1:
                return self.problem(problems, f"Fields {_numbers(filled)} give different answers to the same "
                                    "question; fill in only the one for this case.", filled)
            value = given.pop() if given else None
        elif kind == "flags":
            ticked = next((i for i, f in enumerate(fields) if values.get(f) is not None
                           and _ONE.get(values[f]) is not None), None)
            chosen = self.upload.get("otherwise") if ticked is None else (self.upload.get("ticked") or [])[ticked]
            value = _str(chosen)
        elif kind == "lookup":
            value = next((values[f] for f in self.from_fields if values.get(f) is not None), None)
            if value is not None:
                mapped = self.codes.get(value)
                value = mapped if mapped is not None else _str(self.upload.get("otherwise", value))
        elif kind == "any_given":
            given = any(values.get(f) is not None for f in self.from_fields)
            value = _str(self.upload.get("given" if given else "not_given"))
        else:  # count_given
            count = sum(1 for group in self.groups if any(values.get(f) is not None for f in group))
            value = str(self.add + count)
        self._store(value, answers)

    def _store(self, value, answers):
        """Put a value (or nothing, when blank) under the question, applying markers,
        code pairs and the variables it sets."""
        if value is None:
            if self.when_blank:
                answers[self.when_blank["sets"]] = _str(self.when_blank["to"])
            return
        marker = self.markers.get(value) if self.markers else None
        if marker is not None:
            answers[marker["sets"]] = _str(marker["to"])
            return
        answers[self.variable] = self._translate(value)
        if self.when_given:
            answers[self.when_given["sets"]] = _str(self.when_given["to"])

    def _translate(self, value):
        mapped = self.translate.get(value) if self.translate else None
        return mapped if mapped is not None else value


class _Lookup:
    """Pairs of (file value, result), looked up as `_same` compares: the result of the
    first pair whose file value equals the value as text (case-insensitive) or as a
    number. Keyed by lower-cased text, each key resolved against all pairs at compile
    time; a value whose text is no key can only match as a number, keyed by Decimal
    (equal numbers hash alike: '01', '1.0' and 1 share a key)."""

    def __init__(self, pairs):
        pairs = [(expected, result) for expected, result in pairs if expected is not None]
        self.by_text, self.by_number = {}, {}
        for expected, result in pairs:
            key = str(expected).strip().lower()
            if key not in self.by_text:
                self.by_text[key] = next(r for e, r in pairs if _same(key, e))
            number = _number(expected)
            if number is not None:
                self.by_number.setdefault(number, result)

    def __bool__(self):
        return bool(self.by_text)

    def get(self, value):
        text = str(value).strip()
        found = self.by_text.get(text.lower(), _MISSING)
        if found is not _MISSING:
            return found
        if not self.by_number:
            return None
        number = _number(text)
        return None if number is None else self.by_number.get(number)


_MISSING = object()


def _number(value):
    """The value as a Decimal, or None when it is not a number (NaN equals nothing)."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return None if number.is_nan() else number


def _as_list(fields):
    if fields is None:
        return []
    return [int(f) for f in fields] if isinstance(fields, list) else [int(fields)]


def _kind(question, fields, upload):
    kind = upload.get("kind")
    if kind:
        if kind not in KINDS:
            raise DefinitionError(f"question {question.id}: unknown bulk_upload kind {kind!r}")
        return kind
    if question.type == "checkbox":
        return "checkbox"
    if len(fields) == 1:
        return "single"
    if question.type == "date" and len(fields) == 3:
        return "date"
    if question.type == "text" and len(fields) == 2:
        return "parts"
    raise DefinitionError(f"question {question.id}: {len(fields)} bulk-upload fields need a `kind`")


def _same(value, expected):
    """Equal as text (case-insensitive), or as numbers ('01' is 1)."""
    if value is None or expected is None:
        return False
    if str(value).strip().lower() == str(expected).strip().lower():
        return True
    try:
        return Decimal(str(value).strip()) == Decimal(str(expected).strip())
    except InvalidOperation:
        return False


_ONE = _Lookup([("1", True)])  # a ticked flag


def _str(value):
    return None if value is None else str(value)


def _numbers(fields):
    return ", ".join(str(f) for f in fields[:-1]) + f" and {fields[-1]}" if len(fields) > 1 else str(fields[0])


def _date(step, parts, problems):
    fields = step.fields
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        step.problem(problems,
                     f"Fields {_numbers(fields)} must all be filled in to give a date (day, month and year).")
        return None
    try:
        day, month, year = (int(p) for p in parts)
    except ValueError:
        step.problem(problems, f"Fields {_numbers(fields)} must be numbers: day, month and year (YY or YYYY).")
        return None
    if len(parts[2]) <= 2:
        year += 2000
    elif len(parts[2]) != 4:
        step.problem(problems, f"Field {fields[2]} must be a year as YY or YYYY.", [fields[2]])
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        step.problem(problems,
                     f"Fields {_numbers(fields)} do not give a real date ({parts[0]}/{parts[1]}/{parts[2]}).")
        return None
