"""Convert the CORE 2026/27 data dictionaries into definition files (a first pass).

Run it from the repository root:

    .venv/bin/python collections/core/tools/convert_dictionary.py            # write both files
    .venv/bin/python collections/core/tools/convert_dictionary.py --check    # compare, write nothing
    .venv/bin/python collections/core/tools/convert_dictionary.py --reference DIR --out DIR

It reads, from the reference folder (default: the package's reference/spec/ folder):
  {lettings,sales}_2026_data_dictionary.json      sections, pages, questions, routing
  2026_27_{lettings,sales}_bulk_upload.csv        the templates: headers, field numbers
  lettings_log_csv_export_codes_26.csv,
  sales_logs_csv_export_codes_26.csv               export column names
  derived_variables_2026.json                      to restate conditions on derived values
and writes collections/core/definitions/{lettings,sales}/2026.yaml.

The YAML files are the source of truth once written: edit them, not this script. The
script stays to show how they were made and to re-check them against the reference.

Decisions (each is explained again where the code makes it):
- Interruption pages (soft checks) are not questions: they are left out, and their ids
  are listed under `soft_checks:` on the page they follow.
- A variable asked on several pages becomes one question. It stays on its first page
  (or, for the sales buyer-2 pages, on the person repeat group, so that the group stays
  one template); that page's show_if becomes the `or` of the pages' conditions, and the
  other pages' wording is kept under `variants:`.
- Conditions that depend on the signed-in user, the organisation, schemes, the progress
  of the log or reference lookups cannot be evaluated from answers. They are dropped
  from show_if and explained in a `routing_note`.
- An answer code that the 2026/27 form does not display (`displayed_answer_codes`) stays
  an option when another page offers it or the bulk-upload template accepts it (it is
  then a valid new value), with a `not_displayed` note; otherwise it becomes a retired
  option (readable in older records, refused in new ones).
- What the dictionary says that the platform does not read (question numbers, widths,
  guidance partials, merged pages, soft checks) goes under each mapping's `notes:`, so
  that the files load strictly (docs/definitions.md; tests/core/test_convert_dictionary.py).
- Personal data (`personal: true`): every free-text answer and the address search, that
  is names, addresses, postcodes, UPRNs, tenant, property and purchaser references and
  free-text descriptions. Codes, numbers, amounts and dates are statistical. (The
  dictionaries hold no names or dates of birth.)
"""

import argparse
import ast
import copy
import csv
import datetime as dt
import itertools
import json
import re
import sys
from pathlib import Path

import yaml

from cldc.platform.definitions.model import (BULK_UPLOAD_KEYS, NOTES, PAGE_KEYS, QUESTION_EXTRA_KEYS, QUESTION_KEYS,
                                             REPEAT_KEYS, SECTION_KEYS, SUBSECTION_KEYS, VARIANT_KEYS)

REPO = Path(__file__).resolve().parents[3]
REFERENCE = Path(__file__).resolve().parent.parent / "reference" / "spec"
OUT = REPO / "collections" / "core" / "definitions"

RECORD_TYPES = {
    "lettings": {
        "title": "Lettings log",
        "reference_key": ["tenancycode", "startdate"],
        "ages_at": "startdate",
        "search_fields": ["tenancycode", "propcode", "postcode_full"],
        "template": "2026_27_lettings_bulk_upload.csv",
        "export": "lettings_log_csv_export_codes_26.csv",
        "persons": [2, 8],
    },
    "sales": {
        "title": "Sales log",
        "reference_key": ["purchid", "saledate"],
        "ages_at": "saledate",
        "search_fields": ["purchid", "postcode_full"],
        "template": "2026_27_sales_bulk_upload.csv",
        "export": "sales_logs_csv_export_codes_26.csv",
        "persons": [2, 6],
    },
}

TYPES = {
    "radio": "radio", "select": "select", "checkbox": "checkbox", "numeric": "numeric", "text": "text",
    "date": "date", "address_search": "address", "numeric_output": "derived",
}

# Condition fields that are not answers. They are dropped from show_if with this explanation.
NOT_ANSWERS = {
    "manual_address_entry_selected": "the user chose to type the address instead of searching for it "
    "(a choice made in the web form, not an answer); here either a UPRN or a typed address may be given",
    "is_la_inferred": "the local authority could not be inferred from the postcode "
    "(a postcode lookup the platform does not have yet); here the question applies whenever its other conditions hold",
    "is_previous_la_inferred": "the previous local authority could not be inferred from the previous postcode "
    "(a postcode lookup the platform does not have yet); here the question applies whenever its other conditions hold",
}
# Condition fields of earlier years that no 2026/27 question or derived variable sets: always blank.
LEGACY = {"buylivein"}

# Questions whose answers are references to records the platform holds (or will hold):
# organisations, users, schemes, locations, local authorities, OS Places addresses.
REFERS_TO = {
    "owning_organisation_id": "organisation", "managing_organisation_id": "organisation", "assigned_to_id": "user",
    "scheme_id": "scheme", "location_id": "location", "la": "local_authority", "prevloc": "local_authority",
    "uprn": "address",
}

# Plain-English `optional` conditions of the dictionaries, restated as expressions.
OPTIONAL = {
    "not required unless the tenancy is fixed term (tenancy 4 or 6)": "tenancy not in (4, 6)",
    "not required when postcode_known = 1": "present(postcode_full)",
    "not required when tshortfall_known = 1 (amount not known)": "tshortfall_known == 1",
    "not required when stairowned = 100 (buyer now owns 100%)": "stairowned == 100",
}

