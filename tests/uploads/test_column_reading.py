"""Column matching that reads a heading as a person does (issue 17): question numbers,
housing systems' shorthand, the column's values as evidence, and headings learned from
several organisations' hand matches. The headings here are the tests' own, apart from
the bench's labelled set (bench/data/provider_headings.csv)."""

import csv
from types import SimpleNamespace

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.uploads.automap import Target, Vocabulary, load_synonyms, suggest
from cldc.platform.uploads.column_values import EVIDENCE, RULED_OUT, Column, fit
from cldc.platform.uploads.mappings import column_plan, read_headings, save_columns
from cldc.platform.uploads.models import HandMatch, Upload


@pytest.fixture(scope="module")
def lettings():
    return registry.get("core").definition("lettings", 2026)


def one(definition, header, values=None):
    return suggest(definition, [header], values=None if values is None else [values])[0]


# --- Question numbers -------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["12. Tenancy code", "Q12a) Tenancy code", "12 - Tenancy code",
                                    "Question 12: Tenancy code", "q7 Tenancy code", "3b) Tenancy code"])
def test_a_leading_question_number_and_its_punctuation_are_not_read(header):
    assert Vocabulary({}).words(header) == ["tenancy", "code"]


@pytest.mark.parametrize("header", ["12 Tenancy code", "3 bedroom flats", "Tenancy code 12."])
def test_a_number_without_a_question_s_punctuation_stays(header):
    assert any(word in ("12", "3") for word in Vocabulary({}).words(header))


def test_a_numbered_paper_form_heading_maps_confidently(lettings):
    mapping = one(lettings, "41. What is the lead tenant's age?")
    assert (mapping.target, mapping.band) == (Target("age1"), "confident")


# --- Shorthand: the platform's and the package's ----------------------------------------------


@pytest.mark.parametrize("header, words", [
    ("Svc Chg Freq", ["service", "charge", "frequency"]), ("Prop Ref", ["property", "reference"]),
    ("Hhold Pcode", ["household", "postcode"]), ("Supp Chg PW", ["support", "charge"]),
    ("Tncy Econ Stat", ["tenancy", "economic", "status"]), ("NI No", ["national", "insurance", "number"]),
])
def test_housing_systems_shorthand_is_spelled_out(header, words):
    assert Vocabulary({}).words(header) == words


@pytest.mark.parametrize("header", ["Proper", "Chge", "Suppliers"])
def test_a_word_that_only_starts_like_shorthand_is_kept(header):
    assert Vocabulary({}).words(header) == [header.lower().rstrip("s")]


def test_the_package_declares_its_own_shorthand(lettings):
    assert Vocabulary(load_synonyms(lettings)).words("Ecstat") == ["economic", "status"]
    assert Vocabulary({}).words("Ecstat") == ["ecstat"]  # not the platform's: CORE's own word


@pytest.mark.parametrize("header, variable", [("Svc Chg", "scharge"), ("Supp Chg", "supcharg"),
                                              ("Hhold Size", "hhmemb"), ("Occ 2 Relat", None)])
def test_shorthand_headings_map_to_their_questions(lettings, header, variable):
    mapping = one(lettings, header)
    if variable is None:  # "Occ" is no person word: not read as person 2
        assert mapping.target != Target("relat2") or mapping.band != "confident"
    else:
        assert (mapping.target, mapping.band) == (Target(variable), "confident")


# --- Values as evidence -------------------------------------------------------------------------


def test_amounts_choose_the_amount_and_yes_no_the_question_of_whether_it_is_known(lettings):
    heading = "Total income after tax"
    assert one(lettings, heading).band == "doubtful"  # the heading alone fits both
    amounts = one(lettings, heading, ["240", "1100", "17000"])
    answers = one(lettings, heading, ["Yes", "No", "Yes"])
    assert (amounts.target, amounts.band) == (Target("earnings"), "confident")
    assert (answers.target, answers.band) == (Target("net_income_known"), "confident")


@pytest.mark.parametrize("values", [["forty"], ["34", "150"], ["34", "n/a", "fifty", "x"]])
def test_a_surely_named_column_keeps_its_question_whatever_mistakes_its_values_hold(lettings, values):
    # Its mistakes are each row's to report on the right field; unmatched, the column
    # would be left out and its answers lost without a word.
    sure = one(lettings, "Lead tenant's age")
    assert sure.band == "confident"
    assert (one(lettings, "Lead tenant's age", values).target, one(lettings, "Lead tenant's age", values).band) == (
        sure.target, "confident")


