"""The CORE 2026/27 definition files against the reference data dictionaries: every
question, option, routing condition and bulk-upload field is there, the person
repeat group expands as it should, and the linter finds nothing.

The reference is read directly here (not through the converter), so these tests
check the committed YAML, whoever edits it."""

import csv
import itertools
import json
import random
import re

import pytest

from cldc.platform import registry
from cldc.platform.definitions.expressions import _truthy, compile_expression
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import _fill

REFERENCE = registry.get("core").reference_dir / "spec"
RECORD_TYPES = {"lettings": {"fields": 142, "bu_fields": 147, "persons": (2, 8)},
                "sales": {"fields": 138, "bu_fields": 136, "persons": (2, 6)}}

# Routing the definition cannot state from answers (each is explained in a routing_note):
# these dictionary atoms are taken to hold when comparing routing below.
NOT_FROM_ANSWERS = {"manual_address_entry_selected", "is_la_inferred", "is_previous_la_inferred"}
NOT_FROM_ANSWERS_KINDS = {"progress", "reference_data"}
LEGACY_BLANK = {"buylivein"}  # a pre-2026 variable nothing sets in 2026/27


def dictionary(record_type):
    return json.loads((REFERENCE / f"{record_type}_2026_data_dictionary.json").read_text())


def definition(record_type):
    return registry.get("core").definition(record_type, 2026)


def code(value):
    return int(value) if isinstance(value, str) and re.fullmatch(r"-?\d+", value) else value


def instances(record_type):
    """(subsection, page, question) for every dictionary question that is a data field."""
    for section in dictionary(record_type)["sections"]:
        for sub in section["subsections"]:
            for page in sub["pages"]:
                if page.get("interruption_screen"):
                    continue
                for question in page["questions"]:
                    yield sub, page, question


def page_notes(loaded):
    """Each page's `notes:` as written (the platform never reads them): CORE keeps there
    the dictionary pages it merged into the page and the soft checks that follow it."""
    notes = {}
    for section in loaded.raw["sections"]:
        for sub in section["subsections"]:
            for page in sub["pages"]:
                if "repeat" not in page:
                    notes[page["id"]] = page.get("notes") or {}
                    continue
                first, last = page["indices"]
                indices = range(first, last + 1)
                for raw, n in itertools.product(page["pages"], indices):  # as the repeat block expands
                    notes[_fill(raw["id"], n)] = _fill(raw.get("notes") or {}, n, indices)
    return notes


