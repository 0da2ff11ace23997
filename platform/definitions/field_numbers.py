"""Answers from a bulk-upload row keyed by field number, through each question's
`bulk_upload` declaration in the definition. Values stay strings: the normaliser
(values.py) types and checks them, as for every channel.

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
  markers: [{value: R, sets: age1_known, to: 1}]
                               a file value that is not an answer to this question: the question
                               stays blank and another variable is set
  when_given: {sets: v, to: x} set another variable when this question gets a value
  when_blank: {sets: v, to: x} ... or when its fields are blank
"""

import datetime as dt
from decimal import Decimal, InvalidOperation

from cldc.platform.definitions.model import DefinitionError

KINDS = {"one_of", "flags", "lookup", "any_given", "count_given", "date", "parts", "checkbox", "single"}


def answers_from_field_numbers(definition, row):
    """(answers keyed by variable, problems). A problem is a dict with the `fields` it
    is about, the `variable` and a plain `message`; a field with a problem gives no answer."""
    values = {int(number): _clean(value) for number, value in row.items()}
    answers, problems = {}, []
    for question in definition.questions.values():
        upload = question.bulk_upload or {}
        if not (upload.get("fields") or upload.get("from_fields") or upload.get("groups")):
            continue
        _read(question, upload, values, answers, problems)
    return answers, problems


def _clean(value):
    if value is None:
        return None
    text = str(value).strip()
    return text or None


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


def _read(question, upload, values, answers, problems):
    fields = _as_list(upload.get("fields"))
    kind = _kind(question, fields, upload)

    def problem(message, about=None):
        problems.append({"fields": about or fields, "variable": question.id, "message": message})

    if kind == "checkbox":
        names = upload.get("variables") or [code for code, _ in question.options]
        for field, name in zip(fields, names):
            if values.get(field) is not None:
                answers[name] = _translate(upload, values[field])
        return
    if kind == "date":
        value = _date(values, fields, problem)
    elif kind == "parts":
        parts = [values.get(f) for f in fields]
        value = " ".join(p for p in parts if p) or None
    elif kind == "one_of":
        given = {values[f] for f in fields if values.get(f) is not None}
        if len(given) > 1:
            filled = [f for f in fields if values.get(f) is not None]
            return problem(f"Fields {_numbers(filled)} give different answers to the same question; "
                           "fill in only the one for this case.", filled)
        value = given.pop() if given else None
    elif kind == "flags":
        ticked = [i for i, f in enumerate(fields) if _same(values.get(f), "1")]
        if ticked:
            value = _str((upload.get("ticked") or [])[ticked[0]])
        else:
            value = _str(upload.get("otherwise"))
        _store(question, upload, value, answers)
        return
    elif kind == "lookup":
        source = [values.get(f) for f in _as_list(upload.get("from_fields"))]
        value = next((v for v in source if v is not None), None)
        if value is not None:
            mapped = _mapped(upload.get("codes"), value)
            value = mapped if mapped is not None else _str(upload.get("otherwise", value))
        _store(question, upload, value, answers)
        return
    elif kind == "any_given":
        given = any(values.get(f) is not None for f in _as_list(upload.get("from_fields")))
        _store(question, upload, _str(upload.get("given" if given else "not_given")), answers)
        return
    elif kind == "count_given":
        groups = upload.get("groups") or []
        count = sum(1 for group in groups if any(values.get(f) is not None for f in _as_list(group)))
        _store(question, upload, str(int(upload.get("add", 0)) + count), answers)
        return
    else:
        value = values.get(fields[0])
    _store(question, upload, value, answers)


def _store(question, upload, value, answers):
    """Put a value (or nothing, when blank) under the question, applying markers,
    code pairs and the variables it sets."""
    if value is None:
        _sets(upload.get("when_blank"), answers)
        return
    for marker in upload.get("markers") or []:
        if _same(value, marker.get("value")):
            answers[marker["sets"]] = _str(marker["to"])
            return
    answers[question.id] = _translate(upload, value)
    _sets(upload.get("when_given"), answers)


def _sets(spec, answers):
    if spec:
        answers[spec["sets"]] = _str(spec["to"])


def _translate(upload, value):
    mapped = _mapped(upload.get("codes"), value) if upload.get("kind") not in ("lookup", "flags") else None
    return mapped if mapped is not None else value


def _mapped(pairs, value):
    for file_value, stored in pairs or []:
        if _same(value, file_value):
            return _str(stored)
    return None


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


def _str(value):
    return None if value is None else str(value)


def _numbers(fields):
    return ", ".join(str(f) for f in fields[:-1]) + f" and {fields[-1]}" if len(fields) > 1 else str(fields[0])


def _date(values, fields, problem):
    parts = [values.get(f) for f in fields]
    if all(p is None for p in parts):
        return None
    if any(p is None for p in parts):
        problem(f"Fields {_numbers(fields)} must all be filled in to give a date (day, month and year).")
        return None
    try:
        day, month, year = (int(p) for p in parts)
    except ValueError:
        problem(f"Fields {_numbers(fields)} must be numbers: day, month and year (YY or YYYY).")
        return None
    if len(parts[2]) <= 2:
        year += 2000
    elif len(parts[2]) != 4:
        problem(f"Field {fields[2]} must be a year as YY or YYYY.", [fields[2]])
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        problem(f"Fields {_numbers(fields)} do not give a real date ({parts[0]}/{parts[1]}/{parts[2]}).")
        return None
