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
    "tatype1": ["TA1"],
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


def test_the_derived_household_type_reads_as_table_a5p(definition):
    hhtype = next(d for d in registry.get("hclic").rule_pack("case", 2025).derivations if d.id == "hhtype")
    known = headings(["A5P"])
    assert [code for code, _ in hhtype.options] == [1, 2, 3, 4, 5, 6]
    assert all(any(words(label).endswith(h) for h in known) for _, label in hhtype.options)


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