# Export columns whose name is not the variable's, matched on the export file's description row.
EXPORT_ALIASES = {
    "lettings": {
        "owning_organisation_id": "owning_organisation_name", "managing_organisation_id": "managing_organisation_name",
        "assigned_to_id": "assigned_to", "scheme_id": "scheme_code", "location_id": "location_code",
        "rent_type": "renttype_detail", "letting_allocation_unknown": "letting_allocation_none",
    },
    "sales": {
        "owning_organisation_id": "OWNINGORGNAME", "managing_organisation_id": "MANINGORGNAME",
        "assigned_to_id": "USERNAME", "ownershipsch": "OWNERSHIP", "jointpur": "JOINT",
        "address_line1": "ADDRESS1", "address_line2": "ADDRESS2", "town_or_city": "TOWNCITY",
        "postcode_full": "POSTCODE",
        "ethnic_group": "ETHNICGROUP1", "nationality_all": "NATIONALITYALL1", "buy1livein": "LIVEINBUYER1",
        "ethnic_group2": "ETHNICGROUP2", "ethnicbuy2": "ETHNIC2", "nationality_all_buyer2": "NATIONALITYALL2",
        "buy2livein": "LIVEINBUYER2", "previous_la_known": "PREVIOUSLAKNOWN", "prevtenbuy2": "PREVTEN2",
        "income1nk": "INC1NK", "income2nk": "INC2NK", "mortlen": "MORTLEN1", "has_mscharge": "HASMSCHARGE",
        "has_management_fee": "HASESTATEFEE", "management_fee": "ESTATEFEE", "staircasesale": "STAIRCASETOSALE",
    },
}
# Variables exported as several columns (dates by day, month and year; postcodes in two parts).
EXPORT_COLUMNS = {
    "sales": {
        "saledate": ["DAY", "MONTH", "YEAR"], "hodate": ["HODAY", "HOMONTH", "HOYEAR"],
        "lasttransaction": ["STAIRLASTDAY", "STAIRLASTMONTH", "STAIRLASTYEAR"],
        "initialpurchase": ["STAIRINITIALDAY", "STAIRINITIALMONTH", "STAIRINITIALYEAR"],
        "ppostcode_full": ["PPOSTC1", "PPOSTC2"],
    },
}


# --- Bulk upload: how template fields become answers ----------------------------------
# Restated from each field's `transform` in the dictionary (the CORE row parsers). The
# generic reader is platform/definitions/field_numbers.py; these are its declarations.

ETHNIC_GROUP = {1: 0, 2: 0, 3: 0, 18: 0, 20: 0, 4: 1, 5: 1, 6: 1, 7: 1, 8: 2, 9: 2, 10: 2, 11: 2, 15: 2,
                12: 3, 13: 3, 14: 3, 16: 4, 19: 4, 17: 17}
NATIONALITY_GROUP = {"codes": {0: 0, 826: 826}, "otherwise": 12}
YES_NO_1_2 = {1: 0, 2: 1}  # "1 = Yes (known) -> 0; 2 = No -> 1"
PARTNER = {1: "P", 2: "X", 3: "R"}


def refused(marker, variable, value, given=None, blank=None):
    """A file value (such as R, "prefers not to say") that leaves this question blank and
    sets another variable; and what that variable is when a real value, or none, is given."""
    rule = {"markers": [{"value": marker, "sets": variable, "to": value}]}
    if given is not None:
        rule["when_given"] = {"sets": variable, "to": given}
    if blank is not None:
        rule["when_blank"] = {"sets": variable, "to": blank}
    return rule


def person_fields(fields_of, n):
    """The fields that say person n is present: age, partner, sex and gender (not the working situation)."""
    names = [f"age{n}", f"relat{n}", f"sexrab{n}", f"gender_same_as_sex{n}", f"gender_description{n}"]
    return sorted(f for name in names for f in fields_of.get(name, []))


def upload_rules(record_type, fields_of, persons):
    first, last = persons
    rules = {
        # "prefers not to say" is an answer to the group question: the detail stays blank
        # (the derived variables set it from the group, as CORE does)
        "ethnic": {"markers": [{"value": 17, "sets": "ethnic_group", "to": 17}]},
        "nationality_all": {"markers": [{"value": 0, "sets": "nationality_all_group", "to": 0}]},
        "age1": refused("R", "age1_known", 1, given=0),
        "ethnic_group": {"kind": "lookup", "from_fields": fields_of["ethnic"], "codes": ETHNIC_GROUP},
        "nationality_all_group": {"kind": "lookup", "from_fields": fields_of["nationality_all"], **NATIONALITY_GROUP},
        "ppcodenk": {"codes": YES_NO_1_2},
        "previous_la_known": {"kind": "any_given", "from_fields": fields_of["prevloc"], "given": 1, "not_given": 0},
    }
    present, absent = (0, 1) if record_type == "lettings" else (1, 2)
    for n in range(first, last + 1):
        rules[f"relat{n}"] = {"codes": PARTNER}
        rules[f"age{n}"] = refused("R", f"age{n}_known", 1, given=0)
        rules[f"details_known_{n}"] = {"kind": "any_given", "from_fields": person_fields(fields_of, n),
                                       "given": present, "not_given": absent}
    if record_type == "lettings":
        rules.update({
            "renewal": {"codes": {1: 1, 2: 0}},
            "rent_type": {"codes": {bu: bu - 1 for bu in range(1, 8)}},
            "first_time_property_let_as_social_housing": {
                "kind": "lookup", "from_fields": fields_of["rsnvac"], "codes": {15: 1, 16: 1, 17: 1}, "otherwise": 0},
            "majorrepairs": {"kind": "any_given", "from_fields": fields_of["mrcdate"], "given": 1, "not_given": 0},
            "hhmemb": {"kind": "count_given", "groups": [person_fields(fields_of, n) for n in range(first, last + 1)],
                       "add": 1},
            # Disabled access needs: six flags a, b, c, f, g, h (fields 94-99) for three questions.
            "housingneeds_type": {"kind": "flags", "ticked": [0, 1, 2], "otherwise": 3},
            "housingneeds_other": {"kind": "flags", "ticked": [1], "otherwise": 0},
            "housingneeds": {"kind": "flags", "ticked": [2, 3], "otherwise": 1},
            "letting_allocation": {"codes": {1: 1, 2: 0}},
            "net_income_known": {"codes": {1: 0, 2: 1, 3: 2}},
            "tshortfall_known": {"kind": "lookup", "from_fields": fields_of["hbrentshortfall"], "codes": {1: 0},
                                 "otherwise": 1},
        })
    else:
        rules.update({
            "ethnicbuy2": {"markers": [{"value": 17, "sets": "ethnic_group2", "to": 17}]},
            "nationality_all_buyer2": {"markers": [{"value": 0, "sets": "nationality_all_buyer2_group", "to": 0}]},
            "ethnic_group2": {"kind": "lookup", "from_fields": fields_of["ethnicbuy2"], "codes": ETHNIC_GROUP},
            "nationality_all_buyer2_group": {"kind": "lookup", "from_fields": fields_of["nationality_all_buyer2"],
                                             **NATIONALITY_GROUP},
            "prevten": {"codes": {"R": 0}},
            "prevtenbuy2": {"codes": {"R": 0}},
            "income1": refused("R", "income1nk", 1, given=0),
            "income2": refused("R", "income2nk", 1, given=0),
            "savings": refused("R", "savingsnk", 1, given=0),
            "proplen": refused("0", "proplen_asked", 1, given=0, blank=1),
            "mortlen": refused("R", "mortlen_known", 1, given=0),
            "mscharge": refused("R", "has_mscharge", 0, given=1),
            "management_fee": refused("0", "has_management_fee", 0, given=1, blank=0),
            "newservicecharges": refused("R", "hasservicechargeschanged", 2, given=1),
        })
    return rules


