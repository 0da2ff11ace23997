"""Definitions as data: loading, repeat groups, versions by difference, routing,
normalisation and the linter, on a small inline definition."""

import datetime as dt
from decimal import Decimal

import copy

import pytest

from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import DefinitionError, build
from cldc.platform.definitions.routing import route, unanswered
from cldc.platform.definitions.values import from_json, normalise, to_json


def test_repeat_groups_expand_one_block_into_each_index(definition):
    assert [p.id for p in definition.pages][-2:] == ["person_2_age", "person_3_age"]
    age3 = definition.questions["age3"]
    assert (age3.repeat, age3.index, age3.text, age3.bulk_upload) == ("person", 3, "Age of person 3", {"fields": 21})
    assert definition.pages[-1].show_if.source == "hhmemb >= 3"


def test_checkbox_options_are_variables(definition):
    assert definition.variables["needs_wheelchair"].id == "needs"
    assert "needs" not in definition.variables


def test_routing_clears_answers_that_stop_applying(definition):
    kept, cleared, applicable = route(definition, {"needstype": 1, "scheme": "S1", "hhmemb": 2, "age2": 30, "age3": 40})
    assert cleared == ["age3", "scheme"]
    assert "scheme" not in kept and kept["age2"] == 30
    assert [q.id for q in applicable if q.repeat] == ["age2"]


def test_completeness_ignores_optional_questions(definition):
    answers = {"ref": "A1", "startdate": dt.date(2026, 5, 1), "needstype": 1, "hhmemb": 1, "brent": 100, "needs_wheelchair": 1}
    kept, _, applicable = route(definition, answers)
    assert unanswered(applicable, kept) == []
    del answers["brent"]
    kept, _, applicable = route(definition, answers)
    assert [q.id for q in unanswered(applicable, kept)] == ["brent"]


@pytest.mark.parametrize(
    "incoming, field, rule, message",
    [
        ({"nonsense": 1}, "nonsense", "unknown_field", "nonsense is not a question in this form."),
        ({"hhmemb": "two"}, "hhmemb", "numeric_format", "Number of household members must be a number."),
        ({"hhmemb": 4}, "hhmemb", "numeric_min_max", "Number of household members must be between 1 and 3."),
        ({"hhmemb": 1.5}, "hhmemb", "numeric_step", "Number of household members must be a whole number."),
        ({"brent": "10.005"}, "brent", "numeric_step", "Basic rent must be given to the nearest hundredth."),
        ({"brent": -1}, "brent", "numeric_min_max", "Basic rent must be between £0 and £5000."),
        ({"needstype": 9}, "needstype", "invalid_option", "Enter a valid value for Needs type"),
        ({"needstype": True}, "needstype", "invalid_option", "Enter a valid value for Needs type"),
        ({"startdate": "2026-02-30"}, "startdate", "date_format", "Enter a date in the correct format, for example 31/1/2024."),
        ({"startdate": "tomorrow"}, "startdate", "date_format", "Enter a date in the correct format, for example 31/1/2024."),
        ({"needs_wheelchair": 2}, "needs_wheelchair", "checkbox_value", "Access needs must be 0 (not ticked) or 1 (ticked)."),
        ({"ref": {"a": 1}}, "ref", "text_type", "Your reference must be text."),
        ({"hhmemb": "NaN"}, "hhmemb", "numeric_format", "Number of household members must be a number."),
    ],
)
def test_bad_values_get_a_message_on_their_field(definition, incoming, field, rule, message):
    values, errors = normalise(definition, incoming)
    assert [(e.field, e.rule, e.message) for e in errors] == [(field, rule, message)]
    assert field not in values


def test_values_are_typed_and_round_trip_through_json(definition):
    values, errors = normalise(definition, {"needstype": "2", "brent": "100.50", "hhmemb": "2", "startdate": "2026-05-01", "ref": "  A1 "})
    assert not errors
    assert values == {"needstype": 2, "brent": Decimal("100.50"), "hhmemb": 2, "startdate": dt.date(2026, 5, 1), "ref": "A1"}
    stored = to_json(values)
    assert stored == {"needstype": 2, "brent": 100.5, "hhmemb": 2, "startdate": "2026-05-01", "ref": "A1"}
    assert from_json(definition, stored)["startdate"] == dt.date(2026, 5, 1)


