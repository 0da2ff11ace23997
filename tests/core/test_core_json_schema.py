"""The JSON Schema of CORE's records (tests/engine/test_json_schema.py tests the
generator): the official templates' answers meet it, and a record is complete when
CORE's required checkbox question has any box ticked (the test collection's checkbox
question is optional)."""

import pytest

from cldc.platform import registry
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.uploads.template_rows import answers_from_field_numbers
from cldc.tests.engine.test_json_schema import problems, schema_for


def template_answers(definition, row):
    answers, field_problems = answers_from_field_numbers(definition, row)
    assert field_problems == []
    values, errors = normalise(definition, answers)
    assert errors == []
    return to_json(values)


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_official_template_rows_answers_meet_the_schema(record_type, official_template_row):
    definition = registry.get("core").definition(record_type, 2026)
    answers = template_answers(definition, official_template_row(record_type))
    assert len(answers) > 60
    assert problems(schema_for("core", record_type, 2026), answers) == []


@pytest.fixture
def lettings(official_template_row):
    definition = registry.get("core").definition("lettings", 2026)
    return schema_for("core", "lettings", 2026), template_answers(definition, official_template_row("lettings"))


def test_required_answers_are_for_a_completed_record_and_a_patch_may_clear_them(lettings):
    schema, answers = lettings
    assert "needstype" in schema["required"]
    without = {k: v for k, v in answers.items() if k != "needstype"}
    assert problems(schema, without) == [": required"]
    patch = schema_for("core", "lettings", 2026, partial=True)
    assert problems(patch, {"needstype": None, "age1": None, "declaration": None}) == []
    assert problems(patch, {"needstype": 3}) == ["needstype: oneOf"]
    # A checkbox question is answered when any of its boxes is.
    ticked = {"cbl": 1, "cap": 0, "chr": 0, "accessible_register": 0, "letting_allocation_unknown": 0}
    assert problems(schema, {k: v for k, v in answers.items() if k not in ticked}) == [": anyOf"]
