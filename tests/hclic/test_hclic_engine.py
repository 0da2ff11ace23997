"""The H-CLIC proof, without a database: the engine carries a homelessness case with
a People repeat group, a temporary accommodation repeat group, per-member and
per-placement rules, and a later version that retires an answer code."""

import datetime as dt

import pytest

from cldc.platform import registry
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.routing import route
from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import evaluate

TODAY = dt.date(2025, 9, 1)

# A complete case: a single mother and two children, relieved into a main duty,
# after two temporary accommodation placements (the second still current).
CASE = {
    "caseref": "HC-0001", "appdate": "2025-05-06", "assessdate": "2025-05-20", "assessoutcome": 2, "referred": 4,
    "reason": 10, "accom": 8, "eligibility": 1, "supportneeds": 2,
    "firstname1": "Jo", "surname1": "Bloggs", "dob1": "1991-02-03",
    "age1": 34, "sex1": 2, "ethnic1": 1, "ecstat1": 2, "nationality1": 1, "sexid1": 1, "genderid1": 1,
    "hhmembers": 3, "relat2": 2, "age2": 8, "sex2": 1, "ethnic2": 1, "nationality2": 1,
    "relat3": 2, "age3": 5, "sex3": 2, "ethnic3": 1, "nationality3": 1,
    "reliefend": 2, "reliefenddate": "2025-07-15", "mainduty": 1, "mddate": "2025-07-15", "priorityneed": 1,
    "taplacements": 2,
    "tatype1": 1, "taduty1": 2, "taoutside1": 2, "tastart1": "2025-05-06", "taend1": "2025-06-01",
    "tatype2": 6, "taduty2": 1, "taoutside2": 1, "taregion2": 8, "tastart2": "2025-06-01",
}


@pytest.fixture(scope="module")
def hclic():
    return registry.get("hclic")


def context(definition, today=TODAY):
    return {"today": today, "version": definition.version,
            "collection_start": definition.valid_from, "collection_end": definition.valid_to}


def check(hclic, changes, version=2025, today=TODAY):
    """What the gateway would do with CASE plus `changes` on a new record, without saving."""
    definition, pack = hclic.definition("case", version), hclic.rule_pack("case", version)
    result = evaluate(definition, pack, {}, {**CASE, **changes}, context(definition, today), "api", {})
    return {**vars(result), "kept": result.answers, "fired": {m["rule"] for m in result.errors + result.warnings}}


# --- Loading and linting ------------------------------------------------------------


def test_the_package_declares_two_versions_of_the_case(hclic):
    assert hclic.record_types == ("case",)
    assert hclic.versions("case") == [2025, 2026]
    assert hclic.version_for("case", dt.date(2025, 12, 31)) == 2025
    assert hclic.version_for("case", dt.date(2026, 4, 1)) == 2026


@pytest.mark.parametrize("version", [2025, 2026])
def test_each_version_lints_clean_with_its_rule_pack(hclic, version):
    assert lint(hclic.definition("case", version), hclic.rule_pack("case", version)) == []


def test_a_complete_case_is_complete_with_no_findings(hclic):
    result = check(hclic, {})
    assert (result["errors"], result["warnings"], result["rejected"], result["cleared"]) == ([], [], {}, [])
    assert result["status"] == "completed"


# --- Repeat groups ------------------------------------------------------------------


def test_the_people_group_is_one_block_expanded_for_persons_2_to_8(hclic):
    definition = hclic.definition("case", 2025)
    people = [q for q in definition.questions.values() if q.repeat == "person"]
    assert [q.id for q in people if q.index == 2] == [
        "relat2", "age2", "sex2", "ethnic2", "nationality2", "ecstat2", "sexid2", "genderid2"]
    assert {q.index for q in people} == set(range(2, 9)) and len(people) == 7 * 8
    age5 = definition.questions["age5"]
    assert (age5.text, age5.bulk_upload["header"], age5.page.show_if.source) == (
        "What is person 5's age?", "Age of person 5", "hhmembers >= 5")


def test_the_placement_group_is_one_block_expanded_for_placements_1_to_5(hclic):
    definition = hclic.definition("case", 2025)
    placements = [q for q in definition.questions.values() if q.repeat == "placement"]
    assert [q.id for q in placements if q.index == 3] == [
        "tatype3", "taduty3", "taoutside3", "taregion3", "tastart3", "taend3"]
    assert {q.index for q in placements} == set(range(1, 6))
    assert definition.questions["tatype4"].codes == {1, 2, 3, 4, 5, 6}  # table TA1's six types
    assert definition.questions["taend4"].optional is True  # blank while the household is still there


