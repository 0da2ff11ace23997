"""A row of a provider's own file layout turned into answers, once its columns are
mapped (cldc.platform.uploads.provider_rows), on the CORE 2026/27 and H-CLIC
definitions. No database."""

import dataclasses
import re
from pathlib import Path

import pytest

from cldc.platform import registry
from cldc.platform.definitions.lint import lint
from cldc.platform.uploads import provider_rows
from cldc.platform.uploads.automap import Target
from cldc.platform.uploads.provider_rows import (CONFIDENT, DOUBTFUL, HeaderLayout, match_value, parse_target,
                                                 target_key, value_guess, value_key)


@pytest.fixture(scope="module")
def lettings():
    return registry.get("core").definition("lettings", 2026)


@pytest.fixture(scope="module")
def hclic():
    return registry.get("hclic").definition("case", 2025)


def row(definition, targets, cells, value_map=None):
    """answers() of one row whose columns, in order, answer `targets`."""
    layout = HeaderLayout(definition, dict(enumerate(targets)), value_map)
    return layout.answers({i: text for i, text in enumerate(cells) if text is not None})


def messages(problems):
    return [p["message"] for p in problems]


# --- Saving targets and values ------------------------------------------------------------


@pytest.mark.parametrize("target, key", [(Target("startdate", "day"), "startdate:day"), (Target("age1"), "age1"),
                                         (Target("age1", "date_of_birth"), "age1:date_of_birth")])
def test_a_target_is_saved_as_a_key_and_read_back(target, key):
    assert target_key(target) == key
    assert parse_target(key) == target


def test_an_empty_key_is_a_column_that_is_not_needed():
    assert parse_target("") is None
    with pytest.raises(ValueError):
        parse_target("startdate:fortnight")


def test_values_compare_without_case_or_extra_spaces():
    assert value_key("  Weekly ") == value_key("weekly") == "weekly"
    assert value_key("Council   Tenant") == "council tenant"


# --- Option values ---------------------------------------------------------------------------


@pytest.mark.parametrize("question, raw, code", [
    ("sexrab1", "Female", "F"), ("sexrab1", "f", "F"), ("incfreq", "Weekly ", "1"), ("incfreq", "MONTHLY", "2"),
    ("renewal", "Y", "1"), ("renewal", "yes", "1"), ("renewal", "N", "0"), ("renewal", "No", "0"),
    ("incfreq", "01", "1"), ("incfreq", "3", "3"),
    ("unitletas", "Dont know", "3"), ("unitletas", "don't know", "3"),   # the label says Don’t know
    ("renewal", "2", "0"), ("relat2", "1", "P"), ("nationality_all", "AFG", "4"),  # the template's `codes` pairs
])
def test_a_provider_value_resolves_to_its_code(lettings, question, raw, code):
    assert match_value(lettings.questions[question], raw) == code


def test_a_value_nothing_matches_is_none_until_the_person_maps_it(lettings):
    period = lettings.questions["incfreq"]
    assert match_value(period, "Fortnightly") is None
    assert match_value(period, " fortnightly", {"incfreq": {"fortnightly": 2}}) == "2"
    assert match_value(period, "Weekly", {"incfreq": {"weekly": "3"}}) == "3"  # a confirmed mapping comes first


def test_a_council_tenant_is_offered_the_local_authority_tenancies(lettings):
    suggestions = value_guess(lettings.questions["prevten"], "Council tenant").suggestions
    assert len(suggestions) == 3
    assert all("local authority" in label for _, label, _ in suggestions[:2])
    assert suggestions[0][2] > suggestions[2][2]


@pytest.mark.parametrize("raw, code", [("Y", "1"), ("Yes", "1"), ("N", "0"), ("No", "0")])
def test_yes_and_no_are_suggested_first_and_strongly(lettings, raw, code):
    (best, _, score), *_ = value_guess(lettings.questions["renewal"], raw).suggestions
    assert (best, score) == (code, 100)


@pytest.mark.parametrize("question, raw, code", [
    ("prevten", "Living with family", "28"),    # one alternative of "Living with friends or family (long-term)"
    ("period", "Fortnightly", "2"), ("period", "4 weekly", "3"), ("incfreq", "Per annum", "3"),
    ("ecstat1", "Part time", "2"),               # the part before the dash of "Part-time – Less than 30 hours"
    ("sexrab1", "Refused", "R"), ("joint", "Not known", "3"), ("tenancy", "Licence", "5"),
])
def test_a_value_that_means_one_answer_is_a_confident_guess(lettings, question, raw, code):
    guess = value_guess(lettings.questions[question], raw)
    assert (guess.band, guess.code) == (CONFIDENT, code)