def test_retired_codes_stay_readable_but_cannot_be_chosen(definition):
    _, errors = normalise(definition, {"needstype": 3})
    assert [e.rule for e in errors] == ["retired_option"]
    values, errors = normalise(definition, {"needstype": 3}, existing={"needstype": 3})
    assert not errors and values == {"needstype": 3}


def test_a_version_can_state_only_its_differences(definition):
    delta = {
        "extends": 2026, "version": 2027, "valid_from": "2027-04-01", "valid_to": "2028-03-31",
        "changes": [
            {"remove_question": "notes"},
            {"add_question": {"after": "brent", "question": {"id": "pscharge", "type": "numeric", "text": "Personal service charge", "min": 0}}},
            {"set_options": {"question": "needstype", "options": [[1, "General needs"], [4, "Housing first"]], "retire": [2]}},
            {"change_question": {"question": "hhmemb", "max": 8}},
        ],
    }
    newer = build(delta, "2027.yaml", base_loader=lambda version: definition.raw)
    assert newer.version == 2027 and newer.covers(dt.date(2027, 6, 1))
    assert "notes" not in newer.questions
    rent_page = [p for p in newer.pages if p.id == "rent"][0]
    assert [q.id for q in rent_page.questions] == ["brent", "pscharge", "scharge"]
    assert newer.questions["needstype"].codes == {1, 4}
    assert 2 in newer.questions["needstype"].all_codes  # retired: readable in old records
    assert newer.questions["hhmemb"].max == 8
    assert definition.questions["hhmemb"].max == 3  # the base is untouched


def test_bad_files_say_where(raw_definition):
    raw = copy.deepcopy(raw_definition)
    raw["sections"][0]["subsections"][0]["pages"][0]["questions"][0]["type"] = "slider"
    with pytest.raises(DefinitionError, match="page basics, question ref: unknown type 'slider'"):
        build(raw, "demo.yaml")
    raw = copy.deepcopy(raw_definition)
    raw["sections"][0]["subsections"][0]["pages"][1]["show_if"] = "needstype =="
    with pytest.raises(DefinitionError, match="page scheme"):
        build(raw, "demo.yaml")


def test_a_clean_definition_lints_clean(definition, pack):
    assert lint(definition, pack) == []


def test_the_linter_finds_problems(raw_definition):
    raw = raw_definition
    pages = raw["sections"][0]["subsections"][0]["pages"]
    pages[1]["show_if"] = "needstype == 7"  # no such code: the page can never show
    pages[2]["show_if"] = "tenure == 1"  # no such field
    pages[2]["questions"][0]["bulk_upload"] = {"fields": [20], "header": "Rent"}  # field 20 is age2's too
    pages[2]["questions"][1]["bulk_upload"] = {"header": "Rent"}
    pages[2]["questions"][2]["id"] = "ref"  # duplicate id
    pages[3]["questions"][0]["options"].append(["needs_wheelchair", "Again"])
    raw["search_fields"] = ["postcode"]
    problems = "\n".join(lint(build(raw, "demo.yaml")))
    assert "search_fields names unknown field 'postcode'" in problems
    assert "needstype has no answer code 7" in problems
    assert "unknown field 'tenure'" in problems
    assert "question id 'ref' is used 2 times" in problems
    assert "bulk upload header 'Rent' is used 2 times" in problems
    assert "bulk upload field number 20 is used 2 times" in problems
    assert "option code in needs: 'needs_wheelchair' is used 2 times" in problems


def test_per_index_values_in_a_repeat_block(raw_definition):
    block = raw_definition["sections"][0]["subsections"][0]["pages"][-1]
    question = block["pages"][0]["questions"][0]
    question["bulk_upload"] = {"fields": {2: 20}, "codes": {1: "P", 2: "X"}, "header": "Age {n}"}
    definition = build(raw_definition, "demo.yaml")
    # {2: 20} is per index (2 and 3 are the block's indices); person 3 has no field.
    assert definition.questions["age2"].bulk_upload == {"fields": 20, "codes": {1: "P", 2: "X"}, "header": "Age 2"}
    assert definition.questions["age3"].bulk_upload == {"codes": {1: "P", 2: "X"}, "header": "Age 3"}
