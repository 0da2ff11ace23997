"""CORE lettings hard rules that an expression cannot say: amounts converted to a
weekly figure by rent period, household income ranges, rent ranges by local
authority, charge maxima by provider type, and the collection year's dates.

Each function takes (answers, context) and returns None when its rule does not
fire, or the message parameters (possibly none) when it does (see
collections/core/rules/lettings/hard.yaml). The limits come from the package's
reference tables (reference_tables.py), so a new year needs no code.
"""

import datetime as dt
from decimal import Decimal

from cldc.collections.core.functions.formatting import money, ordinal_date
from cldc.collections.core.functions.household import household_income_range, weekly_net_income
from cldc.collections.core.functions.reference_tables import (
    charge_limits,
    collection_start_year,
    english_la_not_active_on,
    rent_range,
)
from cldc.collections.core.functions.shared import (
    CHILD_UNDER_16,
    HOUSING_BENEFITS,
    INTERNAL_TRANSFER_TENANCIES,
    LAST_PERSON,
    NEEDS_TYPES,
    PAYMENTS_PER_YEAR,
    answer_label,
    letting_type,
    provider_type,
    weekly_value,
)
from cldc.platform.rules.functions import per_record, rule_function

CHARGE_NAMES = {"scharge": "service charge", "pscharge": "personal service charge", "supcharg": "support charge"}
PROVIDER_NAMES = {"local_authority": "local authority", "prp": "private registered provider"}


# --- Helpers ----------------------------------------------------------------------


def _number(value):
    return None if value is None or isinstance(value, bool) else Decimal(str(value))


def _label(context, variable, code):
    return answer_label("lettings", variable, code, context)


# --- Setup --------------------------------------------------------------------------


@rule_function("core.la_active_on_startdate")
def la_active_on_startdate(answers, context):
    """The local authority did not exist on the tenancy start date."""
    name = english_la_not_active_on(answers.get("la"), answers.get("startdate"))
    return None if name is None else {"la": name}


@rule_function("core.startdate_outside_collection_year")
def startdate_outside_collection_year(answers, context):
    startdate, start, end = answers.get("startdate"), context.get("collection_start"), context.get("collection_end")
    if not isinstance(startdate, dt.date) or start is None or end is None or start <= startdate <= end:
        return None
    return {
        "current_start_year_short": f"{start:%y}",
        "current_end_year_short": f"{end:%y}",
        "current_start_year_long": ordinal_date(start),
        "current_end_year_long": ordinal_date(end),
    }


# --- Household situation ----------------------------------------------------------------


def _is_internal_transfer(answers):
    register, noms = answers.get("referral_register"), answers.get("referral_noms")
    return register == 2 or (register, noms) in ((6, 3), (7, 5))


@rule_function("core.internal_transfer_not_from_social_housing")
def internal_transfer_not_from_social_housing(answers, context):
    owner_known = answers.get("owning_organisation_id") is not None or context.get("owning_organisation_type")
    prevten = answers.get("prevten")
    if not owner_known or prevten is None or prevten in INTERNAL_TRANSFER_TENANCIES or not _is_internal_transfer(answers):
        return None
    return {"prevten": _label(context, "prevten", prevten)}


# --- Income ------------------------------------------------------------------------------


def _income_and_range(answers):
    """The household's weekly net income and its income range: the same for each of the
    income rules (about 20 with one per person) of one record."""
    return weekly_net_income(answers), household_income_range(answers, collection_start_year(answers.get("startdate")))


def _income_outside(answers, context, over):
    if answers.get("startdate") is None:
        return None
    income, limits = per_record(context, "income_and_range", _income_and_range, answers)
    if income is None or limits is None:
        return None
    if (over and income <= limits.hard_max) or (not over and income >= limits.hard_min):
        return None
    return {
        "hard_max": money(limits.hard_max),
        "hard_min": money(limits.hard_min),
        "earnings": money(answers["earnings"]),
        "frequency": _label(context, "incfreq", answers.get("incfreq")).lower(),
    }


@rule_function("core.net_income_over_hard_max")
def net_income_over_hard_max(answers, context):
    return _income_outside(answers, context, over=True)


@rule_function("core.net_income_under_hard_min")
def net_income_under_hard_min(answers, context):
    return _income_outside(answers, context, over=False)


def _for_person(check, n, child_only=False):
    """The household check, reported on person n's answers when n is in the household
    (and, for the age message, when n is a child under 16)."""

    def person_check(answers, context):
        # Persons with their own answers: the lead tenant and persons 2..hhmemb, at most 8
        # (read here, not in a helper: 23 of these checks run for every record).
        hhmemb = answers.get("hhmemb")
        if hhmemb is None or n > min(int(hhmemb), LAST_PERSON):
            return None
        if child_only and answers.get(f"ecstat{n}") != CHILD_UNDER_16:
            return None
        return check(answers, context)

    return person_check


