"""CORE sales 2026/27 rule functions: the rules whose condition or message needs more
than an expression (money and percentages formatted as CORE shows them, answer labels,
tables by working situation). The rules themselves are declared in
collections/core/rules/sales/*.yaml; each function returns None when its rule does not
fire, or the message parameters when it does.
"""

import datetime as dt
import re
from decimal import Decimal

from cldc.collections.core.functions import shared
from cldc.collections.core.functions.formatting import money, ordinal_date
from cldc.collections.core.functions.reference_tables import english_la_not_active_on, sale_range
from cldc.platform.rules.functions import rule_function

LONDON_LA = re.compile(r"E090000(0[1-9]|[12][0-9]|3[0-3])")  # the 33 London boroughs
SOCIAL_HOMEBUY = 18
OLDER_PERSONS_SHARED_OWNERSHIP = 24

# Soft income range by buyer's working situation (ecstat), 2025/26 on.
INCOME_RANGES = {
    1: (13_400, 150_000), 2: (2_600, 80_000), 3: (2_080, 30_000), 4: (520, 23_400), 5: (520, 80_000),
    6: (520, 50_000), 7: (520, 30_000), 8: (520, 150_000), 9: (520, 150_000), 0: (520, 150_000),
}


# --- Formatting, as the CORE service shows values in messages ---------------------------


def percent(value):
    """A percentage without trailing zeros: 12.5, 50 (CORE's sprintf('%g'))."""
    return format(Decimal(str(value)).normalize(), "f")


def is_london(la):
    return la is not None and LONDON_LA.fullmatch(str(la)) is not None


def answer_label(variable, code, context):
    return shared.answer_label("sales", variable, code, context)


def _given(answers, *names):
    return all(answers.get(name) not in (None, "") for name in names)


# --- Hard rules -------------------------------------------------------------------------


@rule_function("core.sales_la_active_on_saledate")
def la_active_on_saledate(answers, context):
    """The local authority did not exist on the sale completion date."""
    name = english_la_not_active_on(answers.get("la"), answers.get("saledate"))
    return None if name is None else {"la": name}


@rule_function("core.sales_privacy_notice_not_seen")
def privacy_notice_not_seen(answers, context):
    if answers.get("privacynotice") == 0:
        return {"buyer_or_buyers": "buyers" if answers.get("jointpur") == 1 else "buyer"}
    return None


@rule_function("core.sales_saledate_outside_collection_year")
def saledate_outside_collection_year(answers, context):
    """The sale date is outside this version's collection year (1 April to 31 March)."""
    saledate, start, end = answers.get("saledate"), context.get("collection_start"), context.get("collection_end")
    if not (isinstance(saledate, dt.date) and start and end) or start <= saledate <= end:
        return None
    return {
        "current_start_year_short": f"{start:%y}",
        "current_end_year_short": f"{end:%y}",
        "current_start_year_long": ordinal_date(start),
        "current_end_year_long": ordinal_date(end),
        "year_combo": f"{start.year}/{end:%y}",
        "start_year": start.year,
        "end_year": end.year,
    }


@rule_function("core.sales_stairbought_below_minimum")
def stairbought_below_minimum(answers, context):
    stairbought, sale_type = answers.get("stairbought"), answers.get("type")
    if stairbought is None or sale_type is None:
        return None
    threshold = 10 if sale_type in (2, 16, 18, 24) else 1
    if stairbought >= threshold:
        return None
    return {"threshold": threshold, "shared_ownership_type": answer_label("type", sale_type, context).lower()}


STAIRBOUGHT_MAXIMUM = {30: 90, 16: 90, 28: 90, 31: 90, 32: 90, 2: 75, 18: 75, 24: 50}


@rule_function("core.sales_stairbought_over_maximum")
def stairbought_over_maximum(answers, context):
    stairbought, sale_type = answers.get("stairbought"), answers.get("type")
    maximum = STAIRBOUGHT_MAXIMUM.get(sale_type)
    if not _given(answers, "saledate") or stairbought is None or maximum is None or stairbought <= maximum:
        return None
    return {"max_stairbought": maximum, "type": answer_label("type", sale_type, context)}


