"""H-CLIC's value lists are the published tables': every option, offered or retired,
is a column heading of the table its definition names, and every retired option says
which options replaced it, as the tables show.

The workbooks (shared/reference/hclic/) are too large to keep in the package: it keeps
their heading cells, rows 1 to 8 of each sheet the lists come from, as published
(footnote numbers and misspellings included), in reference/table_headings.csv
(`tables`: 2025 for October to December 2025, 2018 for April to June 2018)."""

import csv
import re

import pytest

from cldc.platform import registry
from cldc.platform.definitions.values import normalise

HEADINGS = registry.get("hclic").package_dir / "reference" / "table_headings.csv"

# Each coded question, and the tables (2025 unless said) whose headings hold its options.
SOURCES = {
    "assessoutcome": ["A1"], "referralagency": ["A7"], "reason": ["A2P", "A2R"], "arrearsreason": ["A2P"],
    "accom": ["A4P", "A4R"], "eligibility": ["2018:A11"], "needs": ["A3"], "sex1": ["A5P"],
    "ethnic1": ["A8"], "ecstat1": ["A10"], "nationality1": ["2018:A9"], "sexid1": ["A12"],
    "genderid1": ["A13"], "preventend": ["P1"], "prevaccom": ["P2"], "prevactivity": ["P3"], "reliefend": ["R1"],
    "reliefaccom": ["R2"], "reliefactivity": ["R3"], "mainduty": ["MD1"], "priorityneed": ["MD3"], "mdend": ["MD2"],
    "tatype1": ["TA1"], "taduty1": ["TA3"], "taregion1": ["TA9"],
    # Every other member's lists are the main applicant's.
    "sex2": ["A5P"], "ethnic2": ["A8"], "ecstat2": ["A10"], "nationality2": ["2018:A9"], "sexid2": ["A12"],
    "genderid2": ["A13"],
}
# Coded questions whose options no table heads, and why.
UNPUBLISHED = {
    "s21notice": "yes or no (table A1 counts the yes)", "supportneeds": "yes, no or not known (table A3's rows)",
    "taoutside1": "yes or no (table TA1 counts the yes)",
    "referred": "table A7's groups, worded as answers", "relat2": "the relationships table A5P's types are built from",
    "reviewdecision1": "illustrative: no table shows reviews", "reviewoutcome1": "illustrative: no table shows reviews",
    "closeassist": "illustrative: no table shows the assistance at closure",
}
# Derived values that are codes, and the tables whose headings hold their options.
DERIVED_SOURCES = {
    "hhtype": ["A5P"], "agegroup1": ["A6"], "dutyowed": ["A1"], "prevendgroup": ["P1"], "reliefendgroup": ["R1"],
    "tatype_current": ["TA1"], "taduty_current": ["TA3"], "taband1": ["TA4"],
}
# Retired codes and the codes that replaced them.
REPLACED = {
    ("reason", 29): (3, 4), ("reason", 30): (12, 13), ("reason", 31): (21, 22, 23, 24), ("accom", 21): (11, 12, 13),
    ("referralagency", 13): (3,), ("preventend", 12): (7, 8), ("reliefend", 12): (8, 9),
    ("needs", "sn_careleaver21"): ("sn_careleaver2124", "sn_careleaver25"),
}


def words(text):
    """A heading or label as letters and digits only: without the table's footnote
    numbers, its "(retired option)" marks, its abbreviation TA and its misspelling "harrassment"."""
    text = re.sub(r"\bTA\b", "temporary accommodation", str(text)).replace("&", "and").replace("harrass", "harass")
    text = re.sub(r"\(?retired option\)?", "", text, flags=re.I)
    text = re.sub(r"(\s+\d+(,\d+)*|(?<=[A-Za-z)])\d+(,\d+)*)\s*$", "", text.strip())  # a footnote: "Not known2"
    return re.sub(r"[^a-z0-9+]", "", text.lower())