# --- Reading the reference ---------------------------------------------------------------


def code(value):
    """Codes are stored as written: integers where the code is a number, else strings."""
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
        return int(value)
    return value


# Template cells known to be wrong (README_dictionary.md, "Template quirks"): the row parser's labels.
TEMPLATE_FIXES = {
    ("sales", 63): "If 'No', enter person 5's gender identity",
    ("sales", 69): "If 'No', enter person 6's gender identity",
}


def read_template(path):
    """Field number -> its template columns (8 header rows, labels in column A)."""
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    numbers = rows[7]
    assert numbers[0].strip() == "Field number", path
    fields = {}
    for col in range(1, len(numbers)):
        fields[int(numbers[col])] = {
            # one line: column headers are matched as text
            "question": " ".join(rows[1][col].split()), "info": rows[2][col].strip(), "values": rows[3][col].strip(),
            "can_be_empty": rows[4][col].strip(), "applies_to": rows[5][col].strip(),
            "duplicate_check": rows[6][col].strip().lower().startswith("yes"),
        }
    return fields


def read_export_codes(path):
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    return [c for c in rows[1] if c]


def accepted_by_template(values_text, value):
    """Whether the template's Values text ("1 - 4 or 9", "0 - 10", "1, 3") admits a code.
    Texts that are not lists of numbers (ISO codes, free text) admit everything."""
    text = values_text.replace("–", "-")
    parts = [p.strip() for p in re.split(r",|\bor\b|\n", text) if p.strip()]
    ranges = []
    for part in parts:
        m = re.fullmatch(r"(-?\d+)\s*-\s*(-?\d+)", part) or re.fullmatch(r"(-?\d+)", part)
        if not m:
            if part.upper() == "R":
                ranges.append(("R", "R"))
                continue
            return True
        low = int(m.group(1))
        ranges.append((low, int(m.group(2)) if m.lastindex == 2 else low))
    for low, high in ranges:
        if low == "R":
            if value == "R":
                return True
        elif isinstance(value, int) and low <= value <= high:
            return True
    return False


# --- Conditions: OR of ANDs ----------------------------------------------------------------
# A condition is None (always), [] (never) or a list of alternatives, each a tuple of atoms
# (expression strings) that must all hold.

ALWAYS = None


def c_and(*conds):
    result = ALWAYS
    for cond in conds:
        if cond is ALWAYS:
            continue
        if result is ALWAYS:
            result = list(cond)
            continue
        result = [tuple(dict.fromkeys(a + b)) for a in result for b in cond]
    return _simplify(result)


def c_or(*conds):
    alternatives = []
    for cond in conds:
        if cond is ALWAYS:
            return ALWAYS
        alternatives += cond
    return _simplify(alternatives)


EQUALS = re.compile(r"^(\w+) == (.+)$")
OPPOSITES = [(re.compile(r"^(\w+) == (.+)$"), "{0} != {1}"), (re.compile(r"^(\w+) in (.+)$"), "{0} not in {1}")]


def _contradictory(alt):
    """x == 1 and x == 2 can never both hold."""
    seen = {}
    for atom in alt:
        m = EQUALS.match(atom)
        if m:
            if seen.setdefault(m.group(1), m.group(2)) != m.group(2):
                return True
    return False


def _opposite(atom):
    if re.fullmatch(r"\w+", atom):  # a named condition
        return f"not {atom}"
    if re.fullmatch(r"not \w+", atom):
        return atom[4:]
    for pattern, template in OPPOSITES:
        m = pattern.match(atom)
        if m:
            return template.format(*m.groups())
    return None


def _simplify(cond):
    if cond is ALWAYS:
        return ALWAYS
    alternatives = [tuple(alt) for alt in cond if not _contradictory(alt)]
    changed = True
    while changed:
        changed = False
        if any(len(alt) == 0 for alt in alternatives):
            return ALWAYS
        unique = list(dict.fromkeys(alternatives))
        # absorption: (a) or (a and b) is (a)
        alternatives = [alt for alt in unique if not any(set(o) < set(alt) for o in unique)]
        # (a and x == 1) or (a and x != 1) is (a): blank answers make `!=` hold
        for i, alt in enumerate(alternatives):
            for atom in alt:
                other = _opposite(atom)
                rest = tuple(a for a in alt if a != atom)
                partner = next((o for o in alternatives if other and set(o) == set(rest) | {other}), None)
                if partner:
                    alternatives = [o for o in alternatives if o is not alt and o is not partner] + [rest]
                    changed = True
                    break
            if changed:
                break
        if not changed:
            merged = _merge_values(alternatives)
            changed = merged != alternatives
            alternatives = merged
    return alternatives


MEMBERSHIP = re.compile(r"^(\w+) (==|in) (.+)$")


def _merge_values(alternatives):
    """(a and x == 1) or (a and x == 2) is (a and x in (1, 2))."""
    for i, alt in enumerate(alternatives):
        for atom in alt:
            m = MEMBERSHIP.match(atom)
            if not m:
                continue
            rest = set(alt) - {atom}
            partners = []
            for other in alternatives[i + 1:]:
                extra = set(other) - rest
                if len(extra) == 1 and len(other) == len(alt):
                    n = MEMBERSHIP.match(next(iter(extra)))
                    if n and n.group(1) == m.group(1):
                        partners.append((other, n))
            if partners:
                values = []
                for match in [m] + [n for _, n in partners]:
                    parsed = ast.literal_eval(match.group(3))
                    values += list(parsed) if match.group(2) == "in" else [parsed]
                values = list(dict.fromkeys(values))
                if all(isinstance(v, int) for v in values):
                    values.sort()
                atom_merged = comparison(m.group(1), "in", values)
                new = tuple(a if a != atom else atom_merged for a in alt)
                drop = {id(o) for o, _ in partners} | {id(alt)}
                return [new if o is alt else o for o in alternatives if id(o) not in drop or o is alt]
    return alternatives


def same(a, b):
    """The same condition, whatever the order of its parts."""
    def key(cond):
        return None if cond is ALWAYS else {frozenset(alt) for alt in cond}
    return key(a) == key(b)