# A repeat rule names one function per person: a function is not told the index.
for _n in range(1, LAST_PERSON + 1):
    rule_function(f"core.net_income_over_hard_max_person_{_n}")(_for_person(net_income_over_hard_max, _n))
    rule_function(f"core.net_income_over_hard_max_child_{_n}")(_for_person(net_income_over_hard_max, _n, True))
    rule_function(f"core.net_income_under_hard_min_person_{_n}")(_for_person(net_income_under_hard_min, _n))


# --- Rent and charges ------------------------------------------------------------------


def total_charge(answers):
    """tcharge: the derived total when there is one, else the sum of the charges
    given (blank when none is)."""
    if answers.get("tcharge") is not None:
        return _number(answers["tcharge"])
    given = [_number(answers.get(name)) for name in ("brent", "scharge", "pscharge", "supcharg")]
    given = [charge for charge in given if charge is not None]
    return sum(given) if given else None


def weekly_shortfall(answers):
    """wtshortfall: counted only with housing benefit or the Universal Credit housing element."""
    if answers.get("hb") not in HOUSING_BENEFITS:
        return None
    return weekly_value(answers.get("tshortfall"), answers.get("period"))


@rule_function("core.shortfall_more_than_total_charge")
def shortfall_more_than_total_charge(answers, context):
    shortfall = weekly_shortfall(answers)
    charge = weekly_value(total_charge(answers), answers.get("period"))
    return {} if shortfall is not None and charge is not None and shortfall > charge else None


@rule_function("core.shortfall_under_one_penny")
def shortfall_under_one_penny(answers, context):
    shortfall = weekly_shortfall(answers)
    if shortfall is None or shortfall >= Decimal("0.01") or shortfall_more_than_total_charge(answers, context) is not None:
        return None
    return {}


@rule_function("core.total_charge_under_10_a_week")
def total_charge_under_10_a_week(answers, context):
    charge = weekly_value(total_charge(answers), answers.get("period"))
    return {} if charge is not None and 0 <= charge <= Decimal("9.99") else None


def _charge_over_maximum(charge):
    def check(answers, context):
        provider, period, needstype = provider_type(context), answers.get("period"), answers.get("needstype")
        amount = weekly_value(answers.get(charge), period)
        limits = charge_limits(context["version"]).get((charge, provider, needstype))
        if amount is None or limits is None:
            return None
        maximum = limits[1]
        if 0 <= amount <= maximum:
            return None
        return {
            "charge_name": CHARGE_NAMES[charge],
            "maximum_per_period": money(maximum * 52 / PAYMENTS_PER_YEAR[period]),
            "frequency": _label(context, "period", period).lower(),
            "letting_type": NEEDS_TYPES[needstype],
            "provider_type": PROVIDER_NAMES[provider],
        }

    return check


for _charge in CHARGE_NAMES:
    rule_function(f"core.{_charge}_over_maximum")(_charge_over_maximum(_charge))


def _rent_range_and_weekly_rent(answers, context):
    """The letting's rent range and its weekly rent: the same for each of the 14 rent
    rules of one record."""
    beds = 0 if answers.get("needstype") == 2 else answers.get("beds")
    year = collection_start_year(answers.get("startdate"))
    limits = rent_range(year, letting_type(answers, context), answers.get("la"), beds)
    return limits, weekly_value(answers.get("brent"), answers.get("period"))


def _weekly_rent_outside_range(answers, context, below):
    """The rent range for the collection year, letting type, local authority and
    bedrooms (0 for supported housing)."""
    limits, rent = per_record(context, "rent_range_and_weekly_rent", _rent_range_and_weekly_rent, answers, context)
    if limits is None or rent is None:
        return None
    if not (rent < limits.hard_min if below else rent > limits.hard_max):
        return None
    # The message states the whole range, in the period the rent is paid in, so the two
    # rules (below, above) say the same words and the range is shown once.
    period = answers.get("period")
    per_period = Decimal(52) / PAYMENTS_PER_YEAR[period]
    return {
        "rent": money(answers["brent"]),
        "minimum": money(limits.hard_min * per_period),
        "maximum": money(limits.hard_max * per_period),
        "frequency": _label(context, "period", period).lower(),
    }


@rule_function("core.rent_below_hard_min")
def rent_below_hard_min(answers, context):
    return _weekly_rent_outside_range(answers, context, below=True)


@rule_function("core.rent_above_hard_max")
def rent_above_hard_max(answers, context):
    return _weekly_rent_outside_range(answers, context, below=False)