def bu_fields(question):
    fields = question.bulk_upload.get("fields")
    if fields is None:
        return []
    return fields if isinstance(fields, list) else [fields]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_loads_through_the_registry(record_type):
    loaded = definition(record_type)
    assert (loaded.collection, loaded.record_type, loaded.version) == ("core", record_type, 2026)
    assert str(loaded.valid_from) == "2026-04-01" and str(loaded.valid_to) == "2027-03-31"
    assert all(name in loaded.variables for name in loaded.reference_key)


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_data_field_is_a_question(record_type):
    expected = {q["id"] for _, _, q in instances(record_type)}
    assert len(expected) == RECORD_TYPES[record_type]["fields"]
    assert set(definition(record_type).questions) == expected


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_types_follow_the_dictionary(record_type):
    """The type of one of the question's pages (location_id is a radio question for a
    scheme with few locations and a searchable select for one with many)."""
    types = {"address_search": "address", "numeric_output": "derived"}
    expected = {}
    for _, _, q in instances(record_type):
        expected.setdefault(q["id"], set()).add(types.get(q["type"], q["type"]))
    for name, question in definition(record_type).questions.items():
        assert question.type in expected[name], name


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_option_of_the_dictionary_is_there(record_type):
    loaded = definition(record_type)
    for _, page, q in instances(record_type):
        options = [c for c, label in q.get("answer_options") or [] if label is not None]  # not an "or" divider
        question = loaded.questions[q["id"]]
        if q["type"] == "checkbox":
            assert set(options) <= set(question.variables), q["id"]
        else:
            missing = {code(c) for c in options} - question.all_codes
            assert not missing, f"{page['id']} {q['id']}: missing codes {missing}"


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_page_with_routing_has_a_condition_or_a_note(record_type):
    loaded = definition(record_type)
    notes = page_notes(loaded)
    host = {}
    for page in loaded.pages:
        host[page.id] = page
        for merged in notes[page.id].get("merged_pages") or []:
            host.setdefault(merged, page)
    subsection_said = {page.subsection.id: page.subsection.show_if or page.subsection.routing_note
                       for page in loaded.pages}
    for sub, page, _ in instances(record_type):
        if page["depends_on"] is not None:
            found = host[page["id"]]
            assert found.show_if or found.routing_note, page["id"]
        if sub.get("depends_on") is not None:
            found = host[page["id"]]
            assert subsection_said[found.subsection.id] or found.show_if, (sub["id"], page["id"])


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_bulk_upload_field_numbers_are_complete_and_unique(record_type):
    loaded = definition(record_type)
    numbers = [f for q in loaded.questions.values() for f in bu_fields(q)]
    assert sorted(numbers) == list(range(1, RECORD_TYPES[record_type]["bu_fields"] + 1))
    owner = {f: q.id for q in loaded.questions.values() for f in bu_fields(q)}
    for item in dictionary(record_type)["bulk_upload_fields"]:
        assert owner[item["field"]] == item["question_id"], item["field"]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_duplicate_check_fields_follow_the_template(record_type):
    loaded = definition(record_type)
    marked = {f for q in loaded.questions.values() if q.bulk_upload.get("duplicate_check") for f in bu_fields(q)}
    rows = list(csv.reader((REFERENCE / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    flagged = {int(rows[7][i]) for i in range(1, len(rows[7])) if rows[6][i].strip().lower().startswith("yes")}
    assert flagged and flagged <= marked


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_the_person_repeat_group_expands_for_each_person(record_type):
    first, last = RECORD_TYPES[record_type]["persons"]
    loaded = definition(record_type)
    in_group = [q for q in loaded.questions.values() if q.repeat == "person"]
    assert {q.index for q in in_group} == set(range(first, last + 1))
    for stem in ("age{}", "age{}_known", "relat{}", "sexrab{}", "gender_same_as_sex{}", "ecstat{}", "details_known_{}"):
        for n in range(first, last + 1):
            question = loaded.questions[stem.format(n)]
            assert (question.repeat, question.index) == ("person", n), stem.format(n)
    # one block in the file, not one copy per person
    raw_pages = [p for s in loaded.raw["sections"] for sub in s["subsections"] for p in sub["pages"]]
    assert sum(1 for p in raw_pages if "repeat" in p) == 1
    assert loaded.questions[f"age{last}"].text and loaded.questions[f"age{last}"].bulk_upload["fields"]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_every_soft_check_is_listed_on_a_page(record_type):
    """Interruption screens are soft checks (rules), not questions: their ids stay on the pages."""
    listed = {s for notes in page_notes(definition(record_type)).values() for s in notes.get("soft_checks") or []}
    expected = {q["id"] for section in dictionary(record_type)["sections"] for sub in section["subsections"]
                for page in sub["pages"] if page.get("interruption_screen") for q in page["questions"]}
    assert listed == expected and len(expected) == {"lettings": 12, "sales": 20}[record_type]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_lint_finds_no_problems(record_type):
    assert lint(definition(record_type)) == []


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_personal_data_is_flagged(record_type):
    questions = definition(record_type).questions
    for name in ("postcode_full", "address_line1", "uprn", record_type == "lettings" and "tenancycode" or "purchid"):
        assert questions[name].personal, name
    for name in ("age1", "la", "beds"):
        assert not questions[name].personal, name


# --- Routing: the definition's conditions hold exactly when the dictionary's do ------------------------


class DictionaryRouting:
    """The dictionary's depends_on semantics (see its `conventions`), for comparison."""

    def __init__(self, record_type):
        self.data = dictionary(record_type)
        derived = json.loads((REFERENCE / "derived_variables_2026.json").read_text())[record_type]
        self.derived = {d["name"]: d for d in derived if d.get("mapping") and len(d.get("inputs", [])) == 1}

    def holds(self, depends_on, answers):
        if depends_on is None:
            return True
        return any(all(self.atom(a, answers) for a in alternative) for alternative in depends_on)

    def atom(self, atom, answers):
        if "predicate" in atom:
            spec = self.data["predicates"][atom["predicate"]]
            if spec.get("kind") in NOT_FROM_ANSWERS_KINDS:
                return True
            value = _truthy(compile_expression(spec["expression"]).evaluate(answers))
            return value == atom["value"]
        name, op, wanted = atom["field"], atom["op"], atom["value"]
        if name in NOT_FROM_ANSWERS:
            return True
        if name in self.derived and name not in answers:
            spec = self.derived[name]
            source = answers.get(spec["inputs"][0])
            value = None if source is None else spec["mapping"].get(str(source))
        else:
            value = None if name in LEGACY_BLANK else answers.get(name)
        if op == "==":
            return value is None if wanted is None else value is not None and value == code(wanted)
        if op == "!=":
            return value is not None if wanted is None else value is None or value != code(wanted)
        if op == "in":
            return value is not None and value in [code(w) for w in wanted]
        if op == "not_in":
            return value is None or value not in [code(w) for w in wanted]
        if value is None:
            return False
        return {">": value > wanted, ">=": value >= wanted, "<": value < wanted, "<=": value <= wanted}[op]


def satisfying(atom, rng):
    """A value that makes one atom hold (None for blank)."""
    op, wanted = atom["op"], atom["value"]
    if op == "==":
        return None if wanted is None else code(wanted)
    if op == "in":
        return code(rng.choice(wanted))
    if op in ("!=", "not_in"):
        return None
    return {">": wanted + 1, ">=": wanted, "<": wanted - 1, "<=": wanted}[op]


@pytest.mark.parametrize("record_type", RECORD_TYPES)
def test_routing_matches_the_dictionary(record_type):
    """On random answers, steered so that each page's conditions hold now and then, every
    question applies in the definition exactly when one of its dictionary pages does."""
    reference, loaded, rng = DictionaryRouting(record_type), definition(record_type), random.Random(2026)
    choices, coded = {}, {}
    for _, _, q in instances(record_type):
        codes = [code(c) for c, _ in q.get("answer_options") or [] if c != "divider"]
        if q["type"] == "checkbox":
            for variable in codes:
                choices[variable] = [0, 1]
        else:
            choices.setdefault(q["id"], [])
            choices[q["id"]] += codes or [0, 1, 2, 3, 15, 16, 50, 100]
            if codes:
                coded.setdefault(q["id"], set()).update(codes)
    conditions = [(sub, page, q) for sub, page, q in instances(record_type)]
    atoms = [a for sub, page, _ in conditions for d in (sub.get("depends_on"), page["depends_on"]) if d
             for alt in d for a in alt if "field" in a and a["field"] in choices]

    def dictionary_applies(variable, answers):
        return any(reference.holds(sub.get("depends_on"), answers) and reference.holds(page["depends_on"], answers)
                   and (not q.get("shown_when_parent") or answers.get(q["shown_when_parent"]["question"])
                        in q["shown_when_parent"]["values"])
                   for sub, page, q in conditions if q["id"] == variable)

    def definition_applies(question, answers):
        page = question.page
        return all(e is None or _truthy(e.evaluate(answers))
                   for e in (page.subsection.show_if, page.show_if, question.show_if))

    mismatches = []
    for _ in range(400):
        answers = {name: rng.choice(values) if rng.random() < 0.6 else None for name, values in choices.items()}
        for atom in rng.sample(atoms, 12):  # steer: make a few atoms hold
            value = satisfying(atom, rng)
            if value is None or atom["field"] not in coded or value in coded[atom["field"]]:
                answers[atom["field"]] = value  # answers are valid codes: never ownershipsch 3
        answers = {k: v for k, v in answers.items() if v is not None}
        for variable, question in loaded.questions.items():
            if dictionary_applies(variable, answers) != definition_applies(question, answers):
                mismatches.append((variable, dict(sorted(answers.items()))))
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[0]}"


def test_a_number_too_large_to_check_is_refused_on_its_field_not_a_crash():
    from cldc.platform import registry
    from cldc.platform.definitions.values import normalise

    definition = registry.get("core").definition("lettings", 2026)  # scharge: step 0.01, no maximum
    values, errors = normalise(definition, {"scharge": "1e30"})
    assert values == {} and [(e.field, e.rule) for e in errors] == [("scharge", "numeric_format")]