def render(cond):
    if cond is ALWAYS:
        return None
    if cond == []:
        return "False"
    if len(cond) == 1:
        return " and ".join(cond[0])
    cond = sorted(cond, key=lambda alt: sorted(alt))  # the same condition reads the same everywhere
    common = [a for a in cond[0] if all(a in alt for alt in cond[1:])]
    if common:  # a and (b or c), rather than (a and b) or (a and c)
        rest = [tuple(a for a in alt if a not in common) for alt in cond]
        return " and ".join(common) + " and (" + render(rest) + ")"
    return " or ".join(f"({' and '.join(alt)})" if len(alt) > 1 else alt[0] for alt in cond)


def literal(value):
    return repr(code(value)) if not isinstance(value, bool) else repr(value)


def values_literal(values):
    items = [literal(v) for v in values]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


class Conditions:
    """Turns dictionary `depends_on` lists into conditions, with notes for what was dropped."""

    def __init__(self, dictionary, derived, variables, codes):
        self.glossary = dictionary["predicates"]
        self.variables = variables
        self.codes = codes  # coded variable -> every code any of its pages has
        self.derived = {d["name"]: d for d in derived if d.get("mapping") and len(d.get("inputs", [])) == 1}
        self.predicates = {}  # answer-only named conditions used in show_if

    def convert(self, depends_on):
        """(condition, notes)."""
        if depends_on is None:
            return ALWAYS, []
        notes, alternatives = [], []
        for alternative in depends_on:
            atoms, possible = [], True
            for atom in alternative:
                expression, note = self.atom(atom)
                if note and note not in notes:
                    notes.append(note)
                if expression is False:
                    possible = False
                elif expression:
                    atoms.append(expression)
            if possible:
                alternatives.append(tuple(atoms))
        return _simplify(alternatives), notes

    def atom(self, atom):
        """An expression, None (the atom is dropped: it always holds or cannot be judged),
        or False (the alternative can never hold); and a note."""
        if "predicate" in atom:
            return self.predicate_atom(atom)
        name, op, value = atom["field"], atom["op"], atom["value"]
        if name in NOT_ANSWERS:
            return None, f"In the CORE service this also depends on whether {NOT_ANSWERS[name]}."
        if name in LEGACY:  # always blank: the atom always holds (dropped), or never (nor does its alternative)
            holds_when_blank = (op == "==" and value is None) or (op in ("!=", "not_in") and value is not None)
            return (None if holds_when_blank else False), (
                f"Alternatives needing {name} (a variable of earlier years that nothing sets in 2026/27) were dropped.")
        if name in self.derived and name not in self.variables:
            return self.derived_atom(atom), None
        if name not in self.variables:
            raise ValueError(f"condition on unknown field {name!r}: {atom}")
        codes = self.codes.get(name)
        if codes and op in ("==", "!=", "in", "not_in") and value is not None:
            values = value if isinstance(value, list) else [value]
            existing = [v for v in values if code(v) in codes]
            if len(existing) < len(values):
                missing = ", ".join(str(v) for v in values if code(v) not in codes)
                note = (f"Conditions on {name} {missing} were left out: 2026/27 has no such answer, "
                        "so they can never hold.")
                if not existing:
                    return (False if op in ("==", "in") else None), note
                return comparison(name, op, existing), note
        return comparison(name, op, value), None

    def derived_atom(self, atom):
        """Restate a condition on a derived variable as one on its input, through the
        derived variable's mapping (renttype in (1, 2) -> rent_type in (0, 1, 2)); named
        after the CORE predicate it came from."""
        spec = self.derived[atom["field"]]
        wanted = atom["value"] if isinstance(atom["value"], list) else [atom["value"]]
        inputs = [code(k) for k, v in spec["mapping"].items() if v in wanted]
        positive = comparison(spec["inputs"][0], "in", inputs)
        negate = atom["op"] in ("!=", "not_in")
        name = atom.get("from_predicate")
        if not name:
            return f"not ({positive})" if negate else positive
        self.predicates[name] = positive
        return f"not {name}" if negate else name

    def predicate_atom(self, atom):
        name, wanted = atom["predicate"], atom["value"]
        spec = self.glossary[name]
        if spec.get("kind") == "data" and spec.get("expression"):
            self.predicates[name] = spec["expression"]
            return (name if wanted else f"not {name}"), None
        if spec.get("kind") == "progress":
            return None, (f"In the CORE service this is shown only once {spec['text']} ({name}): "
                          "that is the progress of the log, not an answer, so it is not part of show_if.")
        if spec.get("kind") == "reference_data":
            state = "" if wanted else "not "
            return None, (f"In the CORE service this also needs {state}{name}: {spec['text']}. That needs "
                          "the organisation or scheme records, not answers, so it is not part of show_if.")
        raise ValueError(f"predicate {name} ({spec.get('kind')}) cannot be used in routing")


def comparison(name, op, value):
    if op == "==":
        return f"blank({name})" if value is None else f"{name} == {literal(value)}"
    if op == "!=":
        return f"present({name})" if value is None else f"{name} != {literal(value)}"
    if op in ("in", "not_in"):
        values = list(value)
        if len(values) == 1:
            return comparison(name, "==" if op == "in" else "!=", values[0])
        return f"{name} {'in' if op == 'in' else 'not in'} {values_literal(values)}"
    return f"{name} {op} {literal(value)}"


# --- Pages and questions ---------------------------------------------------------------------


class Instance:
    """One dictionary question on one page."""

    def __init__(self, entry, raw):
        self.entry, self.raw = entry, raw
        self.id = raw["id"]


class Entry:
    """One dictionary page, in form order."""

    def __init__(self, subsection, raw):
        self.subsection, self.raw = subsection, raw
        self.id = raw["id"]
        index = raw.get("person_index")
        self.index = index if isinstance(index, int) and index >= 2 else None
        self.instances = []
        self.soft_checks = []
        self.cond, self.notes = ALWAYS, []


