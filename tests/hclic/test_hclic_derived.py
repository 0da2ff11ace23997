"""H-CLIC's derived values, over households and cases made for each: the household
type and age group the published tables count by, each duty's length, each temporary
accommodation placement's length of stay and band (table TA4), the current placement,
and the table column each duty's end reason is counted in."""

import datetime as dt

import pytest

from cldc.platform import registry
from cldc.platform.records.gateway import evaluate

TODAY = dt.date(2026, 1, 15)


def derived(answers, version=2025, today=TODAY):
    """The derived values the gateway stores for a new case with these answers."""
    hclic = registry.get("hclic")
    definition, pack = hclic.definition("case", version), hclic.rule_pack("case", version)
    context = {"today": today, "version": version,
               "collection_start": definition.valid_from, "collection_end": definition.valid_to}
    return evaluate(definition, pack, {}, answers, context, "api", {}).derived


def household(age1, *members):
    """A household: the main applicant's age, then (relationship, age) of each other member."""
    answers = {"age1": age1, "hhmembers": 1 + len(members)}
    for n, (relat, age) in enumerate(members, start=2):
        answers |= {f"relat{n}": relat, f"age{n}": age}
    return answers


PARTNER, CHILD, OTHER = 1, 2, 3

HOUSEHOLDS = [
    # members, (adults, dependent children, table A5P's household type)
    (household(30), (1, 0, 2)),  # single adult
    (household(30, (CHILD, 4)), (1, 1, 1)),  # single parent
    (household(30, (CHILD, 17)), (1, 1, 1)),  # the applicant's child of 17 is a dependent child
    (household(30, (PARTNER, 31), (CHILD, 2), (CHILD, 15)), (2, 2, 3)),  # couple with children
    (household(30, (PARTNER, 31)), (2, 0, 4)),  # couple without
    (household(17, (PARTNER, 17)), (2, 0, 4)),  # a partner of 17 is an adult, not a child
    (household(45, (OTHER, 17)), (2, 0, 4)),  # so is another relative of 17
    (household(45, (OTHER, 15)), (1, 1, 1)),  # ...but not one under 16
    (household(50, (PARTNER, 50), (CHILD, 19), (CHILD, 12)), (3, 1, 5)),  # three adults with a child
    (household(50, (PARTNER, 50), (CHILD, 19), (CHILD, 22)), (4, 0, 6)),  # four adults without
]


@pytest.mark.parametrize("answers, expected", HOUSEHOLDS, ids=[str(i) for i in range(len(HOUSEHOLDS))])
def test_household_type_as_table_a5p_counts_it(answers, expected):
    values = derived(answers)
    assert (values["adults"], values["children"], values["hhtype"]) == expected


def test_no_household_type_without_the_main_applicants_age():
    assert "hhtype" not in derived({"hhmembers": 1})


@pytest.mark.parametrize("age, group", [
    (16, 1), (17, 1), (18, 2), (24, 2), (25, 3), (34, 3), (35, 4), (44, 4), (45, 5), (54, 5), (55, 6), (64, 6),
    (65, 7), (74, 7), (75, 8), (120, 8)])
def test_the_main_applicants_age_group_is_table_a6s_band(age, group):
    assert derived({"age1": age})["agegroup1"] == group


def test_no_age_group_without_an_age():
    assert "agegroup1" not in derived({"sex1": 1})


def test_each_duty_lasts_from_its_start_to_its_end_in_days():
    # Prevention from the assessment, relief from the day it followed prevention, the main duty from its decision.
    case = {"appdate": "2025-05-01", "assessdate": "2025-05-06", "assessoutcome": 1, "preventend": 3,
            "preventenddate": "2025-07-01", "reliefstartdate": "2025-07-02", "reliefend": 2,
            "reliefenddate": "2025-08-27", "mainduty": 1, "mddate": "2025-09-01", "mdend": 1, "mdenddate": "2025-12-31"}
    values = derived(case)
    assert (values["prevdays"], values["reliefdays"], values["mddays"]) == (56, 56, 121)
    # A relief duty owed at the initial assessment starts on its date.
    relief = derived({"assessdate": "2025-05-06", "assessoutcome": 2, "reliefend": 2, "reliefenddate": "2025-07-01"})
    assert relief["reliefdays"] == 56 and "prevdays" not in relief


def test_a_duty_still_running_has_no_length():
    values = derived({"assessdate": "2025-05-06", "assessoutcome": 1})
    assert not {"prevdays", "reliefdays", "mddays"} & set(values)