def headings(sheets):
    """The headings of the named sheets (of the 2025 tables, or "2018:<sheet>"), as words()."""
    wanted = {tuple(sheet.split(":")) if ":" in sheet else ("2025", sheet) for sheet in sheets}
    with HEADINGS.open(newline="", encoding="utf-8") as file:
        found = {words(row["heading"]) for row in csv.DictReader(file) if (row["tables"], row["sheet"]) in wanted}
    return found - {""}


@pytest.fixture(scope="module")
def definition():
    return registry.get("hclic").definition("case", 2025)


@pytest.mark.parametrize("question_id", SOURCES)
def test_every_option_is_a_heading_of_its_table(definition, question_id):
    question = definition.questions[question_id]
    known = headings(SOURCES[question_id])
    strays = [label for _, label in question.options + question.retired_options
              if not any(words(label).endswith(h) or h.endswith(words(label)) for h in known)]
    assert strays == []


def test_every_coded_question_says_where_its_options_come_from(definition):
    """A repeat block's questions are named by its first index (person 2, placement 1, review 1)."""
    questions = definition.questions.values()
    first = {q.repeat: min(p.index for p in questions if p.repeat == q.repeat) for q in questions if q.repeat}
    coded = {q.id for q in questions if q.options and (not q.repeat or q.index == first[q.repeat])}
    assert coded == set(SOURCES) | set(UNPUBLISHED)


@pytest.mark.parametrize("main, member", [
    ("sex1", "sex{n}"), ("ethnic1", "ethnic{n}"), ("ecstat1", "ecstat{n}"), ("nationality1", "nationality{n}"),
    ("sexid1", "sexid{n}"), ("genderid1", "genderid{n}")])
def test_every_member_is_asked_from_the_main_applicants_list(definition, main, member):
    for n in range(2, 9):
        assert definition.questions[member.format(n=n)].options == definition.questions[main].options


@pytest.mark.parametrize("derived_id", DERIVED_SOURCES)
def test_every_coded_derived_value_reads_as_its_table(derived_id):
    derivation = next(d for d in registry.get("hclic").rule_pack("case", 2025).derivations if d.id == derived_id)
    known = headings(DERIVED_SOURCES[derived_id])
    strays = [label for _, label in derivation.options
              if not any(words(label).endswith(h) or h.endswith(words(label)) for h in known)]
    assert derivation.options and strays == []


def test_the_derived_household_type_has_table_a5ps_six_types():
    hhtype = next(d for d in registry.get("hclic").rule_pack("case", 2025).derivations if d.id == "hhtype")
    assert [code for code, _ in hhtype.options] == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("question_id, code", REPLACED)
def test_each_retired_option_names_what_replaced_it(definition, question_id, code):
    question = definition.questions[question_id]
    assert question.replaced_by[code] == REPLACED[question_id, code]
    name = question_id if question.type != "checkbox" else code
    sent = 1 if question.type == "checkbox" else code
    _, errors = normalise(definition, {name: sent})
    assert [e.rule for e in errors] == ["retired_option"]
    assert all(f"“{question.label_for(new)}” ({new})" in errors[0].message for new in REPLACED[question_id, code])
    assert normalise(definition, {name: sent}, existing={name: sent})[1] == []  # kept where the case holds it


def test_every_retired_option_has_its_replacements(definition):
    retired = {(q.id, code) for q in definition.questions.values() for code, _ in q.retired_options}
    assert retired == set(REPLACED)


def test_the_personal_identifiers_are_personal(definition):
    personal = {q.id for q in definition.questions.values() if q.personal}
    assert personal == {"caseref", "firstname1", "surname1", "dob1", "nino1"}


@pytest.mark.parametrize("version", [2025, 2026])
@pytest.mark.parametrize("derived_id, question_id", [
    ("tatype_current", "tatype1"), ("taduty_current", "taduty1"), ("taoutside_current", "taoutside1")])
def test_a_value_of_the_current_placement_reads_as_its_question_in_each_version(version, derived_id, question_id):
    # A derived value cannot name a question's options, so its list is written again: held to it here.
    hclic = registry.get("hclic")
    question = hclic.definition("case", version).questions[question_id]
    derivation = next(d for d in hclic.rule_pack("case", version).derivations if d.id == derived_id)
    assert dict(derivation.options) == dict(question.options + question.retired_options)
