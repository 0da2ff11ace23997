"""Automatic column mapping (cldc.platform.uploads.automap) and `cldc automap`, on the
CORE 2026/27 definitions. No database."""

import json
from io import StringIO

import pytest

from cldc.platform import registry
from cldc.platform.cli import automap as automap_command
from cldc.platform.uploads.automap import Target, describe, load_synonyms, suggest, synonym_problems


@pytest.fixture(scope="module")
def lettings():
    return registry.get("core").definition("lettings", 2026)


@pytest.fixture(scope="module")
def sales():
    return registry.get("core").definition("sales", 2026)


def mapped(definition, *headers):
    return {m.header: m for m in suggest(definition, list(headers))}


def person_of(definition, target):
    question = definition.questions.get(target.variable) or definition.variables[target.variable]
    return question.index


# --- Person numbers -------------------------------------------------------------------


@pytest.mark.parametrize("header", ["P3 Age", "Person 3 age", "Age of person 3", "Age3", "Member 3 - age", "Tenant 3 age"])
def test_a_header_naming_person_3_maps_to_person_3s_question(lettings, header):
    (mapping,) = suggest(lettings, [header])
    assert mapping.target == Target("age3")
    assert mapping.band == "confident"


def test_a_person_3_header_never_falls_back_to_another_persons_question(lettings):
    # Two columns for person 3's age: one gets age3; the other may only be offered person 3's questions.
    result = mapped(lettings, "Person 3 age", "P3 Age")
    assert result["Person 3 age"].target == Target("age3")
    loser = result["P3 Age"]
    assert loser.target != Target("age2")
    assert loser.suggestions and all(person_of(lettings, s.target) == 3 for s in loser.suggestions)


@pytest.mark.parametrize("header, variable", [("Age", "age1"), ("Gender", "sexrab1"), ("Economic status", "ecstat1"),
                                              ("Lead tenant age", "age1"), ("Main tenant gender", "sexrab1")])
def test_a_header_naming_nobody_or_the_lead_maps_to_the_lead_tenant(lettings, header, variable):
    assert suggest(lettings, [header])[0].target == Target(variable)


def test_a_relationship_to_person_1_is_about_the_other_person(lettings):
    assert suggest(lettings, ["Person 4 relationship to Person 1"])[0].target == Target("relat4")


def test_numbers_that_are_not_people_stay_in_the_name(lettings):
    result = mapped(lettings, "Address line 1", "Address line 2")
    assert result["Address line 1"].target == Target("address_line1")
    assert result["Address line 2"].target == Target("address_line2")


def test_sales_buyers_are_people_too(sales):
    result = mapped(sales, "Buyer 1 age", "Buyer 2 age", "Buyer 2 gross income", "Person 3 age")
    assert [m.target for m in result.values()] == [Target("age1"), Target("age2"), Target("income2"), Target("age3")]


# --- One to one -----------------------------------------------------------------------


def test_no_two_headers_get_the_same_target(lettings):
    result = suggest(lettings, ["Start date", "Tenancy start date", "Commencement date", "Tenant code", "Tenancy ref"])
    targets = [m.target for m in result if m.target]
    assert len(targets) == len(set(targets))
    assert sum(m.target == Target("startdate") for m in result) == 1
    assert sum(m.target == Target("tenancycode") for m in result) == 1


def test_a_whole_date_and_one_of_its_parts_are_not_both_taken(lettings):
    result = mapped(lettings, "Start date", "Start day")
    assert result["Start date"].target == Target("startdate")
    assert result["Start day"].target is None or result["Start day"].target.variable != "startdate"


# --- Split and joined columns -----------------------------------------------------------


def test_day_month_and_year_columns_map_to_the_parts_of_one_date(lettings):
    result = mapped(lettings, "Start day", "Tenancy start month", "Year of tenancy start", "Void date")
    assert [m.target for m in result.values()] == [
        Target("startdate", "day"), Target("startdate", "month"), Target("startdate", "year"), Target("voiddate")]
    assert {m.band for m in result.values()} == {"confident"}


@pytest.mark.parametrize("first, second, variable", [
    ("Postcode part 1", "Postcode part 2", "postcode_full"),
    ("Property postcode (outward)", "Property postcode (inward)", "postcode_full"),
    ("Previous postcode part 1", "Previous postcode part 2", "ppostcode_full"),
])
def test_a_postcode_in_two_columns_maps_to_its_two_parts(lettings, first, second, variable):
    result = mapped(lettings, first, second)
    assert result[first].target == Target(variable, "part1")
    assert result[second].target == Target(variable, "part2")


@pytest.mark.parametrize("header, variable", [("Lead tenant DOB", "age1"), ("D.O.B.", "age1"),
                                              ("Person 2 date of birth", "age2"), ("Tenant 3 birth date", "age3")])
def test_a_date_of_birth_maps_to_an_age_computed_from_it(lettings, header, variable):
    (mapping,) = suggest(lettings, [header])
    assert mapping.target == Target(variable, "date_of_birth")
    assert mapping.band == "confident"


# --- Bands ----------------------------------------------------------------------------


def test_a_header_that_matches_nothing_is_left_unmapped(lettings):
    (mapping,) = suggest(lettings, ["Favourite colour"])
    assert (mapping.target, mapping.band) == (None, "unmapped")


