"""CORE lettings soft checks (and two bulk-upload-only rules) that an expression
cannot say: rent, income and charge ranges from the reference tables, the household
pregnancy check, and phrase matching.

Each function takes (answers, context) and returns None when its rule does not fire,
or the message parameters (possibly none) when it does (see
collections/core/rules/lettings/soft.yaml and bulk_upload.yaml). Derived variables
(lettype, wrent) are used when the answers carry them, and computed here otherwise.
"""

import datetime as dt
import re

from cldc.collections.core.functions.formatting import money
from cldc.collections.core.functions.household import household_income_range, persons, weekly_net_income
from cldc.collections.core.functions.reference_tables import (
    MAX_BEDS_IN_RENT_RANGES,
    charge_limits,
    collection_start_year,
    rent_range,
)
from cldc.collections.core.functions.shared import LAST_PERSON, letting_type, provider_type, weekly_value
from cldc.platform.rules.functions import rule_function

# How the form words an amount per rent period (the suffixes of the brent, scharge,
# pscharge and supcharg questions on the weekly, 2-weekly, 4-weekly and monthly pages).
PERIOD_SUFFIX = {2: " every 2 weeks", 3: " every 4 weeks", 4: " every month"}
WEEKLY_SUFFIX = " every week"
INCOME_FREQUENCY = {1: "weekly", 2: "monthly", 3: "yearly"}  # incfreq labels, lower-cased as in the message
MALE = "M"


def amount_per_period(amount, period):
    """The form's label for a charge: '£100.00 every 2 weeks'."""
    return money(amount) + PERIOD_SUFFIX.get(period, WEEKLY_SUFFIX)


def weekly_rent(answers):
    if answers.get("brent") is None:
        return None
    derived = answers.get("wrent")
    return derived if derived is not None else weekly_value(answers["brent"], answers.get("period"))


# --- Rent -------------------------------------------------------------------------------


@rule_function("core.lettings.rent_in_soft_range")
def rent_in_soft_range(answers, context):
    """Weekly basic rent between the hard and soft minimum ('lower') or the soft and
    hard maximum ('higher') of the local authority's range for the letting type and
    bedrooms. Above the table's largest bedroom row, any rent over its soft maximum."""
    startdate, rent, beds = answers.get("startdate"), weekly_rent(answers), answers.get("beds")
    if not isinstance(startdate, dt.date) or rent is None:
        return None
    beds_to_look_up = 0 if answers.get("needstype") == 2 else beds
    limits = rent_range(collection_start_year(startdate), letting_type(answers, context), answers.get("la"), beds_to_look_up)
    if limits is None:
        return None
    lower = limits.hard_min <= rent <= limits.soft_min
    if beds is not None and beds > MAX_BEDS_IN_RENT_RANGES:
        higher = rent > limits.soft_max
    else:
        higher = limits.soft_max <= rent <= limits.hard_max
    if not (lower or higher):
        return None
    return {"brent": amount_per_period(answers["brent"], answers.get("period")), "higher_or_lower": "lower" if lower else "higher"}


# --- Income -----------------------------------------------------------------------------


@rule_function("core.lettings.net_income_in_soft_range")
def net_income_in_soft_range(answers, context):
    income, limits = weekly_net_income(answers), household_income_range(answers, context["version"])
    if income is None or limits is None:
        return None
    higher = limits.soft_max <= income <= limits.hard_max
    lower = limits.hard_min <= income <= limits.soft_min
    if not (higher or lower):
        return None
    return {
        "earnings": money(answers["earnings"]),
        "incfreq": INCOME_FREQUENCY.get(answers.get("incfreq"), ""),
        "net_income_higher_or_lower_text": "higher" if higher else "lower",
    }


# --- Charges ----------------------------------------------------------------------------


def _charge_in_soft_max_range(charge):
    def check(answers, context):
        needstype, provider, period = answers.get("needstype"), provider_type(context), answers.get("period")
        limits = charge_limits(context["version"]).get((charge, provider, needstype))
        amount = weekly_value(answers.get(charge), period)
        if limits is None or amount is None:
            return None
        soft_max, hard_max = limits
        if not soft_max < amount <= hard_max:
            return None
        return {charge: amount_per_period(answers[charge], period)}

    check.__name__ = f"{charge}_in_soft_max_range"
    return check


for _charge in ("scharge", "pscharge", "supcharg"):
    rule_function(f"core.lettings.{_charge}_in_soft_max_range")(_charge_in_soft_max_range(_charge))


# --- Household --------------------------------------------------------------------------


def _details_known(answers, n):
    return n == 1 or answers.get(f"details_known_{n}") == 0


def _is_male(answers, n):
    """Registered male at birth and identifies as male."""
    return answers.get(f"sexrab{n}") == MALE and answers.get(f"gender_same_as_sex{n}") == 1