class Converter:
    def __init__(self, record_type, reference):
        spec = RECORD_TYPES[record_type]
        self.record_type, self.spec = record_type, spec
        self.dictionary = json.loads((reference / f"{record_type}_2026_data_dictionary.json").read_text())
        derived = json.loads((reference / "derived_variables_2026.json").read_text())[record_type]
        self.template = read_template(reference / spec["template"])
        for (fixed_type, field), text in TEMPLATE_FIXES.items():
            if fixed_type == record_type:
                self.template[field]["question"] = text
        self.export_codes = read_export_codes(reference / spec["export"])
        self.fields_of = {}
        for item in self.dictionary["bulk_upload_fields"]:
            self.fields_of.setdefault(item["question_id"], []).append(item["field"])
        self.transforms = {item["field"]: item.get("transform") for item in self.dictionary["bulk_upload_fields"]}
        self.upload_rules = upload_rules(record_type, self.fields_of, spec["persons"])
        self.entries = []
        self.subsection_conds = {}
        variables, codes = set(), {}
        for section in self.dictionary["sections"]:
            for sub in section["subsections"]:
                for page in sub["pages"]:
                    for q in page["questions"]:
                        if q["type"] == "interruption_screen":
                            continue
                        variables.add(q["id"])
                        options = [c for c, _ in q.get("answer_options") or [] if c != "divider"]
                        if q["type"] == "checkbox":
                            variables.update(options)
                        elif options:
                            codes.setdefault(q["id"], set()).update(code(c) for c in options)
        self.conditions = Conditions(self.dictionary, derived, variables, codes)

    # -- reading ---------------------------------------------------------------------------

    def read(self):
        previous = None
        for section in self.dictionary["sections"]:
            for sub in section["subsections"]:
                self.subsection_conds[sub["id"]] = self.conditions.convert(sub.get("depends_on"))
                for raw in sub["pages"]:
                    if raw.get("interruption_screen"):
                        for q in raw["questions"]:
                            if q["id"] not in previous.soft_checks:
                                previous.soft_checks.append(q["id"])
                        continue
                    entry = Entry(sub, raw)
                    entry.cond, entry.notes = self.conditions.convert(raw["depends_on"])
                    if raw.get("depends_on_user"):
                        text = raw.get("condition_text", "")
                        said = text.startswith("Depends on the signed-in user")
                        entry.notes.insert(0, text if said else "Depends on the signed-in user: " + text)
                    if raw.get("never_routed_in_2026"):
                        entry.notes.insert(0, "Never shown in 2026/27 (the answer is inferred).")
                    entry.instances = [Instance(entry, q) for q in raw["questions"]]
                    self.entries.append(entry)
                    previous = entry

    # -- merging variables asked on several pages ---------------------------------------------

    def merge(self):
        by_variable = {}
        for entry in self.entries:
            for instance in entry.instances:
                by_variable.setdefault(instance.id, []).append(instance)
        self.hosts = {}
        for variable, instances in by_variable.items():
            # The first instance hosts the question; a repeat-group instance wins, so that
            # the group stays one template (sales: buyer 2 is also person 2).
            in_repeat = [i for i in instances if i.entry.index]
            self.hosts[variable] = (in_repeat or instances)[0]
        self.by_variable = by_variable

        # Subsections whose pages receive questions from other subsections: their own
        # condition moves down onto their pages, so that the widened pages can apply.
        self.pushed = set()
        for variable, host in self.hosts.items():
            for instance in by_variable[variable]:
                if instance.entry.subsection["id"] != host.entry.subsection["id"]:
                    self.pushed.add(host.entry.subsection["id"])

        for entry in self.entries:
            entry.contributors = []  # pages whose questions moved here
            entry.kept = [i for i in entry.instances if self.hosts[i.id] is i]
        for entry in self.entries:
            for instance in entry.instances:
                host = self.hosts[instance.id].entry
                if host is not entry and entry not in host.contributors:
                    host.contributors.append(entry)

    def local(self, entry):
        sub_id = entry.subsection["id"]
        if sub_id in self.pushed:
            return c_and(self.subsection_conds[sub_id][0], entry.cond)
        return entry.cond

    def seen_from(self, entry, host):
        """A page's condition as seen from another page (with its subsection's if needed)."""
        if entry.subsection["id"] == host.subsection["id"] or entry.subsection["id"] in self.pushed:
            return self.local(entry)
        return c_and(self.subsection_conds[entry.subsection["id"]][0], entry.cond)

    # -- building -------------------------------------------------------------------------------

    def page(self, entry):
        """The page as the definition states it (None when all its questions moved)."""
        if not entry.kept:
            return None
        page = {"id": entry.id}
        if entry.raw.get("header"):
            page["header"] = entry.raw["header"]
        cond = c_or(self.local(entry), *[self.seen_from(c, entry) for c in entry.contributors])
        shown = render(cond)
        if shown:
            page["show_if"] = shown
        notes = list(entry.notes)
        for contributor in entry.contributors:
            notes += [n for n in contributor.notes if n not in notes]
        if entry.contributors:
            cases = "; ".join(f"{p.id} ({render(self.seen_from(p, entry)) or 'always'})"
                              for p in [entry] + entry.contributors)
            notes.append(f"The CORE service asks these questions on several pages, one per case: {cases}. "
                         "Here each variable is one question, on one page that applies in any of those cases.")
        if notes:
            page["routing_note"] = " ".join(notes)
        if entry.raw.get("never_routed_in_2026"):
            page["never_routed_in_2026"] = True
        page["questions"] = [self.question(i, entry, cond) for i in entry.kept]
        soft = list(entry.soft_checks)
        merged = [c.id for c in entry.contributors]
        for contributor in entry.contributors:
            if not contributor.kept:  # the whole page moved here: so do its soft checks
                soft += [s for s in contributor.soft_checks if s not in soft]
        if merged:
            page["merged_pages"] = Flow(merged)
        if soft:
            page["soft_checks"] = Flow(soft)
        return page

    def question(self, host, entry, page_cond):
        raw = host.raw
        instances = self.by_variable[host.id]
        q = {"id": host.id, "type": TYPES[raw["type"]]}
        for key, source in (("text", "question_text"), ("hint", "hint_text"), ("label", "check_answer_label")):
            if raw.get(source):
                q[key] = raw[source]
        if raw["type"] in ("radio", "select", "checkbox"):
            self.options(q, host, instances)
        # a question on several pages takes the widest limits of its pages (each page's
        # own limits are under `variants`), so that no page's answers are refused
        for key, widest in (("min", min), ("max", max), ("step", min)):
            limits = [i.raw.get(key) for i in instances]
            if limits[0] is not None and None not in limits:
                q[key] = widest(limits)
        if raw.get("prefix"):
            q["prefix"] = raw["prefix"]
        suffixes = [i.raw.get("suffix") for i in instances]
        if isinstance(raw.get("suffix"), list):
            q["suffix_when"] = [{"when": render([tuple(comparison(k, "==", v) for k, v in s["depends_on"].items())]),
                                 "suffix": s["label"]} for s in raw["suffix"]]
        elif len(set(suffixes)) > 1 and all(isinstance(x, str) for x in suffixes):
            # the suffix follows the case: "every week", "every 2 weeks", ...
            q["suffix_when"] = [{"when": render(self.seen_from(i.entry, entry)), "suffix": i.raw["suffix"]}
                                for i in instances]
        elif raw.get("suffix"):
            q["suffix"] = raw["suffix"]

        own = question_cond(raw)
        if not entry.contributors:  # the page is as in the dictionary
            shown = own
        else:
            widened = c_or(*[c_and(self.seen_from(i.entry, entry) if i.entry is not entry else self.local(entry),
                                   question_cond(i.raw)) for i in instances])
            shown = own if same(widened, c_and(page_cond, own)) else widened
        if render(shown):
            q["show_if"] = render(shown)
        if raw.get("optional") is True:
            q["optional"] = True
        elif raw.get("optional"):
            q["optional"] = OPTIONAL[raw["optional"]]
        q["personal"] = raw["type"] in ("text", "address_search")
        q["export_name"] = self.export_name(host.id)
        upload = self.bulk_upload(host, instances)
        if upload:
            q["bulk_upload"] = upload
        self.extras(q, raw, instances, host)
        return q

    def options(self, q, host, instances):
        raw = host.raw
        if raw["type"] == "checkbox":
            q["options"] = [Flow([c, label]) for c, label in raw["answer_options"] if c != "divider"]
            return
        offered, retired, not_displayed = [], [], []
        seen = set()
        all_instances = [host] + [i for i in instances if i is not host]
        displayed_anywhere = set()
        for instance in all_instances:
            shown = instance.raw.get("displayed_answer_codes")
            codes = [code(c) for c, _ in instance.raw.get("answer_options") or [] if c != "divider"]
            displayed_anywhere |= set(codes if shown is None else [code(c) for c in shown])
        template_values = " ".join(self.template[f]["values"] for f in self.all_fields(instances))
        for instance in all_instances:
            for c, label in instance.raw.get("answer_options") or []:
                if c == "divider" or code(c) in seen:
                    continue
                seen.add(code(c))
                pair = Flow([code(c), label])
                if code(c) in displayed_anywhere:
                    offered.append(pair)
                elif accepted_by_template(template_values, code(c)):
                    offered.append(pair)
                    not_displayed.append(code(c))
                else:
                    retired.append(pair)
        if offered:
            q["options"] = offered
        if retired:
            q["retired_options"] = retired
        if not_displayed:
            q["not_displayed"] = Flow(not_displayed)
            q["not_displayed_note"] = ("Not offered in the 2026/27 web form, but a valid value: "
                                       "the bulk-upload template accepts it, or the service sets it.")
        if raw.get("dynamic_answer_options"):
            q["dynamic_options"] = raw["dynamic_answer_options"]
        details = raw.get("answer_option_details") or {}
        hints = {code(c): d["hint"] for c, d in details.items() if d.get("hint")}
        if hints:
            q["option_hints"] = pairs(hints)
        shown_when = {code(c): render(self.conditions.convert(d["shown_when"])[0])
                      for c, d in details.items() if d.get("shown_when")}
        if shown_when:
            q["option_show_if"] = pairs(shown_when)

    def all_fields(self, instances):
        return [f for i in instances for f in (i.raw.get("bulk_upload") or {}).get("fields", [])]

    def bulk_upload(self, host, instances):
        fields = self.all_fields(instances)
        rule = copy.deepcopy(self.upload_rules.get(host.id, {}))
        if not fields and not rule.get("from_fields") and not rule.get("groups"):
            return None
        upload = {}
        if fields:
            upload["fields"] = Flow(fields)
        option_variables = [c for c, _ in host.raw.get("answer_options") or [] if c != "divider"]
        if host.raw["type"] == "checkbox" and len(fields) != len(option_variables):
            upload["variables"] = Flow(option_variables[:len(fields)])  # the options that have a field
        kind = rule.pop("kind", None)
        if kind is None and len(fields) > 1 and host.raw["type"] not in ("date", "checkbox") and not (
                host.raw["type"] == "text" and len(fields) == 2):
            kind = "one_of"  # the same variable in several fields, one per case (e.g. per sale type)
        if kind:
            upload["kind"] = kind
        if fields:
            texts = [self.template[f]["question"] for f in fields]
            upload["header"] = texts[0] if len(fields) == 1 else (host.raw.get("question_text") or texts[0])
            if len(fields) > 1:
                upload["headers"] = texts
        for key, value in rule.items():
            if key == "codes" and isinstance(value, dict):
                value = pairs(value)
            elif is_scalar_list(value):
                value = Flow(value)
            elif isinstance(value, list) and all(is_scalar_list(v) for v in value):
                value = [Flow(v) for v in value]
            upload[key] = value
        if any(self.template[f]["duplicate_check"] for f in fields):
            upload["duplicate_check"] = True
        if fields:
            first = self.template[fields[0]]
            for key in ("values", "can_be_empty", "applies_to", "info"):
                if first[key]:
                    upload[key] = first[key]
            transforms = list(dict.fromkeys(self.transforms[f] for f in fields if self.transforms.get(f)))
            if transforms:
                upload["notes"] = " ".join(transforms)
        return upload

    def export_name(self, variable):
        aliases = EXPORT_ALIASES.get(self.record_type, {})
        if variable in aliases:
            assert aliases[variable] in self.export_codes, aliases[variable]
            return aliases[variable]
        for c in self.export_codes:
            if c.lower() == variable.lower():
                return c
        return variable

    def extras(self, q, raw, instances, host):
        if host.id in REFERS_TO:
            q["refers_to"] = REFERS_TO[host.id]
        columns = EXPORT_COLUMNS.get(self.record_type, {}).get(host.id)
        if columns:
            q["export_columns"] = Flow(columns)
        if raw.get("question_number") is not None:
            q["question_number"] = raw["question_number"]
        if raw.get("derived"):
            q["derived"] = raw["derived"]
            if raw.get("derived_note"):
                q["derived_note"] = raw["derived_note"]
        if raw.get("calculated_from"):
            q["calculated_from"] = Flow(raw["calculated_from"])
        if raw.get("keep_value_when_not_routed"):
            q["keep_value_when_not_routed"] = True
        hidden = raw.get("hidden_in_check_answers")
        if hidden is True:
            q["hidden_in_check_answers"] = True
        elif isinstance(hidden, dict):
            q["hidden_in_check_answers"] = render(self.conditions.convert(hidden["when"])[0])
        if raw.get("skip_note"):
            q["skip_note"] = raw["skip_note"]
        if raw.get("width"):
            q["width"] = raw["width"]
        if raw.get("guidance_partials"):
            q["guidance"] = dict(raw["guidance_partials"])
        variants = []
        host_codes = [c for c, _ in raw.get("answer_options") or [] if c != "divider"]
        for instance in instances:
            if instance is host:
                continue
            variant = {"page": instance.entry.id}
            when = render(c_and(self.seen_from(instance.entry, host.entry), question_cond(instance.raw)))
            if when:
                variant["when"] = when
            if instance.raw["type"] != raw["type"]:
                variant["type"] = TYPES[instance.raw["type"]]
            for key, source in (("text", "question_text"), ("hint", "hint_text"), ("label", "check_answer_label")):
                if instance.raw.get(source) and instance.raw.get(source) != raw.get(source):
                    variant[key] = instance.raw[source]
            codes = [c for c, _ in instance.raw.get("answer_options") or [] if c != "divider"]
            if codes != host_codes:
                variant["codes"] = Flow([code(c) for c in codes])
            for key in ("min", "max", "step"):
                if instance.raw.get(key) != raw.get(key):
                    variant[key] = instance.raw.get(key)
            variants.append(variant)
        if variants:
            q["variants"] = variants

    # -- assembling -----------------------------------------------------------------------------

    def build(self):
        self.read()
        self.merge()
        first, last = self.spec["persons"]
        sections = []
        for section in self.dictionary["sections"]:
            out_section = {"id": section["id"], "label": section["label"], "subsections": []}
            for sub in section["subsections"]:
                out_sub = {"id": sub["id"], "label": sub["label"]}
                cond, notes = self.subsection_conds[sub["id"]]
                if sub["id"] in self.pushed:
                    notes = notes + ["Its condition is stated on each page, because some of its questions are "
                                     "shared with other subsections."]
                elif render(cond):
                    out_sub["show_if"] = render(cond)
                if notes:
                    out_sub["routing_note"] = " ".join(notes)
                pages, repeat = [], None
                for entry in [e for e in self.entries if e.subsection is sub]:
                    page = self.page(entry)
                    if page is None:
                        continue
                    if entry.index:
                        if repeat is None:
                            repeat = {"repeat": "person", "indices": Flow([first, last]), "by_index": {}}
                            pages.append(repeat)
                        elif pages[-1] is not repeat:
                            raise ValueError(f"{entry.id}: the person pages are not one block")
                        repeat["by_index"].setdefault(entry.index, []).append(page)
                    else:
                        pages.append(page)
                if repeat:
                    repeat["pages"] = repeat_template(repeat.pop("by_index"), first, last)
                if not pages:
                    out_sub["routing_note"] = " ".join(
                        notes + ["Each of its questions is also asked in another subsection, and is kept there "
                                 "(see merged_pages)."])
                out_sub["pages"] = pages
                out_section["subsections"].append(out_sub)
            sections.append(out_section)
        self.unique_headers(sections)
        definition = {
            "collection": "core",
            "record_type": self.record_type,
            "version": 2026,
            "title": self.spec["title"],
            "valid_from": dt.date(2026, 4, 1),
            "valid_to": dt.date(2027, 3, 31),
            "reference_key": Flow(self.spec["reference_key"]),
            "ages_at": self.spec["ages_at"],
            "search_fields": Flow(self.spec["search_fields"]),
            "record_fields": {"owning_organisation": "owning_organisation_id",
                              "managing_organisation": "managing_organisation_id", "assigned_to": "assigned_to_id"},
            "notes": {"source": "CORE 2026/27 data dictionary, bulk-upload template and export codes "
                                "(first converted by collections/core/tools/convert_dictionary.py)"},
        }
        if self.conditions.predicates:
            definition["predicates"] = dict(sorted(self.conditions.predicates.items()))
        definition["sections"] = [strict_section(section) for section in sections]
        return definition

    def unique_headers(self, sections):
        """Headers are unique: a template question text used for several fields gets the
        field number(s) added (in a repeat group, for the indices where it repeats)."""
        first, last = self.spec["persons"]
        uploads = []
        for section in sections:
            for sub in section["subsections"]:
                for page in sub["pages"]:
                    indices = range(first, last + 1) if "repeat" in page else [None]
                    for inner in page["pages"] if "repeat" in page else [page]:
                        for q in inner.get("questions", []):
                            if "header" in q.get("bulk_upload", {}):
                                uploads.append((q["bulk_upload"], indices))
        counts = {}
        for upload, indices in uploads:
            for n in indices:
                text = expand(upload["header"], n)
                counts[text] = counts.get(text, 0) + 1
        for upload, indices in uploads:
            if indices == [None]:
                if counts[upload["header"]] > 1:
                    upload["header"] = with_fields(upload["header"], upload["fields"])
                continue
            shown = {n: expand(upload["header"], n) for n in indices}
            if any(counts[text] > 1 for text in shown.values()):
                upload["header"] = {n: with_fields(text, expand(upload["fields"], n)) if counts[text] > 1 else text
                                    for n, text in shown.items()}