def test_a_clear_match_is_confident(lettings):
    (mapping,) = suggest(lettings, ["Tenant Cde"])
    assert (mapping.target, mapping.band) == (Target("tenancycode"), "confident")
    assert mapping.score >= 85


def test_a_header_that_fits_two_questions_equally_is_doubtful_with_both_suggested(lettings):
    # "Local authority": the property's (la) or the last settled home's (prevloc)?
    (mapping,) = suggest(lettings, ["Local authority"])
    assert mapping.band == "doubtful"
    assert len(mapping.suggestions) == 3
    assert {Target("la"), Target("prevloc")} <= {s.target for s in mapping.suggestions}


def test_two_columns_claiming_one_question_equally_leave_the_winner_doubtful(lettings):
    result = mapped(lettings, "Landlord", "Landlord name")
    winner = [m for m in result.values() if m.target == Target("owning_organisation_id")]
    assert len(winner) == 1 and winner[0].band == "doubtful"


def test_a_weak_match_is_doubtful_and_offers_the_right_question(lettings):
    (mapping,) = suggest(lettings, ["Accessibility"])
    assert mapping.band == "doubtful"
    assert Target("housingneeds_type") in [s.target for s in mapping.suggestions]


# --- Accuracy floor (realistic headers, not the bench's set) --------------------------------

REALISTIC = {
    "Tenancy Ref": "tenancycode", "Tenancy Start Date": "startdate", "Property Ref": "propcode",
    "No. of Bedrooms": "beds", "Weekly Rent": "brent", "Service Charge": "scharge", "Lead Tenant Age": "age1",
    "Tenant 2 Age": "age2", "Occupant 3 Gender": "sexrab3", "Economic Status (Lead)": "ecstat1",
    "Ethnic Origin": "ethnic", "Nationality": "nationality_all", "Household Size": "hhmemb",
    "Rent Frequency": "period", "Void Date": "voiddate", "Postcode": "postcode_full", "Previous Tenure": "prevten",
    "Reason for Leaving": "reason", "Housing Benefit": "hb", "Tenancy Type": "tenancy", "Joint Tenancy": "joint",
    "Starter Tenancy (Y/N)": "startertenancy", "UPRN": "uprn", "Support Charge": "supcharg",
    "Landlord": "owning_organisation_id", "Managing Agent": "managing_organisation_id", "Armed Forces": "armedforces",
    "Disability": "illness", "Wheelchair User": "wchair",
}


def test_realistic_headers_map_well_and_no_confident_mapping_is_wrong(lettings):
    result = suggest(lettings, list(REALISTIC))
    right = [m for m in result if m.target == Target(REALISTIC[m.header])]
    confidently_wrong = [m.header for m in result if m.band == "confident" and m.target != Target(REALISTIC[m.header])]
    assert len(right) >= 0.9 * len(REALISTIC), [m.header for m in result if m not in right]
    assert confidently_wrong == []


# --- Synonyms and labels --------------------------------------------------------------------


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_synonym_names_a_question_of_the_definition(record_type):
    definition = registry.get("core").definition(record_type, 2026)
    synonyms = load_synonyms(definition)
    assert synonyms["variables"] and synonym_problems(definition, synonyms) == []


def test_without_synonyms_the_definitions_own_words_still_map(lettings):
    (mapping,) = suggest(lettings, ["Tenancy start date"], synonyms={})
    assert mapping.target == Target("startdate")


def test_a_target_reads_as_its_label_and_part(lettings):
    assert describe(lettings, Target("startdate", "day")) == "Tenancy start date (day)"
    assert describe(lettings, Target("age1", "date_of_birth")) == "Lead tenant’s age (from date of birth)"
    assert describe(lettings, Target("cbl")) == "Allocation system: Choice-based lettings (CBL)"


# --- cldc automap ---------------------------------------------------------------------------


def run_command(path):
    out = StringIO()
    automap_command.run({"collection": "core", "record_type": "lettings", "version": 2026, "headers": str(path)}, out)
    return json.loads(out.getvalue())


def test_the_command_prints_each_headers_target_score_band_and_alternatives(tmp_path):
    path = tmp_path / "headers.txt"
    path.write_text("P3 Age\n\n  \nStart day\nFavourite colour\n", encoding="utf-8")
    first, second, third = run_command(path)
    assert first["header"] == "P3 Age" and first["target"] == {"variable": "age3", "part": None}
    assert first["band"] == "confident" and first["score"] == 100
    assert second["target"] == {"variable": "startdate", "part": "day"}
    assert len(second["alternatives"]) == 3 and set(second["alternatives"][0]) == {"variable", "part", "score"}
    assert third["target"] is None and third["band"] == "unmapped"


def test_the_command_reads_a_file_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "headers.txt"
    path.write_bytes("\ufeffTenant code\r\nUPRN\r\n".encode("utf-8"))
    assert [m["header"] for m in run_command(path)] == ["Tenant code", "UPRN"]


@pytest.mark.parametrize("content, message", [
    (None, "Cannot read"),
    (b"", "has no headers"),
    (b"\n  \n\n", "has no headers"),
    (b"\xff\xfe\x00\x00junk\x9c", "is not UTF-8 text"),
    (b"PK\x03\x04\x00\x00", "is not a text file"),
])
def test_the_command_refuses_bad_input_with_a_message(tmp_path, content, message):
    path = tmp_path / "headers.txt"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        run_command(path)
