"""The generated code (ADR 20: a pack's derivations and rules, and a definition's
routing, each one generated Python function) gives exactly what the expression
interpreter it replaced in the gateway gives. The interpreter stays as the reference
(RulePack.derive_interpreted and check_interpreted, routing.route_interpreted), and
these tests run both, as the field-number speed-up's test did (tests/core/
test_field_number_speedup.py):

- whole evaluations through the gateway's evaluate() on every channel, for CORE
  lettings and sales, H-CLIC and the test collection (visits): every rule case of the
  three packages, each mixed with answers of the others and blanked in part; the
  official templates' rows and their variations; H-CLIC's synthetic cases; compared
  field by field, by repr (so a Decimal('2.50') against a Decimal('2.5') shows);
- the three stages on their own over answers that normalisation would never let
  through (text for numbers, dates for codes, lists, booleans), so that the errors the
  interpreter turns into None are turned into None at the same places.
"""

import contextlib
import datetime as dt
import json
import random
from decimal import Decimal

import pytest

from cldc.collections.hclic import synthetic
from cldc.platform import registry
from cldc.platform.definitions import codegen, routing
from cldc.platform.definitions.values import normalise
from cldc.platform.records import gateway
from cldc.platform.rules.cases import default_context, load_cases
from cldc.platform.rules.engine import CHANNELS, RulePack, build_derivations, build_rules
from cldc.platform.rules.functions import rule_function
from cldc.platform.uploads.template_rows import answers_from_field_numbers

PACKS = [("core", "lettings", 2026), ("core", "sales", 2026), ("hclic", "case", 2025), ("hclic", "case", 2026),
         ("visits", "visit", 2026)]
ODD_VALUES = [None, None, None, "", [], 0, 1, 2, 3, 9, -1, 16, 70, 100, Decimal("0"), Decimal("12.50"), "1", "x",
              "E08000035", dt.date(2026, 5, 1), dt.date(1990, 2, 28), True, False, [1, 2]]


@contextlib.contextmanager
def interpreted(pack):
    """The gateway as it was: routing, derivations and rules by the interpreter."""
    pack.derive, pack.check = pack.derive_interpreted, pack.check_interpreted  # instance attributes shadow methods
    saved, gateway.route = gateway.route, routing.route_interpreted
    try:
        yield
    finally:
        gateway.route = saved
        del pack.derive, pack.check


def evaluate_both(collection, record_type, version, held, incoming, context, channel):
    definition = collection.definition(record_type, version)
    pack = collection.rule_pack(record_type, version)
    compiled = outcome(gateway.evaluate, definition, pack, held, incoming, context, channel, {})
    with interpreted(pack):
        reference = outcome(gateway.evaluate, definition, pack, held, incoming, context, channel, {})
    return compiled, reference


def outcome(fn, *args):
    """What fn gives, as text to compare, or the error it raises."""
    try:
        result = fn(*args)
    except Exception as error:  # noqa: BLE001 - both sides must raise the same
        return f"raised {type(error).__name__}: {error}"
    if isinstance(result, tuple):  # route(): kept, cleared, the applicable questions
        kept, cleared, applicable = result
        return repr((kept, cleared, [question.id for question in applicable]))
    return repr(vars(result) if hasattr(result, "__dict__") else result)


def records(name, record_type, version):
    """(answers held, answers sent, context) to evaluate for one pack."""
    collection = registry.get(name)
    definition = collection.definition(record_type, version)
    base = default_context(collection, record_type, version)
    cases = [c for c in load_cases(collection) if (c.record_type, c.version) == (record_type, version)]
    sent = [case.answers for case in cases]
    for case in cases:
        held, _ = normalise(definition, case.stored)
        yield held, case.answers, {**base, **case.context}
    if name == "core":
        row = template_row(record_type)
        answers, _ = answers_from_field_numbers(definition, row)
        sent.append(answers)
        yield {}, answers, base
    if name == "hclic":  # the synthetic cases are written for 2025; in 2026 some answers are refused
        for quarter in (1, 2, 3, 4):
            for _, answers in synthetic.quarter_states(synthetic.generate(cases=40, seed=quarter), quarter)[:40]:
                sent.append(answers)
                yield {}, answers, {**base, "today": synthetic.QUARTER_ENDS[quarter - 1]}
    if name == "visits":
        answers = json.loads(collection.file("example", record_type=record_type, version=version).read_text())["answers"]
        sent.append(answers)
        yield {}, answers, base
    # mixtures: one record's answers, some blanked, some from another record
    rng = random.Random(f"{name} {record_type} {version}")
    for _ in range(300):
        first, second = rng.choice(sent), rng.choice(sent)
        mixed = {**first, **{k: v for k, v in second.items() if rng.random() < 0.3}}
        for key in rng.sample(sorted(mixed), k=min(len(mixed), rng.randint(0, 5))):
            mixed[key] = ""
        yield {}, mixed, base


def template_row(record_type):
    import csv

    path = registry.get("core").reference_dir / "spec" / f"2026_27_{record_type}_bulk_upload.csv"
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))
    return {int(rows[7][col]): rows[8][col] for col in range(1, len(rows[7]))}


@pytest.mark.parametrize(("name", "record_type", "version"), PACKS)
def test_every_channel_evaluates_as_the_interpreter_did(name, record_type, version):
    collection = registry.get(name)
    compared, statuses, fired = 0, set(), 0
    for number, (held, incoming, context) in enumerate(records(name, record_type, version)):
        for channel in CHANNELS if number % 5 == 0 else ("upload",):
            compiled, reference = evaluate_both(collection, record_type, version, held, incoming, context, channel)
            assert compiled == reference, (channel, incoming)
            compared += 1
            statuses.add(reference.split("'status': ", 1)[-1][:30])
            fired += reference.count("Finding(")
    assert compared > 300
    assert fired > 100 and len(statuses) >= 2  # the records make rules fire and end in several states