@pytest.mark.parametrize("question, raw", [
    ("prevten", "Council tenant"),       # fixed-term or lifetime?
    ("ecstat1", "Unemployed"),           # seeking work or not? (never long-term sick)
    ("unitletas", "No"),                 # not an answer to "Most recent let type" (never "Don't know")
    ("tenancy", "Assured"),              # in two answers' words
    ("reason", "Harassment"),            # only part of "Racial harassment"
    ("period", "Weekly"),                # weekly for how many weeks?
    ("sheltered", "Yes"),                # which kind?
])
def test_a_value_that_may_mean_several_answers_or_none_is_only_suggested(lettings, question, raw):
    guess = value_guess(lettings.questions[question], raw)
    assert guess.band == DOUBTFUL and len(guess.suggestions) == 3


def test_an_unresolved_option_value_is_passed_on_for_the_gateway(lettings):
    answers, problems = row(lettings, [Target("prevten"), Target("incfreq")], ["Council tenant", "Weekly "])
    assert answers == {"prevten": "Council tenant", "incfreq": "1"}
    assert problems == []


def test_the_layouts_value_map_resolves_values(lettings):
    answers, _ = row(lettings, [Target("prevten")], ["council tenant "], {"prevten": {"council tenant": 30}})
    assert answers == {"prevten": "30"}


# --- Dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("written", [
    "05/04/2026", "5/4/26", "05-04-2026", "05.04.2026", "2026-04-05", "2026-04-05 00:00:00", "2026-04-05T00:00:00",
    "5 April 2026", "05-Apr-2026", "5 Apr 26", "5th April 2026", "5 apr. 2026", " 05/04/2026 ",
])
def test_common_uk_date_formats_are_read_day_first(lettings, written):
    assert row(lettings, [Target("startdate")], [written]) == ({"startdate": "2026-04-05"}, [])


def test_day_first_even_when_the_day_could_be_a_month(lettings):
    assert row(lettings, [Target("startdate")], ["01/12/2026"])[0] == {"startdate": "2026-12-01"}


@pytest.mark.parametrize("written, message", [
    ("31/02/2026", "“31/02/2026” is not a real date for Tenancy start date."),
    ("next Tuesday", "“next Tuesday” is not a date we can read for Tenancy start date: write it as DD/MM/YYYY, "
                     "for example 05/04/2026."),
    ("5 Foo 2026", "“5 Foo 2026” is not a date we can read for Tenancy start date: write it as DD/MM/YYYY, "
                   "for example 05/04/2026."),
])
def test_a_date_that_is_not_a_date_is_a_problem_naming_the_value_and_question(lettings, written, message):
    answers, problems = row(lettings, [Target("tenancycode"), Target("startdate")], ["T1", written])
    assert answers == {"tenancycode": "T1"}
    assert problems == [{"column": 1, "variable": "startdate", "rule": "bu_field_format", "message": message}]


SPLIT_DATE = [Target("startdate", "day"), Target("startdate", "month"), Target("startdate", "year")]


@pytest.mark.parametrize("day, month, year", [("5", "4", "2026"), ("05", "April", "26"), ("5", "apr", "2026"),
                                              ("5", "Apr.", "2026")])
def test_day_month_and_year_columns_make_one_date(lettings, day, month, year):
    assert row(lettings, SPLIT_DATE, [day, month, year]) == ({"startdate": "2026-04-05"}, [])


def test_a_split_date_with_a_part_missing_is_a_problem_on_that_column(lettings):
    answers, problems = row(lettings, SPLIT_DATE, ["5", "", "2026"])
    assert answers == {}
    assert problems[0]["column"] == 1
    assert messages(problems) == ["Tenancy start date has no month: fill in every part."]


def test_a_split_date_that_does_not_exist_is_a_problem(lettings):
    _, problems = row(lettings, SPLIT_DATE, ["31", "Feb", "2026"])
    assert messages(problems) == ["“31/Feb/2026” is not a real date for Tenancy start date."]


# --- Two parts ---------------------------------------------------------------------------------


def test_the_two_parts_of_a_postcode_are_joined_with_one_space(lettings):
    targets = [Target("postcode_full", "part1"), Target("postcode_full", "part2")]
    assert row(lettings, targets, [" SW1A", "1AA "]) == ({"postcode_full": "SW1A 1AA"}, [])
    answers, problems = row(lettings, targets, ["SW1A", None])
    assert answers == {}
    assert messages(problems) == ["Postcode has no second part: fill in every part."]