# --- The layout the platform loads strictly ------------------------------------------------------------
# What the dictionary says that the platform does not read (question numbers, widths,
# guidance partials, merged pages, soft checks, where a variant was shown) is kept for
# people under each mapping's `notes:`, as docs/definitions.md asks: every other key is
# one the platform reads (cldc.platform.definitions.model's key sets).


def with_notes(mapping, allowed):
    """The mapping with every key the platform does not read moved under its `notes:`."""
    kept = {k: v for k, v in mapping.items() if k in allowed}
    notes = {k: v for k, v in mapping.items() if k not in allowed and k != NOTES}
    if NOTES in mapping:
        notes = {**notes, NOTES: mapping[NOTES]} if notes else mapping[NOTES]
    return {**kept, NOTES: notes} if notes else kept


def strict_section(section):
    section = with_notes(section, SECTION_KEYS)
    section["subsections"] = [strict_subsection(sub) for sub in section["subsections"]]
    return section


def strict_subsection(sub):
    sub = with_notes(sub, SUBSECTION_KEYS)
    sub["pages"] = [strict_repeat(page) if "repeat" in page else strict_page(page) for page in sub["pages"]]
    return sub


def strict_repeat(block):
    block = with_notes(block, REPEAT_KEYS)
    block["pages"] = [strict_page(page) for page in block["pages"]]
    return block