def _discount_value_over(answers, london, maximum):
    if not _given(answers, "saledate", "discount", "value", "la") or is_london(answers["la"]) != london:
        return None
    discount_value = Decimal(answers["value"]) * Decimal(answers["discount"]) / 100
    return {"discount_value": money(discount_value)} if discount_value > maximum else None


@rule_function("core.sales_discount_value_over_london_max")
def discount_value_over_london_max(answers, context):
    return _discount_value_over(answers, london=True, maximum=137_400)


@rule_function("core.sales_discount_value_over_max_outside_london")
def discount_value_over_max_outside_london(answers, context):
    return _discount_value_over(answers, london=False, maximum=103_400)


def _over_tolerance(total, expected, tolerance, strict):
    difference = abs(total - expected)
    return difference > tolerance if strict else difference >= tolerance


@rule_function("core.sales_discounted_ownership_funding_mismatch")
def discounted_ownership_funding_mismatch(answers, context):
    """Mortgage + deposit + grant should equal the price less the discount (2026/27
    tolerance: 0.1% of the price when a discount is given, else £1)."""
    a = answers
    if not _given(a, "saledate", "value", "deposit", "ownershipsch") or a["ownershipsch"] != 2:
        return None
    if not (_given(a, "mortgage") or a.get("mortgageused") == 2):
        return None
    if not (_given(a, "discount") or _given(a, "grant") or a.get("type") == 29):
        return None
    value, discount = Decimal(a["value"]), a.get("discount")
    total = (a.get("mortgage") or 0) + a["deposit"] + (a.get("grant") or 0)
    value_with_discount = value - value * Decimal(discount or 0) / 100
    tolerance = value * Decimal("0.1") / 100 if discount is not None else 1
    if not _over_tolerance(total, value_with_discount, tolerance, strict=discount is not None):
        return None
    if _given(a, "grant"):
        deposit_and_grant = f", cash deposit ({money(a['deposit'])}), and grant ({money(a['grant'])})"
    else:
        deposit_and_grant = f" and cash deposit ({money(a['deposit'])})"
    discount_sentence = ""
    if discount is not None:
        discount_sentence = (f" ({money(value)}) subtracted by the sum of the full purchase price ({money(value)})"
                             f" multiplied by the percentage discount ({percent(discount)}%)")
    return {
        "mortgage": f" ({money(a['mortgage'])})" if (a.get("mortgage") or 0) > 0 else "",
        "deposit_and_grant_sentence": deposit_and_grant,
        "mortgage_deposit_and_grant_total": money(total),
        "discount_sentence": discount_sentence,
        "value_with_discount": money(value_with_discount),
    }


def _funding_mismatch(answers, staircasing, social_homebuy, mortgage_used):
    """Shared ownership: mortgage (if used) + deposit (+ cash discount for Social HomeBuy)
    should equal the price times the share bought: the initial equity (tolerance 0.1% of
    the price, 2026/27) or the staircasing share (tolerance £1)."""
    a = answers
    share = "stairbought" if staircasing else "equity"
    if not _given(a, "saledate", "value", "deposit", share, "type", "mortgageused") or a.get("ownershipsch") != 1:
        return None
    if a.get("staircase") not in ((1,) if staircasing else (2, 3)):
        return None
    if (a["type"] == SOCIAL_HOMEBUY) != social_homebuy or (social_homebuy and not _given(a, "cashdis")):
        return None
    if a["mortgageused"] != (1 if mortgage_used else 2) or (mortgage_used and not _given(a, "mortgage")):
        return None
    value, deposit = Decimal(a["value"]), Decimal(a["deposit"])
    expected = value * Decimal(a[share]) / 100
    total = deposit + (a["mortgage"] if mortgage_used else 0) + (a["cashdis"] if social_homebuy else 0)
    if staircasing:
        mismatch = _over_tolerance(total, expected, 1, strict=False)
    else:
        mismatch = _over_tolerance(total, expected, value * Decimal("0.1") / 100, strict=True)
    if not mismatch:
        return None
    params = {"value": money(value), "deposit": money(deposit), share: f"{percent(a[share])}%",
              "expected_shared_ownership_deposit_value": money(expected), "stairbought_part_of_value": money(expected)}
    if mortgage_used:
        params["mortgage"] = money(a["mortgage"])
    if social_homebuy:
        params["cashdis"] = money(a["cashdis"])
        params["mortgage_deposit_and_discount_total" if mortgage_used else "deposit_and_discount_total"] = money(total)
    elif mortgage_used:
        params["mortgage_and_deposit_total"] = money(total)
    return params