# --- Ages from dates of birth --------------------------------------------------------------------


@pytest.mark.parametrize("born, age", [("04/04/1990", "36"), ("05/04/1990", "36"), ("06/04/1990", "35"),
                                       ("06/04/90", "35"), ("29 Feb 1988", "38")])
def test_a_date_of_birth_gives_the_age_at_the_start_date(lettings, born, age):
    # The date of birth's column comes first: it is still worked out after the start date.
    answers, problems = row(lettings, [Target("age1", "date_of_birth"), Target("startdate")], [born, "5/4/2026"])
    assert problems == []
    assert answers == {"startdate": "2026-04-05", "age1": age, "age1_known": "0"}  # when_given: the age is known


def test_a_leap_day_birthday_comes_on_the_first_of_march(lettings):
    targets = [Target("startdate"), Target("age1", "date_of_birth")]
    assert row(lettings, targets, ["28/02/2027", "29/02/2008"])[0]["age1"] == "18"
    assert row(lettings, targets, ["01/03/2027", "29/02/2008"])[0]["age1"] == "19"


def test_a_date_of_birth_needs_the_start_date_of_the_same_row(lettings):
    targets = [Target("startdate"), Target("age2", "date_of_birth")]
    for start in (None, "31/02/2026"):
        answers, problems = row(lettings, targets, [start, "06/04/1990"])
        assert "age2" not in answers
        assert messages(problems)[-1] == ("Person 2’s age cannot be worked out from the date of birth “06/04/1990” "
                                          "without the row’s Tenancy start date.")


def test_a_date_of_birth_after_the_start_date_is_a_problem(lettings):
    _, problems = row(lettings, [Target("startdate"), Target("age1", "date_of_birth")], ["5/4/2026", "6/4/2026"])
    assert messages(problems) == ["The date of birth “6/4/2026” is after the Tenancy start date (05/04/2026)."]


def test_an_unreadable_date_of_birth_is_a_problem(lettings):
    _, problems = row(lettings, [Target("startdate"), Target("age1", "date_of_birth")], ["5/4/2026", "unknown"])
    assert messages(problems)[0].startswith("“unknown” is not a date of birth we can read for Lead tenant’s age")


def test_a_definition_without_ages_at_cannot_turn_dates_of_birth_into_ages(hclic):
    _, problems = row(hclic, [Target("appdate"), Target("age1", "date_of_birth")], ["5/4/2025", "6/4/1990"])
    assert messages(problems) == ["Main applicant's age cannot be worked out from a date of birth: "
                                  "hclic case 2025 does not say at what date ages are counted."]


def test_the_core_definitions_count_ages_at_their_start_and_sale_dates(lettings):
    sales = registry.get("core").definition("sales", 2026)
    assert (lettings.ages_at, sales.ages_at) == ("startdate", "saledate")
    assert lettings.variables["startdate"].type == sales.variables["saledate"].type == "date"
    assert not [p for p in lint(lettings) if "ages_at" in p]


def test_lint_reports_an_ages_at_that_is_not_a_date_question(lettings):
    for wrong in ("age1", "nothing"):
        problems = lint(dataclasses.replace(lettings, ages_at=wrong))
        assert any(f"ages_at names {wrong!r}, which is not a date question" in p for p in problems)


# --- Person questions and the template's markers ------------------------------------------------


def test_a_person_column_answers_that_persons_question_and_implies_the_age_is_known(lettings):
    # "P2 Age" -> Target("age2") is automap's business; here the target is given.
    assert row(lettings, [Target("age2")], ["34"]) == ({"age2": "34", "age2_known": "0"}, [])


def test_a_marker_sets_the_other_variable_instead(lettings):
    assert row(lettings, [Target("age2")], ["R"]) == ({"age2_known": "1"}, [])


def test_a_column_of_its_own_beats_what_a_value_implies(lettings):
    # The "known?" column comes first, so the age cannot simply overwrite what it implies.
    answers, _ = row(lettings, [Target("age2_known"), Target("age2")], ["1", "34"])
    assert answers == {"age2": "34", "age2_known": "1"}


# --- Checkboxes, numbers, text, blanks -------------------------------------------------------


