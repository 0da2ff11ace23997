"""The JSON Schema of a record, generated from its definition: valid under the draft
2020-12 metaschema, met by a complete record's answers, refusing what the gateway
refuses, and allowing only values the gateway stores. With CORE's official templates:
tests/core/test_core_json_schema.py."""

import csv

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from cldc.platform import registry
from cldc.platform.definitions.json_schema import record_schema
from cldc.platform.definitions.model import build
from cldc.platform.definitions.values import normalise, to_json

VERSIONS = [("core", "lettings", 2026), ("core", "sales", 2026), ("hclic", "case", 2025), ("hclic", "case", 2026)]


def schema_for(collection, record_type, version, partial=False):
    package = registry.get(collection)
    return record_schema(package.definition(record_type, version), package.rule_pack(record_type, version), partial)


def problems(schema, answers):
    validator = Draft202012Validator(schema, format_checker=FormatChecker())
    return sorted(f"{'/'.join(map(str, e.path))}: {e.validator}" for e in validator.iter_errors(answers))


@pytest.mark.parametrize("collection, record_type, version", VERSIONS)
@pytest.mark.parametrize("partial", [False, True])
def test_every_definition_gives_a_valid_schema_of_every_variable(collection, record_type, version, partial):
    schema = schema_for(collection, record_type, version, partial)
    Draft202012Validator.check_schema(schema)
    definition = registry.get(collection).definition(record_type, version)
    sent = {v for v, q in definition.variables.items() if q.type != "derived"}
    assert set(schema["properties"]) == sent
    assert (schema["type"], schema["additionalProperties"]) == ("object", False)
    assert schema["x-reference-key"] == definition.reference_key
    assert f"{collection} {record_type} {version}" in schema["title"]
    assert "rules/" in schema["description"] and "exact authority" in schema["description"]


@pytest.fixture
def visit(complete_visit):
    """The visits schema, and a complete visit's answers, which meet it."""
    schema = schema_for("visits", "visit", 2026)
    values, errors = normalise(registry.get("visits").definition("visit", 2026),
                               {**complete_visit(), "owning_organisation_id": 12})
    assert errors == [] and problems(schema, to_json(values)) == []
    return schema, to_json(values)


@pytest.mark.parametrize("change, expected", [
    ({"age1": "34"}, "age1: type"),  # a number sent as text
    ({"age1": 200}, "age1: maximum"),
    ({"hhmemb": 2.5}, "hhmemb: type"),  # step 1: a whole number
    ({"repairs": 3}, "repairs: oneOf"),  # not one of the codes
    ({"work1": "1"}, "work1: oneOf"),  # codes are exact
    ({"visitdate": "01/04/2026"}, "visitdate: pattern"),
    ({"visitdate": "2026-02-30"}, "visitdate: format"),
    ({"needs_mobility": 2}, "needs_mobility: enum"),  # a checkbox is 0 or 1
    ({"visitref": "x" * 1001}, "visitref: maxLength"),
    ({"no_such_question": 1}, ": additionalProperties"),
    ({"weekly_rent": 100}, ": additionalProperties"),  # derived: the service computes it
])
def test_wrong_answers_fail(visit, change, expected):
    schema, answers = visit
    found = problems(schema, {**answers, **change})
    assert expected in found and all(p.split(":")[0] == expected.split(":")[0] for p in found)


def test_what_the_schema_allows_the_gateway_stores():
    """A value at each edge the schema allows is stored by the gateway's normaliser."""
    for collection, record_type, version in VERSIONS:
        definition = registry.get(collection).definition(record_type, version)
        schema = schema_for(collection, record_type, version)
        for name, prop in schema["properties"].items():
            for value in edge_values(prop):
                assert problems({**schema, "required": [], "allOf": []}, {name: value}) == [], (name, value)
                assert normalise(definition, {name: value})[1] == [], (name, value)


def edge_values(prop):
    if "oneOf" in prop:
        return [option["const"] for option in prop["oneOf"]]
    if "enum" in prop:
        return prop["enum"]
    if prop["type"] == ["integer", "string"]:
        return [12, "S12"]
    if prop.get("format") == "date":
        return ["2026-04-01"]
    if prop["type"] == "string":
        return ["x" * prop["maxLength"]]
    low, high = prop.get("minimum", -1000), prop.get("maximum", 100000)
    fraction = prop.get("x-step", 1)
    return [low, high] if prop["type"] == "integer" else [low, high, low + fraction]