def test_routing_keeps_only_the_members_and_placements_the_case_has(hclic):
    definition = hclic.definition("case", 2025)
    values, errors = normalise(definition, {**CASE, "hhmembers": 2, "taplacements": 1})
    assert not errors
    kept, cleared, applicable = route(definition, values, context(definition))
    assert cleared == ["age3", "ethnic3", "nationality3", "relat3", "sex3",
                       "taduty2", "taoutside2", "taregion2", "tastart2", "tatype2"]
    # Person 2 is a child of 8: not asked an adult's employment, sexual or gender identity.
    assert [q.id for q in applicable if q.repeat == "person"] == ["relat2", "age2", "sex2", "ethnic2", "nationality2"]


def test_derived_household_type_counts_the_people_group(hclic):
    household = {"adults", "children", "hhtype"}
    assert {k: v for k, v in check(hclic, {})["derived"].items() if k in household} == {
        "adults": 1, "children": 2, "hhtype": 1}
    couple = check(hclic, {"relat3": 1, "age3": 36})["derived"]
    assert (couple["adults"], couple["children"], couple["hhtype"]) == (2, 1, 3)
    alone = check(hclic, {"hhmembers": 1})["derived"]
    assert (alone["adults"], alone["children"], alone["hhtype"]) == (1, 0, 2)


# --- Rules, per case, per member and per placement ------------------------------------

RULE_CASES = [
    # rule id, answers that make it fire, answers that do not
    ("assessdate_not_before_appdate", {"assessdate": "2025-05-01"}, {"assessdate": "2025-05-06"}),
    ("assessdate_not_in_future", {"assessdate": "2025-09-02"}, {"assessdate": "2025-09-01"}),
    ("mainduty_after_relief_ends", {"reliefend": None}, {"reliefend": 5}),
    ("mddate_not_before_assessdate", {"mddate": "2025-05-19"}, {"mddate": "2025-05-20"}),
    ("young_person_need_age", {"supportneeds": 1, "sn_young1617": 1}, {"supportneeds": 1, "sn_young1617": 1, "age1": 17}),
    ("partner_age_3", {"relat3": 1, "age3": 15}, {"relat3": 1, "age3": 16}),
    ("child_age_gap_2", {"age2": 23}, {"age2": 22}),
    ("placement_end_after_start_1", {"taend1": "2025-05-05"}, {"taend1": "2025-05-06"}),
    ("placement_after_application_2", {"tastart2": "2025-05-05", "taend1": None}, {"tastart2": "2025-05-06", "taend1": None}),
    ("placements_in_order_2", {"tastart2": "2025-05-31"}, {"tastart2": "2025-06-02"}),
    # Cross-section rules, against the whole case.
    ("reliefenddate_not_before_relief_owed", {"reliefenddate": "2025-05-19"}, {"reliefenddate": "2025-05-20"}),
    ("mddate_not_before_relief_ends", {"reliefenddate": "2025-07-16"}, {"reliefenddate": "2025-07-15"}),
    ("child_older_than_applicant_3", {"age3": 34}, {"age3": 33}),
    ("placement_duty_is_main_duty_2", {"mainduty": 3}, {"mainduty": 1}),
    ("closure_needs_assistance", {"closedate": "2025-08-01"}, {"closedate": "2025-08-01", "closeassist": 3}),
    ("closed_with_placement_current", {"closedate": "2025-08-01", "closeassist": 1},
     {"closedate": "2025-08-01", "closeassist": 1, "taend2": "2025-08-01"}),
]


@pytest.mark.parametrize("rule_id, fires, passes", RULE_CASES, ids=[c[0] for c in RULE_CASES])
def test_each_rule_fires_and_passes(hclic, rule_id, fires, passes):
    assert rule_id in check(hclic, fires)["fired"]
    assert rule_id not in check(hclic, passes)["fired"]


# Every rule has a firing case and a near miss in the package's rule cases
# (test_hclic_rule_cases.py holds it to that); these are some of them in a whole case.