def _sex_and_gender_given(answers, n):
    return _details_known(answers, n) and None not in (answers.get(f"sexrab{n}"), answers.get(f"gender_same_as_sex{n}"))


def _age_given(answers, n):
    return answers.get(f"age{n}") is not None and answers.get(f"age{n}_known") != 1


@rule_function("core.lettings.no_household_member_likely_to_be_pregnant")
def no_household_member_likely_to_be_pregnant(answers, context):
    """Somebody is pregnant, yet every member is male, or no member who is not male is
    aged 13 to 55 (judged only when every member's answers needed are given)."""
    hhmemb = answers.get("hhmemb")
    if answers.get("preg_occ") != 1 or (hhmemb is not None and hhmemb > LAST_PERSON):
        return None
    household = persons(answers)
    if not all(_sex_and_gender_given(answers, n) for n in household):
        return None
    not_male = [n for n in household if not _is_male(answers, n)]
    if not not_male:
        return {}
    if not all(_age_given(answers, n) for n in household):
        return None
    return None if any(13 <= answers[f"age{n}"] <= 55 for n in not_male) else {}


# --- Text answers -----------------------------------------------------------------------

def phrase_pattern(phrases):
    r"""CORE's test for a phrase in a text answer (soft_validations.rb): in any case, with
    no letter touching it, though digits and punctuation may ('1Domestic abuse.' holds
    'Domestic Abuse', 'Damper' does not hold 'Damp'). CORE's pattern is
    `\b[^[:alpha]]*PHRASE[^[:alpha:]]*\b`: its first class lacks a colon, read here as the
    intended non-letters, not as 'none of : a l p h' (which would find 'DA' in 'Fonda')."""
    alternatives = "|".join(map(re.escape, phrases))
    return re.compile(rf"\b[\W\d_]*(?:{alternatives})[\W\d_]*\b", re.IGNORECASE)


def _mentions(pattern, text):
    return {} if isinstance(text, str) and pattern.search(text) else None


# Phrases in an 'other' reason for leaving that suggest one of the listed reasons.
EXISTING_REASON = phrase_pattern((
    "Decant", "Decanted", "Refugee", "Asylum", "Ukraine", "Ukrainian", "Army", "Military", "Domestic Abuse",
    "Domestic Violence", "DA", "DV", "Relationship breakdown", "Overcrowding", "Overcrowded", "Too small",
    "More space", "Bigger property", "Damp", "Mould", "Fire", "Repossession", "Death", "Deceased",
    "Passed away", "Prison", "Hospital",
))
# Phrases in an 'other' tenancy type that say it is introductory or has a starter period.
INTRODUCTORY_OR_STARTER = phrase_pattern(("introductory", "intro", "starter"))


@rule_function("core.lettings.reasonother_might_be_existing_category")
def reasonother_might_be_existing_category(answers, context):
    return _mentions(EXISTING_REASON, answers.get("reasonother"))


@rule_function("core.lettings.tenancyother_might_be_introductory_or_starter_period")
def tenancyother_might_be_introductory_or_starter_period(answers, context):
    return _mentions(INTRODUCTORY_OR_STARTER, answers.get("tenancyother"))


# --- Bulk-upload-only rules ---------------------------------------------------------------


@rule_function("core.lettings.startdate_outside_upload_year")
def startdate_outside_upload_year(answers, context):
    """The tenancy start date is outside the collection year the file was uploaded for
    (the version's year)."""
    startdate, start, end = answers.get("startdate"), context.get("collection_start"), context.get("collection_end")
    if not isinstance(startdate, dt.date) or start is None or end is None or start <= startdate <= end:
        return None
    return {"year_combo": f"{start.year}/{end:%y}", "start_year": start.year, "end_year": end.year}


# referral_register codes a provider type may give, and the referral_noms and
# referral_org codes that follow each answer (blank otherwise).
REFERRAL_REGISTER = {"local_authority": range(1, 5), "prp": range(5, 10)}
REFERRAL_NOMS = {6: range(1, 5), 7: range(5, 9)}
REFERRAL_ORG = {1: range(1, 11), 7: range(11, 21)}


def _follows(value, previous, allowed):
    """A follow-up answer is in the range its previous answer allows, or blank when none is."""
    codes = allowed.get(previous)
    return value in codes if codes is not None else value is None


@rule_function("core.lettings.referral_fields_inconsistent")
def referral_fields_inconsistent(answers, context):
    """Not a renewal, and the parts of the source of referral do not fit together: the
    register must suit the owner's provider type (when known), and the nominations
    and referring organisation must follow from the answer before them."""
    if answers.get("renewal") == 1:
        return None
    register, noms, org = answers.get("referral_register"), answers.get("referral_noms"), answers.get("referral_org")
    provider = provider_type(context)
    register_ok = provider is None or register in REFERRAL_REGISTER[provider]
    if register_ok and _follows(noms, register, REFERRAL_NOMS) and _follows(org, noms, REFERRAL_ORG):
        return None
    return {}