def test_conditions_are_the_definitions_own_expressions(definition, pack):
    schema = record_schema(definition, pack)
    properties = schema["properties"]
    assert schema["required"] == ["ref", "startdate", "needstype", "hhmemb", "brent"]
    assert schema["allOf"] == [{"anyOf": [{"required": ["needs_wheelchair"]}, {"required": ["needs_step_free"]}]}]
    assert properties["scheme"]["x-asked-when"] == properties["scheme"]["x-required-when"] == "is_supported"
    assert schema["x-predicates"] == {"is_supported": "needstype == 2"}
    assert properties["notes"]["x-optional"] is True and "x-required-when" not in properties["notes"]
    assert properties["age3"]["x-required-when"] == "hhmemb >= 3"
    assert "x-asked-when" not in properties["ref"]


def test_codes_numbers_and_bulk_upload_fields(definition, pack):
    properties = record_schema(definition, pack)["properties"]
    assert properties["needstype"]["oneOf"] == [
        {"const": 1, "title": "General needs"}, {"const": 2, "title": "Supported housing"}]
    assert properties["needstype"]["x-retired-options"] == [{"const": 3, "title": "Old type"}]
    hhmemb = properties["hhmemb"]
    assert (hhmemb["type"], hhmemb["minimum"], hhmemb["maximum"]) == ("integer", 1, 3)
    # Money: a number, to the hundredth. Not multipleOf, which validators test in floats.
    assert properties["brent"]["type"] == "number" and properties["brent"]["x-step"] == 0.01
    assert "multipleOf" not in properties["brent"]
    assert properties["needs_wheelchair"]["x-question"] == "needs"
    assert properties["ref"]["x-personal"] is True
    assert {k: properties["age3"][k] for k in ("x-field-numbers", "x-repeat", "x-index")} == {
        "x-field-numbers": [21], "x-repeat": "person", "x-index": 3}


def test_derived_values_are_listed_apart_as_read_only(definition, pack):
    schema = record_schema(definition, pack)
    assert set(schema["x-derived"]["properties"]) == {"tcharge", "expensive"}
    assert all(entry["readOnly"] for entry in schema["x-derived"]["properties"].values())
    assert "x-derived" not in record_schema(definition)  # without the rule pack, none are known


def test_derived_values_are_titled_by_their_labels(definition, pack):
    derived = record_schema(definition, pack)["x-derived"]["properties"]
    assert {name: entry["title"] for name, entry in derived.items()} == {"tcharge": "Total charge",
                                                                         "expensive": "Expensive"}


def test_record_fields_and_repeats_in_the_real_definitions():
    lettings = schema_for("core", "lettings", 2026)
    owner = lettings["properties"]["owning_organisation_id"]
    assert (owner["x-record-field"], owner["x-field-numbers"]) == ("owning_organisation", [1])
    assert lettings["x-record-fields"]["owning_organisation"] == "owning_organisation_id"
    # Each box of a checkbox question has its own template field.
    fields = [lettings["properties"][v]["x-field-numbers"] for v in ("cbl", "cap", "chr")]
    assert all(len(f) == 1 for f in fields) and len({f[0] for f in fields}) == 3
    # Between them, the properties name every column of the official template, and no other.
    named = {n for p in lettings["properties"].values() for n in p.get("x-field-numbers", [])}
    assert named == template_fields("lettings")
    # H-CLIC's repeat groups are flat variables, as the gateway takes them.
    hclic = schema_for("hclic", "case", 2026)
    assert [hclic["properties"][f"tatype{n}"]["x-index"] for n in range(1, 6)] == [1, 2, 3, 4, 5]
    assert 6 not in [o["const"] for o in hclic["properties"]["tatype1"]["oneOf"]]
    assert hclic["properties"]["tatype1"]["x-retired-options"][0]["const"] == 6



def template_fields(record_type):
    """The field numbers of the official template's columns."""
    path = registry.get("core").reference_dir / "spec" / f"2026_27_{record_type}_bulk_upload.csv"
    rows = csv.reader(path.open(encoding="utf-8-sig"))
    header = next(r for r in rows if r and r[0].strip().lower().startswith("field number"))
    return {int(n) for n in header if n.strip().isdigit()}


def test_a_retired_box_may_only_be_left_unticked(raw_definition):
    needs = raw_definition["sections"][0]["subsections"][0]["pages"][3]["questions"][0]
    needs["retired_options"] = [["needs_hoist", "Hoist"]]
    definition = build(raw_definition, "demo.yaml")
    hoist = record_schema(definition)["properties"]["needs_hoist"]
    assert (hoist["enum"], hoist["deprecated"]) == ([0], True)
    assert normalise(definition, {"needs_hoist": 0})[1] == []
    assert [e.rule for e in normalise(definition, {"needs_hoist": 1})[1]] == ["retired_option"]