@pytest.mark.parametrize(("name", "record_type", "version"), PACKS)
def test_the_stages_agree_on_answers_normalisation_would_refuse(name, record_type, version):
    """Derivations, rules and routing over records' answers with odd values for a few
    of the names they read (the rest typed as normalisation types them, so that the
    packages' own functions, which expect typed answers, mostly run to the end)."""
    collection = registry.get(name)
    definition = collection.definition(record_type, version)
    pack = collection.rule_pack(record_type, version)
    names = sorted(set(definition.variables) | {n for r in pack.rules if r.when for n in r.when.names}
                   | {n for d in pack.derivations if d.expression for n in d.expression.names})
    context = default_context(collection, record_type, version)
    rng = random.Random(f"odd {name} {record_type} {version}")
    typed = [normalise(definition, incoming)[0] for _, incoming, _ in records(name, record_type, version)]
    results = []
    for _ in range(300):
        # a record's answers, mixed with another's, and some names given odd values
        answers = {**rng.choice(typed), **{k: v for k, v in rng.choice(typed).items() if rng.random() < 0.3}}
        answers.update({n: rng.choice(ODD_VALUES) for n in rng.sample(names, k=rng.randint(1, 4))})
        answers = {n: v for n, v in answers.items() if v is not None}
        routed = outcome(routing.route, definition, answers, context)
        assert routed == outcome(routing.route_interpreted, definition, answers, context)
        derived = outcome(pack.derive, answers, context)
        assert derived == outcome(pack.derive_interpreted, answers, context)
        results += [routed, derived]
        for channel in CHANNELS:
            checked = outcome(pack.check, answers, context, channel)
            assert checked == outcome(pack.check_interpreted, answers, context, channel)
            results.append(checked)
    print(name, record_type, sum(r.startswith("raised") for r in results), len(results))
    assert sum(not r.startswith("raised") for r in results) > len(results) / 2  # mostly values, not errors


EDGE_RULES = [
    # blanks: != and `not in` hold, the others do not; [] is blank in general comparisons only
    "a != 1", "a not in (1, 2)", "a in (1, 2)", "a == b", "a != b", "a < b <= c", "a != b < c", "a not in [b, 2]",
    "a + b > 2", "a * 2 == 4", "a / b > 1", "a % b == 1", "-a < 0", "+a == 1", "not a", "a and b or c",
    "(a if b else c) == 1", "present(a, b)", "blank(a, b)", "present()", "present(a + 1)", "count(a, b, c) == 2",
    "a - days(10) < b", "a == 'it''s'", 'a == "line\\nbreak \\" quote"', "a == 2.50", "a in (2.5, 3)", "a == None",
    "lower(a) == 'x'", "matches(a, '[0-9]+')", "a + (b - 1) > 0 or not (a + (b - 1))", "sum(a, b) == 3",
    "count_equal(1, a, b, c)", "count_equal(a + 1, b, 2)", "coalesce(a, b + 1, c)", "any_of(a, b)",
    "any_present(a, b + 1)", "blank(a + 1, b)", "present(a, b * 2)", "count(a, b == 1, c)", "count()", "any_of()",
    "coalesce()", "count_equal()", "any_present()", "count(a + 1) == 0",
]
EDGE_VALUES = [None, "", [], 0, 1, 2, Decimal("2.5"), "1", "x", "it's", "line\nbreak \" quote", dt.date(2026, 5, 1),
               True, [1]]


def test_each_construct_gives_the_interpreters_value_on_every_kind_of_value():
    rules = build_rules([{"id": f"r{i}", "severity": "hard", "years": "2026", "when": when, "message": "m"}
                         for i, when in enumerate(EDGE_RULES)], 2026, "test", {})
    derivations = build_derivations([{"id": f"d{i}", "years": "2026", "expression": when}
                                     for i, when in enumerate(EDGE_RULES)], 2026, "test", {})
    pack = RulePack(rules, derivations)
    rng = random.Random("edges")
    for _ in range(3000):
        answers = {name: value for name in "abc" if (value := rng.choice(EDGE_VALUES)) is not None}
        assert outcome(pack.derive, answers, {}) == outcome(pack.derive_interpreted, answers, {}), answers
        assert outcome(pack.check, answers, {}) == outcome(pack.check_interpreted, answers, {}), answers


def test_generated_code_has_no_builtins():
    generator = codegen.Generator()
    with pytest.raises(NameError, match="open"):
        codegen.define("f", "def f():\n    return open", generator.bindings)()
    with pytest.raises(ValueError, match="not a name"):
        codegen.local("a; import os")


@rule_function("test.compiled.index_given")
def _index_given(answers, context):
    """Fires with the index its rule was given, if any (a function of a repeat block
    that does not name {n} is told its index only by the context)."""
    return {"index": context.get("index", "none")}


def test_functions_of_a_repeat_block_are_told_their_index_and_no_other_rule_is():
    """The generated check gives a repeat block's function its index as the interpreter
    does, and a rule after it (or between) none."""
    entry = {"severity": "hard", "years": "2026", "function": "test.compiled.index_given", "message": "%{index}"}
    rules = build_rules([{**entry, "id": "before"}, {**entry, "id": "each", "repeat": "person", "indices": [2, 4]},
                         {**entry, "id": "after"}], 2026, "test", {})
    pack = RulePack(rules, [])
    context = {}
    messages = [finding.message for finding in pack.check({"a": 1}, context)]
    assert messages == ["none", "2", "3", "4", "none"]
    assert outcome(pack.check, {"a": 1}, context) == outcome(pack.check_interpreted, {"a": 1}, context)
