"""A small inline definition and rule pack for engine tests: the engine is generic,
so its tests do not depend on any collection's files."""

import datetime as dt

import pytest
import yaml

from cldc.platform.definitions.model import build
from cldc.platform.rules.engine import RulePack, build_derivations, build_rules

DEFINITION = """
collection: demo
record_type: case
version: 2026
title: Demo case
valid_from: 2026-04-01
valid_to: 2027-03-31
reference_key: [ref, startdate]
predicates:
  is_supported: "needstype == 2"
sections:
- id: setup
  label: Set up
  subsections:
  - id: setup
    label: Set up
    pages:
    - id: basics
      questions:
      - {id: ref, type: text, text: Your reference, personal: true}
      - {id: startdate, type: date, text: Start date}
      - {id: needstype, type: radio, text: Needs type, options: [[1, General needs], [2, Supported housing]], retired_options: [[3, Old type]]}
      - {id: hhmemb, type: numeric, text: Household members, label: Number of household members, min: 1, max: 3, step: 1}
    - id: scheme
      show_if: is_supported
      questions:
      - {id: scheme, type: text, text: Scheme code}
    - id: rent
      questions:
      - {id: brent, type: numeric, text: Basic rent, min: 0, max: 5000, step: 0.01, prefix: "£"}
      - {id: scharge, type: numeric, text: Service charge, min: 0, max: 500, step: 0.01, prefix: "£", optional: true}
      - {id: notes, type: text, text: Notes, optional: true}
    - id: needs
      questions:
      - id: needs
        type: checkbox
        text: Access needs
        options: [[needs_wheelchair, Wheelchair], [needs_step_free, Step-free access]]
    - repeat: person
      indices: [2, 3]
      pages:
      - id: person_{n}_age
        show_if: "hhmemb >= {n}"
        questions:
        - {id: "age{n}", type: numeric, text: "Age of person {n}", min: 0, max: 120, step: 1, bulk_upload: {fields: {2: 20, 3: 21}}}
"""

RULES = """
- {id: scheme_needs_supported, severity: hard, years: "2026-", when: "present(scheme) and not is_supported", attach_to: [scheme], message: "Only supported housing has a scheme"}
- {id: person_age, severity: hard, years: "2026-", repeat: person, indices: [2, 3], when: "age{n} > 110", attach_to: ["age{n}"], message: "Person {n} cannot be %{age{n}}"}
- {id: high_rent, severity: soft, years: "2026-", when: "brent > 400", fields: [brent], message: "You told us the rent is %{brent}. This is higher than we would expect.", confirm_question: "Are you sure this is correct?"}
- {id: old_rule, severity: hard, years: "2020-2024", when: "brent > 1", message: "never in 2026"}
- {id: rent_cap, severity: hard, years: "2027-", when: "brent > 150", attach_to: [brent], message: "Basic rent must be £150 or less"}
- {id: waits, severity: hard, years: "2026-", waiting_for: "the address lookup", message: "Enter a valid address"}
- {id: numeric_format, severity: hard, years: "2026-", built_in: "the gateway's normaliser, for every numeric question", message: "%{field} must be a number."}
- {id: upload_only, severity: hard, years: "2026-", bulk_upload_only: true, when: "hhmemb == 3 and blank(age3)", attach_to: [age3], message: "Enter person 3's age"}
"""

DERIVED = """
- {id: tcharge, label: Total charge, years: "2026-", expression: "sum(brent, scharge)"}
- {id: expensive, label: Expensive, years: "2026-", expression: "tcharge > 300"}
"""


@pytest.fixture
def raw_definition():
    """A fresh copy of the definition's data, to change in a test."""
    return yaml.safe_load(DEFINITION)


@pytest.fixture
def definition(raw_definition):
    return build(raw_definition, "demo.yaml")


@pytest.fixture
def pack(definition):
    return RulePack(
        build_rules(yaml.safe_load(RULES), 2026, "rules.yaml", definition.predicates),
        build_derivations(yaml.safe_load(DERIVED), 2026, "derived.yaml", definition.predicates),
    )


@pytest.fixture
def raw_rules():
    """A fresh copy of the rules file's entries, to change in a test."""
    return yaml.safe_load(RULES)


@pytest.fixture
def raw_derived():
    """A fresh copy of the derived file's entries, to change in a test."""
    return yaml.safe_load(DERIVED)


@pytest.fixture
def context():
    return {"today": dt.date(2026, 9, 1), "version": 2026}


@pytest.fixture
def demo_collection(tmp_path, monkeypatch):
    """The demo definition as a collection package on disk, found by the registry."""
    from cldc.platform import registry

    (tmp_path / "definitions" / "case").mkdir(parents=True)
    (tmp_path / "definitions" / "case" / "2026.yaml").write_text(DEFINITION)
    (tmp_path / "rules").mkdir()
    (tmp_path / "rules" / "case.yaml").write_text("rules:\n" + _indent(RULES))
    (tmp_path / "derived").mkdir()
    (tmp_path / "derived" / "case.yaml").write_text("derived:\n" + _indent(DERIVED))
    demo = registry.Collection(name="demo", title="Demo", package_dir=tmp_path, record_types=("case",))
    found = {**registry.collections(), "demo": demo}
    monkeypatch.setattr(registry, "collections", lambda: found)
    return demo


def _indent(text):
    return "".join(f"  {line}\n" for line in text.strip().splitlines())