@pytest.mark.parametrize("written, stored", [("1", "1"), ("Y", "1"), ("yes", "1"), ("TRUE", "1"), ("x", "1"),
                                             ("Ticked", "1"), ("✓", "1"), ("0", "0"), ("n", "0"), ("No", "0"),
                                             ("FALSE", "0"), ("2", "0"), ("maybe", "maybe")])
def test_a_checkbox_option_column_takes_yes_and_no_words(lettings, written, stored):
    # "2" is the template's code for not ticked (its `codes` pairs); other values go to the gateway as written.
    assert row(lettings, [Target("cbl")], [written]) == ({"cbl": stored}, [])


def test_one_column_may_name_the_ticked_options_of_a_checkbox_question(hclic):
    answers, problems = row(hclic, [Target("needs")], ["Learning disability; old age, Drug dependency needs"])
    assert problems == []
    assert {name for name, value in answers.items() if value == "1"} == {"sn_learning", "sn_oldage", "sn_drugs"}
    assert answers["sn_physical"] == "0"
    _, problems = row(hclic, [Target("needs")], ["Old age; Tall"])
    assert messages(problems) == ["“Tall” is not one of the answers to Support needs of the household."]


@pytest.mark.parametrize("written, stored", [("£1,234.50", "1234.50"), (" 250 ", "250"), ("£ 12", "12"),
                                             ("-£5", "-5"), ("1,5", "1,5"), ("about 300", "about 300")])
def test_numbers_lose_pound_signs_and_thousands_commas(lettings, written, stored):
    assert row(lettings, [Target("earnings")], [written])[0]["earnings"] == stored


def test_text_is_stripped(lettings):
    assert row(lettings, [Target("tenancycode")], ["  T/123 "]) == ({"tenancycode": "T/123"}, [])


def test_blank_cells_give_no_answer(lettings):
    targets = [Target("tenancycode"), Target("startdate"), Target("age1", "date_of_birth"),
               Target("sexrab1"), Target("cbl"), Target("postcode_full", "part1"), Target("postcode_full", "part2")]
    assert row(lettings, targets, ["", "  ", None, "", " ", "", None]) == ({}, [])


def test_a_target_the_definition_does_not_ask_is_refused(lettings):
    with pytest.raises(ValueError):
        HeaderLayout(lettings, {0: Target("no_such_question")})
    with pytest.raises(ValueError):
        HeaderLayout(lettings, {0: Target("tenancycode", "day")})


# --- Coded columns and the values to map ----------------------------------------------------------


def test_coded_columns_are_the_option_questions(lettings):
    layout = HeaderLayout(lettings, {0: Target("sexrab1"), 1: Target("age1"), 2: Target("startdate"), 3: Target("cbl"),
                                     4: Target("owning_organisation_id"), 5: Target("prevten")})
    assert layout.coded_columns() == {0: "sexrab1", 5: "prevten"}


def test_unmatched_values_are_counted_by_column_with_an_example(lettings):
    layout = HeaderLayout(lettings, {0: Target("prevten"), 1: Target("incfreq"), 2: Target("ethnic")},
                          {"incfreq": {"fortnightly": 2}})
    rows = [(2, {0: "Council tenant", 1: "Weekly", 2: "17"}), (3, {0: "council  tenant ", 1: "Fortnightly"}),
            (4, {0: "HA tenant", 1: "every so often"}), (5, {0: "3", 1: "  "})]
    assert layout.unmatched_values(iter(rows)) == {
        0: {"council tenant": ("Council tenant", 2), "ha tenant": ("HA tenant", 1)},
        1: {"every so often": ("every so often", 1)},
    }  # "17" for ethnicity is the template's marker, not an answer to map


def test_unmatched_values_keep_at_most_the_limit_of_distinct_values(lettings):
    layout = HeaderLayout(lettings, {0: Target("prevten")})
    rows = [(n, {0: f"Place {n % 5}"}) for n in range(100)]
    found = layout.unmatched_values(rows, limit=3)[0]
    assert found == {"place 0": ("Place 0", 20), "place 1": ("Place 1", 20), "place 2": ("Place 2", 20)}


# --- Generic -------------------------------------------------------------------------------------


def test_the_module_names_no_core_variable():
    names = set()
    for record_type in ("lettings", "sales"):
        names |= set(registry.get("core").definition(record_type, 2026).variables)
    # also ordinary words: `la` and `hb` are short for local authority and housing benefit in values
    names -= {"type", "value", "la", "hb", "tenancy"}
    source = Path(provider_rows.__file__).read_text()
    assert not names & set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", source))
