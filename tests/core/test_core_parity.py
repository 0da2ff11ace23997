"""Where the CORE service's own checks decide, the platform decides the same way: the
number forms a person types, and numbers checked only where their question is asked.
(Rule-level parity is in the rule cases: collections/core/rule_cases/, run by tests/core/test_rule_cases.py.)"""

import datetime as dt

import pytest

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import evaluate

CONTEXT = {"today": dt.date(2026, 9, 1), "version": 2026,
           "collection_start": dt.date(2026, 4, 1), "collection_end": dt.date(2027, 3, 31)}
# A staircasing transaction in shared ownership: its staircasing questions are asked.
STAIRCASING = {"ownershipsch": 1, "staircase": 1}


def sales():
    core = registry.get("core")
    return core.definition("sales", 2026), core.rule_pack("sales", 2026)


# CORE's shared_validations.rb validate_numeric_input: the answer as typed must match
# /\A\d+(\.\d+)?\z/, so '1e1' is not a number there, though Ruby's Float() reads it.
@pytest.mark.parametrize("typed", ["1e1", "3E0", "0.3e1", "3e+0", "30e-1"])
def test_an_exponent_form_is_not_a_number_a_person_typed(typed):
    definition, _ = sales()
    values, errors = normalise(definition, {"numstair": typed})
    assert values == {}
    assert [(e.field, e.rule, e.message) for e in errors] == [
        ("numstair", "numeric_format", "Number of staircasing transactions must be a number.")]


@pytest.mark.parametrize("typed, value", [("3", 3), (" 3 ", 3), ("3.0", 3), (3, 3)])
def test_the_same_number_written_plainly_is_taken(typed, value):
    definition, _ = sales()
    assert normalise(definition, {"numstair": typed}) == ({"numstair": value}, [])


# CORE's validate_numeric_min_max skips a question unless `question.page.routed_to?`:
# the number of staircasing transactions is not asked on a first staircasing.
def test_numstair_on_a_first_staircasing_is_cleared_not_refused():
    definition, pack = sales()
    result = evaluate(definition, pack, {}, {**STAIRCASING, "firststair": 1, "numstair": 1}, CONTEXT, "api", {})
    assert [e for e in result.errors if e["field"] == "numstair"] == []
    assert "numstair" in result.cleared and "numstair" not in result.answers


def test_numstair_below_its_range_is_refused_when_it_is_asked():
    definition, pack = sales()
    result = evaluate(definition, pack, {}, {**STAIRCASING, "firststair": 2, "numstair": 1}, CONTEXT, "api", {})
    assert [(e["field"], e["rule"], e["message"]) for e in result.errors if e["field"] == "numstair"] == [
        ("numstair", "numeric_min_max", "Number of staircasing transactions must be between 2 and 10.")]