def strict_page(page):
    page = with_notes(page, PAGE_KEYS)
    if "questions" in page:
        page["questions"] = [strict_question(q) for q in page["questions"]]
    return page


def strict_question(question):
    question = with_notes(question, QUESTION_KEYS | QUESTION_EXTRA_KEYS)
    variants = question.get("variants")
    if isinstance(variants, dict):  # in a repeat block, per index: {2: [...]}
        question["variants"] = {n: [with_notes(v, VARIANT_KEYS) for v in listed] for n, listed in variants.items()}
    elif variants:
        question["variants"] = [with_notes(variant, VARIANT_KEYS) for variant in variants]
    if question.get("bulk_upload"):
        question["bulk_upload"] = with_notes(question["bulk_upload"], BULK_UPLOAD_KEYS)
    return question


def with_fields(text, fields):
    fields = fields if isinstance(fields, list) else [fields]
    label = f"field {fields[0]}" if len(fields) == 1 else f"fields {fields[0]}-{fields[-1]}"
    return f"{text} ({label})"


def question_cond(raw):
    parent = raw.get("shown_when_parent")
    if not parent:
        return ALWAYS
    return [(comparison(parent["question"], "in", parent["values"]),)]


# --- Repeat groups: one template for persons 2..N ---------------------------------------------------


