"""The platform's row checks a pack declares with `pipeline:` (uploads/pipeline_checks.py),
on the test collection's definition with rules written here: `raw_fields` reads a
template row's cells as text (`field_<n>` or a variable of one field), its message
goes on the cells that hold a value (the first when none does); `given_when_support_uploads`
holds only for a support user's upload; `not_an_option` words the refusal of a value
that is no answer; `cldc lint` names what a raw rule cannot read.
CORE's own rules, through the whole pipeline: tests/core/test_core_pipeline_checks.py."""

from types import SimpleNamespace

import pytest

from cldc.platform import registry
from cldc.platform.rules.engine import RulePack, build_rules
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.pipeline_checks import RowChecks, raw_rule_problems

RULES = [
    {"id": "age_written", "severity": "hard", "years": "2026-", "pipeline": "raw_fields", "repeat": "person",
     "indices": [1, 4], "when": "present(age{n}) and not matches(age{n}, '[0-9]+')", "attach_to": ["age{n}"],
     "params": {"person": "{n}"}, "message": "Person %{person}'s age must be a number."},
    {"id": "none_with_others", "severity": "hard", "years": "2026-", "pipeline": "raw_fields",
     "when": "field_11 == '1' and count_equal('1', field_9, field_10) > 0",
     "attach_to": ["field_9", "field_10", "field_11"], "message": "None of these, with a need ticked."},
    {"id": "day_given", "severity": "hard", "years": "2026-", "pipeline": "raw_fields", "when": "blank(field_4)",
     "attach_to": ["field_4"], "message": "Give the day of the visit."},
    {"id": "mode_known", "severity": "hard", "years": "2026-", "pipeline": "not_an_option", "fields": ["visitmode"],
     "message": "Choose how the visit was made: 1, 2 or 3."},
    {"id": "owner_named", "severity": "hard", "years": "2026-", "pipeline": "given_when_support_uploads",
     "fields": ["assigned_to_id"], "message": "Name the %{what}.", "params": {"what": "'visit owner'"}},
]


@pytest.fixture
def definition():
    return registry.get("visits").definition("visit", 2026)


def checks(definition, user, layout="template"):
    pack = RulePack(build_rules(RULES, 2026, "test rules"), [])
    # The file's columns: field n in column n (column A holds the header rows' labels).
    file = SimpleNamespace(layout=layout, columns={n: n for n in range(1, 24)})
    return RowChecks(Upload(user=user), definition, pack, file)


def found(issues):
    return sorted((i.rule, i.cell, i.column, i.field, i.message) for i in issues)


def test_a_raw_check_reads_the_cells_as_written_and_reports_on_those_holding_a_value(
        db, definition, make_person):
    row_checks = checks(definition, make_person("officer@example.com"))
    cells = {4: "12", 9: "1", 10: "", 11: "1", 13: "forty", 15: "R", 17: "33"}
    issues, faulted = row_checks.raw(9, cells)
    assert found(issues) == [
        ("age_written_1", 13, "Field 13", "age1", "Person 1's age must be a number."),
        ("age_written_2", 15, "Field 15", "age2", "Person 2's age must be a number."),
        ("none_with_others", 9, "Field 9", "needs_mobility", "None of these, with a need ticked."),
        ("none_with_others", 11, "Field 11", "needs_none", "None of these, with a need ticked."),
    ]
    assert all(issue.row == 9 and issue.severity == "hard" for issue in issues)
    assert faulted == {"age1", "age2", "needs_mobility", "needs_none"}
    # Near misses: numbers, and "none of these" alone.
    assert row_checks.raw(9, {4: "12", 11: "1", 13: "40", 15: "7"}) == ([], set())


def test_a_raw_check_about_a_missing_cell_reports_on_its_first_cell(db, definition, make_person):
    issues, faulted = checks(definition, make_person("officer@example.com")).raw(12, {5: "4", 6: "26"})
    assert found(issues) == [("day_given", 4, "Field 4", "visitdate", "Give the day of the visit.")]
    assert faulted == {"visitdate"}


def test_raw_checks_are_for_the_template_layout_only(db, definition, make_person):
    """A provider's own columns are matched to answers, not field numbers."""
    row_checks = checks(definition, make_person("officer@example.com"), layout="headers")
    assert row_checks.raw(9, {13: "forty"}) == ([], set())


def test_a_support_users_rows_must_give_the_field(db, definition, make_person):
    support = checks(definition, make_person("helper@example.com", staff_role="support"))
    ((variable, rule, message),) = support.uploader({"visitref": "V1"})
    assert (variable, rule.id, message) == ("assigned_to_id", "owner_named", "Name the visit owner.")
    assert support.uploader({"assigned_to_id": "someone@example.com"}) == []
    # Anyone else's blank owner is the uploader, as for every upload.
    assert checks(definition, make_person("officer@example.com")).uploader({}) == []


def test_lint_names_what_a_raw_check_cannot_read(definition):
    (rule,) = build_rules([{**RULES[1], "when": "field_99 == '1' and visitdate == '1'"}], 2026, "test rules")
    assert raw_rule_problems(rule, definition, "visit 2026") == [
        "visit 2026: rule none_with_others reads 'field_99', which is no template field (field_<n>) and no "
        "variable read from one field",
        "visit 2026: rule none_with_others reads 'visitdate', which is no template field (field_<n>) and no "
        "variable read from one field",
    ]
    assert raw_rule_problems(build_rules([RULES[1]], 2026, "test rules")[0], definition, "visit 2026") == []


def test_a_value_that_is_no_answer_is_told_in_the_rules_words(db, definition, make_person):
    row_checks = checks(definition, make_person("officer@example.com"))
    ((variable, rule, message),) = row_checks.not_options({"visitmode": "7", "repairs": "9"})
    assert (variable, rule.id, message) == ("visitmode", "mode_known", "Choose how the visit was made: 1, 2 or 3.")
    assert row_checks.not_options({"visitmode": "2"}) == []