def _register_funding_checks():
    for kind, staircasing in (("shared_ownership_initial", False), ("staircasing", True)):
        for scheme, social_homebuy in (("social_homebuy", True), ("other_types", False)):
            for use, mortgage_used in (("mortgage_used", True), ("mortgage_not_used", False)):
                def check(answers, context, s=staircasing, h=social_homebuy, m=mortgage_used):
                    return _funding_mismatch(answers, s, h, m)

                rule_function(f"core.sales_{kind}_funding_{scheme}_{use}")(check)


_register_funding_checks()


# --- Soft checks ------------------------------------------------------------------------


def _income_over_discounted_max(answers, income):
    if income is None or not _given(answers, "la") or answers.get("ownershipsch") != 2:
        return False
    return income > (90_000 if is_london(answers["la"]) else 80_000)


def _register_income_checks():
    for n in (1, 2):
        income_name, ecstat_name = f"income{n}", f"ecstat{n}"

        def over_discounted_max(answers, context, income_name=income_name):
            income = answers.get(income_name)
            return {"income": money(income)} if _income_over_discounted_max(answers, income) else None

        def outside_range_for_ecstat(answers, context, income_name=income_name, ecstat_name=ecstat_name):
            income, ecstat = answers.get(income_name), answers.get(ecstat_name)
            if income is None or ecstat not in INCOME_RANGES:
                return None
            soft_min, soft_max = INCOME_RANGES[ecstat]
            if soft_min <= income <= soft_max:
                return None
            return {"income": money(income), "more_or_less": "less" if income < soft_min else "more"}

        rule_function(f"core.sales_income{n}_over_soft_max_for_discounted_ownership")(over_discounted_max)
        rule_function(f"core.sales_income{n}_outside_soft_range_for_ecstat")(outside_range_for_ecstat)


_register_income_checks()


@rule_function("core.sales_combined_income_over_soft_max_for_discounted_ownership")
def combined_income_over_soft_max(answers, context):
    if not _given(answers, "income1", "income2"):
        return None
    combined = answers["income1"] + answers["income2"]
    return {"combined_income": money(combined)} if _income_over_discounted_max(answers, combined) else None


@rule_function("core.sales_monthly_charges_over_soft_max")
def monthly_charges_over_soft_max(answers, context):
    if not _given(answers, "type", "mscharge", "proptype"):
        return None
    soft_max = 550 if answers["type"] == OLDER_PERSONS_SHARED_OWNERSHIP else 300
    return {"mscharge": money(answers["mscharge"])} if answers["mscharge"] > soft_max else None


@rule_function("core.sales_percentage_discount_over_soft_max")
def percentage_discount_over_soft_max(answers, context):
    discount, proptype = answers.get("discount"), answers.get("proptype")
    soft_max = {1: 50, 2: 50, 3: 35, 4: 35, 9: 35}.get(proptype)
    if discount is None or soft_max is None or discount <= soft_max:
        return None
    return {"discount": f"{percent(discount)}%"}


@rule_function("core.sales_mortgage_over_soft_max")
def mortgage_over_soft_max(answers, context):
    """The mortgage is more than 5 times the incomes used for the mortgage application."""
    a = answers
    if not _given(a, "mortgage", "inc1mort") or not (_given(a, "inc2mort") or a.get("jointpur") != 1):
        return None
    used = [f"income{n}" for n in (1, 2) if a.get(f"inc{n}mort") == 1]
    if any(a.get(name) is None for name in used):
        return None
    if a["mortgage"] <= 5 * sum(a[name] for name in used):
        return None
    return {"mortgage": money(a["mortgage"])}