def test_dates_choose_a_date_question(lettings):
    assert one(lettings, "Tncy Start", ["01/04/2026", "2026-05-02"]).alternatives[0].target != Target("startertenancy")
    assert Target("startertenancy") in [s.target for s in one(lettings, "Tncy Start").alternatives]


def test_ages_confirm_an_age_and_numbers_out_of_range_rule_it_out(lettings):
    assert one(lettings, "Occupant age", ["34", "56", "81"]).score > one(lettings, "Occupant age").score
    assert one(lettings, "Occupant age", ["1400", "3"]).target is None


def test_frequencies_fit_a_question_whose_answers_they_are(lettings):
    # "Freq" is a rent period or an income's frequency; monthly and fortnightly are only a rent period's
    with_values = one(lettings, "Freq", ["Fortnightly", "Every 4 weeks", "Calendar monthly"])
    without = one(lettings, "Freq")
    assert with_values.target == Target("period")
    assert with_values.score > without.score


@pytest.mark.parametrize("values, shape", [
    (["SW1A 1AA", "m1 1ae", "B33 8TH"], "postcode"), (["SW1A", "M1"], "words"), (["01/04/2026", "2026-04-01"], "date"),
    (["1", "2.5", "£40"], "number"), (["12", "R", "40"], "number"), (["12", "R", "N/K"], "words"), ([], None),
    (["", "  "], None),
])
def test_a_column_takes_the_shape_of_most_of_its_values(values, shape):
    assert Column(values).shape == shape


def test_a_postcode_column_fits_a_postcode_question(lettings):
    assert one(lettings, "Prop Loc", ["SW1A 1AA", "LS1 4AP"]).suggestions[0].target == Target("postcode_full")
    assert one(lettings, "Prop Loc").suggestions[0].target != Target("postcode_full")


# --- The band stays honest -----------------------------------------------------------------------

OWN_HEADINGS = {  # heading: (the question it answers or None, some of its values)
    "TEN_CODE": ("tenancycode", ["T1", "T2"]), "Q1. Start of tenancy": ("startdate", ["01/04/2026", "03/04/2026"]),
    "Prop Ident": ("propcode", ["X1", "X2"]), "Hhold Members": ("hhmemb", ["2", "4"]),
    "LEAD_ECON": ("ecstat1", ["1", "2"]), "Tenant 2 Relat": ("relat2", ["P", "X"]),
    "Svc Chg PW": ("scharge", ["3.50", "0"]), "Rent Freq": ("period", ["Weekly for 52 weeks", "Calendar monthly"]),
    "Inc Freq": ("incfreq", ["Weekly", "Monthly"]), "Bedroom Count": ("beds", ["1", "3"]),
    "Prev Pcode": ("ppostcode_full", ["LS2 7AA", "LS6 1AA"]), "Contact Mob No": (None, ["07700 900000"]),
    "Kin Name": (None, ["A Person"]), "Email": (None, ["a@example.com"]),
}


def test_no_confident_match_is_wrong_on_the_tests_own_headings(lettings):
    headings = list(OWN_HEADINGS)
    mappings = suggest(lettings, headings, values=[OWN_HEADINGS[h][1] for h in headings])
    expected = {h: Target(v) if v else None for h, (v, _) in OWN_HEADINGS.items()}
    confidently_wrong = [m.header for m in mappings if m.band == "confident" and m.target != expected[m.header]]
    right = [m.header for m in mappings if (m.band != "unmapped" and m.target == expected[m.header])
             or (m.band == "unmapped" and expected[m.header] is None)]
    assert confidently_wrong == []
    assert len(right) >= 0.9 * len(headings), sorted(set(headings) - set(right))


# --- Learned from several organisations ------------------------------------------------------------

HEADING, LEARNED_TARGET, SECRET = "Outlay Amt", Target("rent"), "4321.09"


def _provider_file(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Visit Ref", HEADING])
        writer.writerow(["V-1", SECRET])
    return path


def _match_by_hand(tmp_path, organisation, target=LEARNED_TARGET):
    path = _provider_file(tmp_path, f"org{organisation.pk}")
    upload = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=organisation,
                                   filename=path.name, path=str(path), layout="headers")
    _, columns = read_headings(upload)
    plan = column_plan(upload, columns)
    for choice in plan:
        if choice.header == HEADING:
            choice.target = target
    save_columns(upload, plan, None)
    return upload


def _offered(tmp_path, organisation):
    path = _provider_file(tmp_path, f"new{organisation.pk}")
    upload = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=organisation,
                                   filename=path.name, path=str(path), layout="headers")
    _, columns = read_headings(upload)
    return next(choice for choice in column_plan(upload, columns) if choice.header == HEADING)