def repeat_template(by_index, first, last):
    """One set of pages with {n} for the index; values that differ by index in another
    way become {index: value} mappings. Checked by expanding it again."""
    indices = list(range(first, last + 1))
    shapes = {n: [len(p["questions"]) for p in by_index[n]] for n in indices}
    if len({tuple(s) for s in shapes.values()}) != 1:
        raise ValueError(f"the person pages differ in shape: {shapes}")
    template = [templatise({n: by_index[n][i] for n in indices}) for i in range(len(by_index[first]))]
    for n in indices:
        if plain(expand(template, n)) != plain(by_index[n]):
            raise ValueError(f"the repeat template does not give person {n}'s pages back")
    return template


def templatise(values):
    """values: {index: value}."""
    sample = next(iter(values.values()))
    if all(plain(v) == plain(sample) for v in values.values()):
        return sample
    if all(isinstance(v, dict) and not all(isinstance(k, int) for k in v) for v in values.values()):
        # keys that only some indices have become sparse {index: value} mappings
        keys = list(dict.fromkeys(k for v in values.values() for k in v))
        return type(sample)({k: templatise({n: v.get(k) for n, v in values.items()}) for k in keys})
    if all(is_scalar_list(v) for v in values.values()):
        if all(len(v) == 1 for v in values.values()):
            return FlowDict({n: v[0] for n, v in values.items()})
        return FlowDict(values)
    if all(isinstance(v, list) for v in values.values()) and len({len(v) for v in values.values()}) == 1:
        return type(sample)([templatise({n: v[i] for n, v in values.items()}) for i in range(len(sample))])
    if all(isinstance(v, str) for v in values.values()):
        pattern = string_template(values)
        if pattern:
            return pattern
    mapping = {n: v for n, v in values.items() if v is not None}
    return FlowDict(mapping) if all(isinstance(v, (int, float)) for v in mapping.values()) else mapping


def string_template(values):
    """"age2 == 2", "age3 == 2", ... -> "age{n} == 2": the index replaced where it is the
    index (the largest set of its occurrences that gives every value back)."""
    first_n, first_v = next(iter(values.items()))
    spots = [m.start() for m in re.finditer(rf"(?<!\d){first_n}(?!\d)", first_v)]
    width = len(str(first_n))
    for size in range(len(spots), 0, -1):
        for chosen in itertools.combinations(spots, size):
            pattern = first_v
            for start in reversed(chosen):
                pattern = pattern[:start] + "{n}" + pattern[start + width:]
            if all(pattern.replace("{n}", str(n)) == v for n, v in values.items()):
                return pattern
    return None


def is_scalar_list(value):
    return isinstance(value, list) and all(isinstance(v, int) for v in value)


def expand(value, n):
    if isinstance(value, str):
        return value.replace("{n}", str(n))
    if isinstance(value, list):
        return [expand(v, n) for v in value]
    if isinstance(value, dict):
        if value and all(isinstance(k, int) for k in value):
            return expand(value.get(n), n)
        return {k: expand(v, n) for k, v in value.items()}
    return value


def plain(value):
    """For comparing: plain lists and dicts, and a one-number list as the number
    (the template writes `fields: {2: 48}` for `fields: [48]`)."""
    if isinstance(value, list):
        if len(value) == 1 and isinstance(value[0], int):
            return value[0]
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items() if v is not None}
    return value


# --- YAML that people can read ------------------------------------------------------------------------


def pairs(mapping):
    """{code: value} as [code, value] pairs. (A mapping keyed by numbers inside a repeat
    block would be read as a per-index mapping, so code-keyed mappings are written as pairs.)"""
    return [Flow([k, v]) for k, v in mapping.items()]


class Flow(list):
    """A short list written on one line: [1, General needs]."""


class FlowDict(dict):
    """A mapping of short values written on one line: {2: 48, 3: 54}."""


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


Dumper.add_representer(Flow, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))
Dumper.add_representer(FlowDict, lambda d, data: d.represent_mapping(
    "tag:yaml.org,2002:map", data, flow_style=all(not isinstance(v, (list, dict)) or isinstance(v, Flow)
                                                   for v in data.values())))


def _text(dumper, data):
    # several lines: a literal block, as written
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, _text)


def dump(definition):
    header = (
        f"# CORE {definition['record_type']} 2026/27: the definition file (see docs/definitions.md).\n"
        "# First written by collections/core/tools/convert_dictionary.py from the reference data dictionary;\n"
        "# this file is now the source of truth.\n"
    )
    body = yaml.dump(definition, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100000,
                     default_flow_style=False, indent=2)
    # a blank line between pages and between questions keeps a long file scannable
    body = re.sub(r"\n(\s*)- id: ", r"\n\n\1- id: ", body)
    return header + body


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--check", action="store_true", help="report files that differ; write nothing")
    options = parser.parse_args(argv)
    differ = False
    for record_type in RECORD_TYPES:
        text = dump(Converter(record_type, options.reference).build())
        path = options.out / record_type / "2026.yaml"
        if options.check:
            same = path.exists() and path.read_text(encoding="utf-8") == text
            differ |= not same
            print(f"{path}: {'same' if same else 'differs'}")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