def _savings_over_soft_max(answers, context, joint):
    savings = answers.get("savings")
    if savings is None or (answers.get("jointpur") == 1) != joint:
        return None
    soft_max = 200_000 if answers.get("type") == OLDER_PERSONS_SHARED_OWNERSHIP else 100_000
    return {"savings": money(savings)} if savings > soft_max else None


@rule_function("core.sales_purchase_price_outside_soft_range")
def purchase_price_outside_soft_range(answers, context):
    """The purchase price is below the soft minimum or above the soft maximum of the sale
    range for the collection year, local authority and bedrooms."""
    value = answers.get("value")
    limits = sale_range(context.get("version"), answers.get("la"), answers.get("beds"))
    if value is None or limits is None:
        return None
    soft_min, soft_max = limits
    if soft_min <= value <= soft_max:
        return None
    return {"value": money(value), "higher_or_lower": "lower" if value < soft_min else "higher"}


@rule_function("core.sales_savings_over_soft_max_joint_purchase")
def savings_over_soft_max_joint_purchase(answers, context):
    return _savings_over_soft_max(answers, context, joint=True)


@rule_function("core.sales_savings_over_soft_max_not_joint_purchase")
def savings_over_soft_max_not_joint_purchase(answers, context):
    return _savings_over_soft_max(answers, context, joint=False)


def _deposit_over_soft_max(answers, joint):
    savings, deposit = answers.get("savings"), answers.get("deposit")
    if savings is None or deposit is None or answers.get("mortgageused") != 1:
        return None
    if (answers.get("jointpur") == 1) != joint:
        return None
    if deposit <= Decimal(savings) * 4 / 3:
        return None
    return {"deposit": money(deposit), "savings": money(savings)}


@rule_function("core.sales_deposit_over_soft_max_joint_purchase")
def deposit_over_soft_max_joint_purchase(answers, context):
    return _deposit_over_soft_max(answers, joint=True)


@rule_function("core.sales_deposit_over_soft_max_not_joint_purchase")
def deposit_over_soft_max_not_joint_purchase(answers, context):
    return _deposit_over_soft_max(answers, joint=False)


def _stairowned_out_of_soft_range(answers, joint):
    stairowned = answers.get("stairowned")
    if answers.get("type") != OLDER_PERSONS_SHARED_OWNERSHIP or stairowned is None or not 76 <= stairowned <= 100:
        return None
    return {"stairowned": f"{percent(stairowned)}%"} if (answers.get("jointpur") == 1) == joint else None


@rule_function("core.sales_stairowned_out_of_soft_range_joint_purchase")
def stairowned_out_of_soft_range_joint_purchase(answers, context):
    return _stairowned_out_of_soft_range(answers, joint=True)


@rule_function("core.sales_stairowned_out_of_soft_range_not_joint_purchase")
def stairowned_out_of_soft_range_not_joint_purchase(answers, context):
    return _stairowned_out_of_soft_range(answers, joint=False)


@rule_function("core.sales_grant_outside_common_range")
def grant_outside_common_range(answers, context):
    grant = answers.get("grant")
    if grant is None or not _given(answers, "type", "saledate") or answers["type"] in (8, 21):
        return None
    return None if 9_000 <= grant <= 16_000 else {"grant": money(grant)}


@rule_function("core.sales_multiple_partners")
def multiple_partners(answers, context):
    """More than one of persons 2 to min(household size, 6) is buyer 1's partner."""
    members = answers.get("hhmemb") or answers.get("hholdcount")
    if members is None:
        return None
    partners = sum(1 for n in range(2, min(int(members), 6) + 1) if answers.get(f"relat{n}") == "P")
    # A non-empty dict: the engine treats an empty one as "does not fire".
    return {"partners": partners} if partners > 1 else None
