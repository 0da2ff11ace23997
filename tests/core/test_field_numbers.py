"""Bulk-upload rows keyed by field number become answers through the CORE 2026/27
definitions (platform/uploads/template_rows.py), starting with the data row of
each official template."""

import csv

import pytest

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.uploads.template_rows import answers_from_field_numbers

REFERENCE = registry.get("core").reference_dir / "spec"

# Every template value normalises. Organisation references (ORG1), the assigned user's
# email and LA codes are accepted as they are: those questions have dynamic options,
# which the platform does not hold yet, so any text passes here and the reference-data
# checks come with the organisation and LA lookups. The lettings template's example
# nationality is the ISO alpha-3 code GBR: bulk upload accepts alpha-3 codes as well
# as the numeric ones the template's Values row asks for.
EXPECTED_ERRORS = {"lettings": {}, "sales": {}}


def template_row(record_type):
    rows = list(csv.reader((REFERENCE / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    assert [r[0] for r in rows[:8]][-1] == "Field number" and len(rows) == 9
    return {int(rows[7][col]): rows[8][col] for col in range(1, len(rows[7]))}


def definition(record_type):
    return registry.get("core").definition(record_type, 2026)


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_template_row_converts_without_problems(record_type):
    answers, problems = answers_from_field_numbers(definition(record_type), template_row(record_type))
    assert problems == []
    assert all(isinstance(value, str) for value in answers.values())
    values, errors = normalise(definition(record_type), answers)
    assert {e.field: answers[e.field] for e in errors} == EXPECTED_ERRORS[record_type]
    # references to organisations, users, schemes, locations and LAs pass through as given
    row = template_row(record_type)
    for question in definition(record_type).questions.values():
        if question.extra.get("refers_to") and question.id in answers:
            assert values[question.id] == row[question.bulk_upload["fields"][0]].strip()
    assert values["owning_organisation_id"] == "ORG1"


def test_lettings_template_row_values():
    answers, _ = answers_from_field_numbers(definition("lettings"), template_row("lettings"))
    assert answers["startdate"] == "2026-04-01"  # fields 8-10: 1, 4, 26
    assert answers["voiddate"] == "2025-04-01"
    assert answers["postcode_full"] == "a1 1aa"  # fields 23 and 24
    assert answers["renewal"] == "0"  # BU 2 = No
    assert answers["rent_type"] == "0"  # BU 1 = Social rent
    assert answers["hhmemb"] == "1" and answers["details_known_2"] == "1"  # no other person's fields
    assert (answers["age1"], answers["age1_known"]) == ("20", "0")
    assert answers["illness_type_4"] == "1" and "illness_type_5" not in answers  # field 101 only
    assert [answers[v] for v in ("cbl", "cap", "chr", "accessible_register")] == ["1", "1", "1", "1"]
    # disabled access needs: flag a) set, g) and h) blank
    assert (answers["housingneeds"], answers["housingneeds_type"], answers["housingneeds_other"]) == ("1", "0", "0")
    assert answers["ethnic_group"] == "0" and answers["first_time_property_let_as_social_housing"] == "0"


def test_sales_template_row_values():
    answers, _ = answers_from_field_numbers(definition("sales"), template_row("sales"))
    assert answers["saledate"] == "2026-09-04"
    assert answers["type"] == "8"  # field 11 (discounted ownership); field 9 is blank
    assert answers["value"] == "180000"  # fields 99, 120 and 128 agree
    assert (answers["relat2"], answers["relat3"], answers["relat5"]) == ("P", "X", "R")
    assert "savings" not in answers and answers["savingsnk"] == "1"  # R: prefers not to say
    assert "ethnic" not in answers and answers["ethnic_group"] == "17"  # 17: prefers not to say
    assert answers["details_known_3"] == "1" and answers["mscharge"] == "100" and answers["has_mscharge"] == "1"


def test_an_impossible_date_is_a_problem_naming_its_fields():
    row = {**template_row("lettings"), 8: "31", 9: "2", 10: "26"}
    answers, problems = answers_from_field_numbers(definition("lettings"), row)
    assert "startdate" not in answers
    assert problems == [{"fields": [8, 9, 10], "variable": "startdate",
                         "message": "Fields 8, 9 and 10 do not give a real date (31/2/26)."}]


def test_a_partial_date_and_a_four_digit_year():
    row = {**template_row("lettings"), 8: "5", 9: "", 10: "2026", 29: "3", 30: "4", 31: "2025"}
    answers, problems = answers_from_field_numbers(definition("lettings"), row)
    assert answers["voiddate"] == "2025-04-03"
    assert [p["fields"] for p in problems] == [[8, 9, 10]]


def test_conflicting_fields_for_one_variable_are_a_problem():
    row = {**template_row("sales"), 99: "150000"}  # 120 and 128 say 180000
    answers, problems = answers_from_field_numbers(definition("sales"), row)
    assert "value" not in answers
    assert problems[0]["variable"] == "value" and problems[0]["fields"] == [99, 120, 128]


def test_person_details_set_presence_and_household_size():
    row = {**template_row("lettings"), 54: "R", 56: "M"}  # person 3: age refused, sex given
    answers, problems = answers_from_field_numbers(definition("lettings"), row)
    assert problems == []
    assert (answers["details_known_2"], answers["details_known_3"]) == ("1", "0")
    assert "age3" not in answers and answers["age3_known"] == "1"
    assert answers["hhmemb"] == "2"


def test_an_empty_row_gives_only_declared_defaults():
    answers, problems = answers_from_field_numbers(definition("lettings"), {})
    assert problems == []
    # what the row parser states for blank fields: no one else in the household, and so on
    assert answers["hhmemb"] == "1" and answers["details_known_8"] == "1"
    assert "startdate" not in answers and "age1" not in answers
