"""Definitions as data: loading, repeat groups, versions by difference, routing,
normalisation and the linter, on a small inline definition."""

import datetime as dt
from decimal import Decimal

import copy

import pytest
import yaml

from cldc.platform import registry
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import DefinitionError, build, load_definition, load_yaml
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


# --- Named lists of options ------------------------------------------------------------------


def _named_needs_type(raw_definition, name="needs_types"):
    raw_definition["option_lists"] = {"needs_types": [[1, "General needs"], [2, "Supported housing"]]}
    needstype = raw_definition["sections"][0]["subsections"][0]["pages"][0]["questions"][2]
    needstype["options"] = name
    return raw_definition


def test_a_question_may_name_a_list_of_options_the_file_declares_once(raw_definition):
    raw = _named_needs_type(raw_definition)
    definition = build(raw, "demo.yaml")
    assert definition.questions["needstype"].options == [(1, "General needs"), (2, "Supported housing")]
    assert definition.questions["needstype"].retired_options == [(3, "Old type")]
    assert raw["sections"][0]["subsections"][0]["pages"][0]["questions"][2]["options"] == "needs_types"  # as written


def test_an_unknown_list_of_options_is_an_error_naming_the_file_and_the_question(raw_definition):
    with pytest.raises(DefinitionError) as caught:
        build(_named_needs_type(raw_definition, "need_types"), "demo.yaml")
    assert str(caught.value) == ("demo.yaml: question 'needstype', options: no option list called 'need_types' "
                                 "(did you mean 'needs_types'?)")


def test_a_list_of_options_is_code_and_label_pairs(raw_definition):
    raw = _named_needs_type(raw_definition)
    raw["option_lists"]["needs_types"] = ["General needs", "Supported housing"]
    with pytest.raises(DefinitionError, match="demo.yaml: option_lists 'needs_types': each option is a \\[code, label\\] pair"):
        build(raw, "demo.yaml")


def test_a_version_that_extends_another_may_name_its_lists(raw_definition):
    base = build(_named_needs_type(raw_definition), "2026.yaml")
    delta = {"extends": 2026, "version": 2027, "valid_from": "2027-04-01", "valid_to": "2028-03-31",
             "changes": [{"add_question": {"after": "needstype", "question": {
                 "id": "prevneeds", "type": "radio", "text": "Previous needs type", "options": "needs_types"}}}]}
    newer = build(delta, "2027.yaml", base_loader=lambda version: base.raw)
    assert newer.questions["prevneeds"].options == newer.questions["needstype"].options


# --- The bulk-upload template's layout, in its own file ---------------------------------------


def _layout_files(tmp_path, raw_definition, layout):
    """The demo definition without its bulk_upload blocks, and a layout file beside it."""
    age = raw_definition["sections"][0]["subsections"][0]["pages"][4]["pages"][0]["questions"][0]
    del age["bulk_upload"]
    (tmp_path / "2026.yaml").write_text(yaml.safe_dump(raw_definition, allow_unicode=True))
    (tmp_path / "2026.bulk_upload.yaml").write_text(layout)
    return tmp_path / "2026.yaml", tmp_path / "2026.bulk_upload.yaml"


def test_the_template_layout_file_puts_each_block_back_on_its_question(tmp_path, raw_definition):
    path, layout = _layout_files(tmp_path, raw_definition, "'age{n}': {fields: {2: 20, 3: 21}, header: Age}\n"
                                                           "needstype:\n  fields: [4]\n  values: 1 - 2\n")
    definition = build(load_definition(path, layout), str(path))
    assert definition.questions["age3"].bulk_upload == {"fields": 21, "header": "Age"}
    assert definition.questions["needstype"].bulk_upload == {"fields": [4], "values": "1 - 2"}
    assert build(load_definition(path), str(path)).questions["age3"].bulk_upload == {}  # without the file


@pytest.mark.parametrize("layout, problem", [
    ("needstpye: {fields: [4]}\n", "2026.bulk_upload.yaml: question 'needstpye' is not a question of 2026.yaml "
                                   "(did you mean 'needstype'?)"),
    ("needstype: {fields: [4], heder: Needs}\n", "2026.bulk_upload.yaml: question 'needstype', key 'heder' is not "
                                                 "one the platform reads (did you mean 'header'?)"),
    ("ref: {fields: [1]}\n", "2026.bulk_upload.yaml: question 'ref' has its bulk_upload block in 2026.yaml too"),
])
def test_a_layout_entry_the_platform_cannot_place_is_an_error_naming_the_layout_file(tmp_path, raw_definition,
                                                                                    layout, problem):
    page = raw_definition["sections"][0]["subsections"][0]["pages"][0]
    page["questions"][0]["bulk_upload"] = {"fields": [1]}
    path, layout_path = _layout_files(tmp_path, raw_definition, layout)
    with pytest.raises(DefinitionError) as caught:
        load_definition(path, layout_path)
    assert str(caught.value).startswith(f"{layout_path}: {problem.split(': ', 1)[1]}")


def test_core_keeps_its_template_layout_beside_each_definition():
    core = registry.get("core")
    for record_type in ("lettings", "sales"):
        folder = core.file("definition", record_type=record_type, version=2026).parent
        assert "bulk_upload:" not in (folder / "2026.yaml").read_text()
        layout = load_yaml(folder / "2026.bulk_upload.yaml")
        questions = core.definition(record_type, 2026).questions
        assert layout and all(questions[q].bulk_upload == block for q, block in layout.items() if "{n}" not in q)