@pytest.mark.parametrize("start, end, band", [
    ("2025-06-21", "2025-12-20", 1),  # a day short of 6 months: less than 6 months
    ("2025-06-21", "2025-12-21", 2),  # 6 months to the day
    ("2025-01-31", "2026-01-30", 2),
    ("2025-01-31", "2026-01-31", 3),  # a year: 1 to 2 years
    ("2023-01-31", "2025-01-30", 3),
    ("2023-01-31", "2025-01-31", 4),  # two years: 2 to 5 years
    ("2020-02-29", "2025-02-28", 4),
    ("2020-02-29", "2025-03-01", 5),  # five years: 5+ years
])
def test_a_placements_stay_is_in_table_ta4s_band(start, end, band):
    values = derived({"taplacements": 1, "tastart1": start, "taend1": end}, today=dt.date(2026, 3, 1))
    assert values["taband1"] == band
    assert values["tadays1"] == (dt.date.fromisoformat(end) - dt.date.fromisoformat(start)).days


def test_a_placement_still_going_is_measured_to_the_day_the_case_is_checked():
    answers = {"taplacements": 2, "tastart1": "2025-01-10", "taend1": "2025-03-01",
               "tastart2": "2025-03-01", "tatype1": 1, "tatype2": 5, "taduty1": 2, "taduty2": 1,
               "taoutside1": 1, "taregion1": 7, "taoutside2": 2}
    values = derived(answers, today=dt.date(2025, 9, 1))
    assert (values["tadays1"], values["taband1"]) == (50, 1)
    assert (values["tadays2"], values["taband2"]) == (184, 2)
    assert derived(answers, today=dt.date(2025, 8, 31))["taband2"] == 1
    # Tables TA1 and TA3 count the household by the placement it is in now.
    assert (values["ta_current"], values["tatype_current"], values["taduty_current"], values["taoutside_current"]) == (
        1, 5, 1, 2)


def test_of_two_placements_with_no_end_the_later_is_the_current_one():
    answers = {"taplacements": 2, "tastart1": "2025-03-01", "tastart2": "2025-01-10",
               "tatype1": 1, "tatype2": 5, "taduty1": 2, "taduty2": 1}
    values = derived(answers, today=dt.date(2025, 9, 1))
    assert (values["ta_current"], values["tatype_current"], values["taduty_current"]) == (2, 1, 2)


def test_a_household_no_longer_in_temporary_accommodation_has_no_current_placement():
    values = derived({"taplacements": 1, "tastart1": "2025-01-10", "taend1": "2025-03-01", "tatype1": 1, "taduty1": 2})
    assert values["ta_current"] == 0
    assert not {"tatype_current", "taduty_current", "taoutside_current"} & set(values)


@pytest.mark.parametrize("preventend, column", [(1, 1), (2, 1), (3, 2), (6, 5), (7, 6), (8, 6), (12, 6), (9, 7), (11, 9)])
def test_a_prevention_end_is_counted_in_its_table_p1_column(preventend, column):
    # Code 12 is retired: a case that holds it (stored) is counted with those that withdrew or died.
    hclic = registry.get("hclic")
    definition, pack = hclic.definition("case", 2025), hclic.rule_pack("case", 2025)
    context = {"today": TODAY, "version": 2025, "collection_start": definition.valid_from,
               "collection_end": definition.valid_to}
    stored = {"assessoutcome": 1, "preventend": preventend}
    assert evaluate(definition, pack, stored, {}, context, "api", {}).derived["prevendgroup"] == column


@pytest.mark.parametrize("reliefend, column", [(1, 1), (7, 7), (8, 8), (9, 8), (10, 9), (11, 10)])
def test_a_relief_end_is_counted_in_its_table_r1_column(reliefend, column):
    assert derived({"assessoutcome": 2, "reliefend": reliefend})["reliefendgroup"] == column


def test_initial_assessments_fall_in_table_a1s_two_groups():
    groups = [derived({"assessoutcome": code})["dutyowed"] for code in (1, 2, 3, 4, 5)]
    assert groups == [1, 1, 2, 2, 2]


def test_support_needs_are_counted_for_table_a3():
    answers = {"assessoutcome": 1, "supportneeds": 1, "sn_physical": 1, "sn_drugs": 1, "sn_alcohol": 1}
    assert derived(answers)["needcount"] == 3
    assert "needcount" not in derived({"assessoutcome": 1, "supportneeds": 2})