def test_a_member_rule_fires_for_that_member_only_and_blocks_only_its_value(hclic):
    result = check(hclic, {"hhmembers": 4, "relat3": 1, "age3": 12, "relat4": 1, "age4": 30, "sex4": 1})
    assert {r for r in result["fired"] if r.startswith("partner_age")} == {"partner_age_3"}
    assert [e["rule"] for e in result["errors"]] == ["partner_age_3"]
    assert result["errors"][0]["message"] == "Person 3 is the main applicant's partner, so must be 16 or older."
    # A hard rule keeps the values it blames out of the record; the other members' answers are stored.
    assert set(result["rejected"]) == {"relat3", "age3"}
    assert result["kept"]["age4"] == 30 and result["kept"]["age2"] == 8


def test_a_soft_member_rule_names_the_member_in_its_message(hclic):
    result = check(hclic, {"age3": 30})
    assert [w["rule"] for w in result["warnings"]] == ["child_age_gap_3"]
    assert result["warnings"][0]["message"] == (
        "You told us person 3 is the main applicant's child and is 30, and the main applicant is 34.")
    assert result["warnings"][0]["attach_to"] == ["age3"] and result["status"] == "in_progress"


def test_a_placement_rule_fires_for_that_placement_only(hclic):
    result = check(hclic, {"taend2": "2025-05-31"})
    assert [e["rule"] for e in result["errors"]] == ["placement_end_after_start_2"]
    assert result["errors"][0]["message"] == "The end date of placement 2 must not be before its start date."
    assert result["rejected"] == {"taend2": dt.date(2025, 5, 31)}
    assert "taend2" not in result["kept"] and result["kept"]["taend1"] == dt.date(2025, 6, 1)


# --- The later version ---------------------------------------------------------------


def test_2026_states_only_its_differences_and_they_are_the_placement_types(hclic):
    old, new = hclic.definition("case", 2025), hclic.definition("case", 2026)
    assert (new.valid_from, new.valid_to) == (dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert list(new.variables) == list(old.variables)
    differing = [q for q in new.questions if
                 (new.questions[q].options, new.questions[q].retired_options) != (old.questions[q].options, old.questions[q].retired_options)]
    assert differing == [f"tatype{n}" for n in range(1, 6)]
    tatype = new.questions["tatype1"]
    assert tatype.codes == {1, 2, 3, 4, 5, 7, 8}
    assert tatype.retired_options == [(6, old.questions["tatype1"].label_for(6))]


def test_2026_inherits_every_rule_and_derivation_without_a_copy(hclic):
    old, new = hclic.rule_pack("case", 2025), hclic.rule_pack("case", 2026)
    assert [r.id for r in new.rules] == [r.id for r in old.rules]
    assert [d.id for d in new.derivations] == [d.id for d in old.derivations]


def test_the_code_retired_in_2026_can_be_chosen_in_2025_but_not_in_2026(hclic):
    assert not normalise(hclic.definition("case", 2025), {"tatype1": 6})[1]
    values, errors = normalise(hclic.definition("case", 2026), {"tatype1": 6})
    assert [(e.field, e.rule, e.message) for e in errors] == [
        ("tatype1", "retired_option", "“Any other type of temporary accommodation (including private landlord and not "
                                      "known)” (6) is no longer an answer to Type of placement 1: choose “Private "
                                      "landlord” (7) or “Any other type of temporary accommodation or not known” (8).")]
    assert "tatype1" not in values


def test_the_code_retired_in_2026_stays_valid_where_the_record_already_holds_it(hclic):
    definition = hclic.definition("case", 2026)
    values, errors = normalise(definition, {"tatype1": 6}, existing={"tatype1": 6})
    assert not errors and values == {"tatype1": 6}
    # Only for the variable that holds it: another placement cannot take it up.
    _, errors = normalise(definition, {"tatype2": 6}, existing={"tatype1": 6})
    assert [e.rule for e in errors] == ["retired_option"]


@pytest.mark.parametrize("question, retired", [
    ("reason", {29, 30, 31}), ("accom", {21}), ("preventend", {12}), ("reliefend", {12}),
])
def test_codes_the_2025_tables_report_as_retired_are_readable_not_offered(hclic, question, retired):
    definition = hclic.definition("case", 2025)
    q = definition.questions[question]
    assert q.all_codes - q.codes == retired
    for code in retired:
        assert q.label_for(code)  # still has its label for the records that hold it
        assert [e.rule for e in normalise(definition, {question: code})[1]] == ["retired_option"]
        assert normalise(definition, {question: code}, existing={question: code})[1] == []
