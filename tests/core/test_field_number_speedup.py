"""The compiled field-number reader (platform/uploads/template_rows.py) gives exactly
what the plain one it replaced gave, kept below as `reference_answers`: the same answers
and problems for the official templates' rows, those rows with each field blanked or set
to awkward values in turn, random mixtures, and code lists whose file values are equal
as numbers but not as text."""

import csv
import datetime as dt
import random
from decimal import Decimal, InvalidOperation
from types import SimpleNamespace

import pytest

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.uploads.template_rows import answers_from_field_numbers

REFERENCE = registry.get("core").reference_dir / "spec"
ODD_VALUES = ["01", "1.0", " R ", "r", "", "x", "-1", "2026", "99", None, "1e0", "NaN", "sNaN", "Infinity", "0.0"]


def template_row(record_type):
    rows = list(csv.reader((REFERENCE / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    return {int(rows[7][col]): rows[8][col] for col in range(1, len(rows[7]))}


def declared_file_values(definition):
    """Every file value a `codes` pair or marker names, and option codes: what lookups see."""
    found = set()
    for question in definition.questions.values():
        upload = question.bulk_upload or {}
        found.update(str(value) for value, _ in upload.get("codes") or [])
        found.update(str(marker.get("value")) for marker in upload.get("markers") or [])
        found.update(str(code) for code, _ in question.options)
    return sorted(found)


def rows_to_compare(record_type):
    row = template_row(record_type)
    yield row
    yield {}
    for field in row:
        yield {**row, field: ""}
        for odd in ODD_VALUES:
            yield {**row, field: odd}
    # random mixtures of template values, declared file values and odd values, in random fields
    choices = ODD_VALUES + declared_file_values(definition(record_type)) + sorted(set(row.values()))
    rng = random.Random(f"field numbers {record_type}")
    for _ in range(400):
        changed = {field: rng.choice(choices) for field in rng.sample(sorted(row), rng.randint(1, 30))}
        yield {**row, **changed}


def definition(record_type):
    return registry.get("core").definition(record_type, 2026)


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_compiled_reader_matches_the_reference(record_type):
    compared = 0
    for row in rows_to_compare(record_type):
        expected = reference_answers(definition(record_type), row)
        assert answers_from_field_numbers(definition(record_type), row) == expected, row
        compared += 1
    assert compared > 2000


def test_rows_keyed_by_text_field_numbers_match_the_reference():
    row = {str(field): value for field, value in template_row("lettings").items()}
    assert answers_from_field_numbers(definition("lettings"), row) == reference_answers(definition("lettings"), row)


def question(id, bulk_upload, type="radio", options=()):
    return SimpleNamespace(id=id, type=type, options=list(options), bulk_upload=bulk_upload)


def test_the_first_pair_that_matches_wins_as_text_or_as_number():
    # "01" and "1" are equal as numbers; "R" and "r" as text: the earlier pair decides
    definition = SimpleNamespace(questions={
        "a": question("a", {"fields": [1], "codes": [["01", "first"], ["1", "second"], ["R", "3"], ["r", "4"]]}),
        "b": question("b", {"fields": [2], "markers": [{"value": "1.0", "sets": "b_known", "to": 1},
                                                       {"value": 1, "sets": "b_other", "to": 2}]}),
        "c": question("c", {"fields": [3], "kind": "lookup", "from_fields": [1], "codes": [["2", None], [2, "two"]],
                            "otherwise": "none"}),
        "d": question("d", {"fields": [4, 5], "kind": "flags", "ticked": ["x", "y"], "otherwise": "z"}),
    })
    for a, b, d in [("1", "1", "1"), ("01", "01", "1.0"), (" r ", "1e0", "0"), ("2", "x", "01"), ("2.0", "", "")]:
        row = {1: a, 2: b, 4: "0", 5: d}
        assert answers_from_field_numbers(definition, row) == reference_answers(definition, row)
    assert answers_from_field_numbers(definition, {1: "1.00", 2: "1", 5: "1"}) == (
        {"a": "first", "b_known": "1", "c": "none", "d": "y"}, [])


def test_an_undeclared_kind_is_a_definition_error_as_before():
    definition = SimpleNamespace(questions={"a": question("a", {"fields": [1, 2]})})
    with pytest.raises(DefinitionError, match="2 bulk-upload fields need a `kind`"):
        answers_from_field_numbers(definition, {})


# The implementation this module replaced, vendored unchanged (apart from the entry
# point's name) as the reference the compiled reader must agree with.

KINDS = {"one_of", "flags", "lookup", "any_given", "count_given", "date", "parts", "checkbox", "single"}


def reference_answers(definition, row):
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