@pytest.mark.django_db
def test_a_heading_matched_by_hand_by_enough_organisations_is_offered_to_others(visits_service, make_organisation,
                                                                                 tmp_path, settings):
    settings.CLDC_MATCHES_LEARNED_FROM = 3
    with schema_context("visits"):
        newcomer = make_organisation("Newcomer")
        before = _offered(tmp_path, newcomer)
        assert before.target != LEARNED_TARGET  # the heading alone does not say it
        for n in range(3):
            _match_by_hand(tmp_path, make_organisation(f"Hand matcher {n}"))
        after = _offered(tmp_path, newcomer)
        assert (after.target, after.band) == (LEARNED_TARGET, "doubtful")  # offered, never applied
        assert after.suggestions[0].target == LEARNED_TARGET


@pytest.mark.django_db
def test_fewer_organisations_than_the_setting_teach_nothing(visits_service, make_organisation, tmp_path, settings):
    settings.CLDC_MATCHES_LEARNED_FROM = 3
    with schema_context("visits"):
        _match_by_hand(tmp_path, make_organisation("Few 1"))
        twice = make_organisation("One organisation twice")
        _match_by_hand(tmp_path, twice)
        _match_by_hand(tmp_path, twice)  # an organisation counts once
        assert HandMatch.objects.filter(heading=HEADING.lower()).count() == 2
        assert _offered(tmp_path, make_organisation("Newcomer")).target != LEARNED_TARGET
        settings.CLDC_MATCHES_LEARNED_FROM = 2
        assert _offered(tmp_path, make_organisation("Later newcomer")).target == LEARNED_TARGET


@pytest.mark.django_db
def test_only_the_heading_and_question_are_kept_never_a_value(visits_service, make_organisation, tmp_path):
    with schema_context("visits"):
        _match_by_hand(tmp_path, make_organisation("Keeper"))
        kept = list(HandMatch.objects.values())
        assert [(k["heading"], k["target"]) for k in kept] == [(HEADING.lower(), "rent")]
        assert not any(SECRET in str(value) for row in kept for value in row.values())
        assert {f.name for f in HandMatch._meta.get_fields()} == {
            "id", "organisation", "collection", "record_type", "heading", "target", "matched_at"}


@pytest.mark.django_db
def test_a_confident_match_left_as_it_is_is_not_a_hand_match(visits_service, make_organisation, tmp_path):
    with schema_context("visits"):
        _match_by_hand(tmp_path, make_organisation("Accepter"))
        assert not HandMatch.objects.filter(heading="visit ref").exists()  # confident, accepted
        assert HandMatch.objects.filter(heading=HEADING.lower()).exists()


@pytest.mark.parametrize("headers, values, meant", [
    # a date question and an age from a date of birth both fit dates: the sure one stays sure
    (["Main Applicant Date of Birth"], [["01/06/1991", "12/12/1980"]], ["dob1"]),
    # small whole numbers could be codes: they lift no count above a question with options
    (["Number of TA Placements", "TA Placement 1 Duty"], [["0", "2"], ["1", "1"]], ["taplacements", "taduty1"]),
])
def test_values_never_make_a_sure_match_unsure(headers, values, meant):
    definition = registry.get("hclic").definition("case", 2026)
    mappings = suggest(definition, headers, values=values)
    assert [(m.target.variable, m.band) for m in mappings] == [(v, "confident") for v in meant]


@pytest.mark.parametrize("values, evidence", [(["1", "2"], 0), (["95.50", "101.20"], EVIDENCE), (["250", "1200"], EVIDENCE),
                                              (["-1"], RULED_OUT)])
def test_only_amounts_fit_a_number_question_small_whole_numbers_could_be_codes(values, evidence):
    question = SimpleNamespace(type="numeric", min=0, max=None, options=[])
    assert fit(Column(values), question, "whole", is_age=False, is_postcode=False) == evidence


@pytest.mark.parametrize("values, evidence", [
    (["240", "1100"], RULED_OUT),  # amounts, not codes
    (["3", "12"], 0),  # 12 is a retired answer: the row's checks say so, the column is still this question's
    (["3", "3", "2", "99"], 0),  # one mistake does not rule the column out
])
def test_numbers_past_every_code_rule_out_a_question_with_options(values, evidence):
    question = SimpleNamespace(type="radio", min=None, max=None, options=[(1, "Yes"), (2, "No"), (3, "Don't know")],
                               all_codes={1, 2, 3, 12})
    assert fit(Column(values), question, "whole", is_age=False, is_postcode=False) == evidence
