"""CORE's derived variables that an expression cannot say simply (declared in
collections/core/derived/{lettings,sales}.yaml): amounts by rent period, household
composition, values that depend on the owning organisation, and values read from
data the platform does not hold yet.

A derivation takes (answers, context) and returns the value, None for blank. The
answers it sees include the derivations declared before it. A derivation that fills
in a question CORE sets itself (beds for a bedsit, prevten for a renewal) returns the
answer when it has nothing to infer, so the derived value never contradicts the answer.

Money is Decimal, converted to weekly amounts by shared.weekly_value (the one the rules use).

CORE reads some values from data the platform does not hold yet. A caller may put
them in the context; the gateway supplies none of them today, so these derivations
keep the answer (blank when there is none):
- `postcode_la`: the local authority code of the record's postcode_full;
- `previous_postcode_la`: the local authority code of ppostcode_full;
- `location_mobility_type`: the supported-housing location's mobility type ("W" is
  the wheelchair-user standard), now read from the chosen location in the context's
  `entries` (docs/registers.md) first.
"""

import datetime as dt

from cldc.collections.core.functions import household
from cldc.collections.core.functions.shared import (
    EXISTING_SOCIAL_TENANCIES,
    HOUSING_BENEFITS,
    PAYMENTS_PER_YEAR,
    letting_type_code,
    provider_type,
    weekly_value,
)
from cldc.platform.rules.functions import rule_function

# unitletas for a renewal, from rent_type (the letting is on the same basis as before).
UNITLETAS_FROM_RENT_TYPE = {0: 1, 1: 2, 2: 5, 3: 6, 4: 7, 5: 8, 6: 9}

HAS_BENEFITS_CODES = {1, 6, 7, 8}
REFERRALS_WITHIN_SECTOR = {1, 10}  # legacy referral codes
LONDON_BOROUGHS = {f"E090000{n:02d}" for n in range(1, 34)}


# --- Lettings: rent and income ----------------------------------------------------------


@rule_function("core.payments_per_year")
def payments_per_year(answers, context):
    return PAYMENTS_PER_YEAR.get(answers.get("period"))


def _weekly(amount_name, applies=None):
    def derive(answers, context):
        if applies and not applies(answers):
            return None
        return weekly_value(answers.get(amount_name), answers.get("period"))

    return derive


for _name, _amount, _applies in (
    ("wrent", "brent", None),
    ("wscharge", "scharge", None),
    ("wpschrge", "pscharge", None),
    ("wsupchrg", "supcharg", None),
    ("wtcharge", "tcharge", None),
    ("wchchrg", "chcharge", lambda answers: answers.get("needstype") == 2),
    ("wtshortfall", "tshortfall", lambda answers: answers.get("hb") in HOUSING_BENEFITS),
):
    rule_function(f"core.{_name}")(_weekly(_amount, _applies))


@rule_function("core.weekly_net_income")
def weekly_net_income(answers, context):
    return household.weekly_net_income(answers)


@rule_function("core.has_benefits")
def has_benefits(answers, context):
    hb = answers.get("hb")
    if hb is None:
        return None
    return 1 if hb in HAS_BENEFITS_CODES else 0


# --- Lettings: letting type and renewals ---------------------------------------------------


@rule_function("core.lettype")
def lettype(answers, context):
    return letting_type_code(answers.get("renttype"), answers.get("needstype"), provider_type(context))


@rule_function("core.renewal_unitletas")
def renewal_unitletas(answers, context):
    if answers.get("renewal") == 1 and answers.get("rent_type") in UNITLETAS_FROM_RENT_TYPE:
        return UNITLETAS_FROM_RENT_TYPE[answers["rent_type"]]
    return answers.get("unitletas")


@rule_function("core.renewal_prevten")
def renewal_prevten(answers, context):
    """A general needs renewal: the tenant was the owner's fixed-term general needs tenant."""
    if answers.get("renewal") == 1 and answers.get("needstype") == 1:
        inferred = {"prp": 32, "local_authority": 30}.get(provider_type(context))
        if inferred:
            return inferred
    return answers.get("prevten")


@rule_function("core.referral")
def referral(answers, context):
    """Legacy: referral_type is not asked from 2024/25, so this keeps any given referral."""
    return {6: 7, 7: 16}.get(answers.get("referral_type"), answers.get("referral"))


@rule_function("core.new_old")
def new_old(answers, context):
    if answers.get("startdate") is None:
        return None
    existing = answers.get("prevten") in EXISTING_SOCIAL_TENANCIES or answers.get("referral") in REFERRALS_WITHIN_SECTOR
    return 2 if existing else 1


# --- Household ---------------------------------------------------------------------------------


def _ages(answers, people):
    return [answers.get(f"age{n}") for n in range(1, people + 1)]


_OTHER_PERSONS = [(f"age{n}", f"relat{n}") for n in range(2, 9)]  # persons 2-8's age and relationship, named once


@rule_function("core.totadult")
def totadult(answers, context):
    """Adults under 60: the lead tenant aged 16-59, and others aged 18-59 or aged 16-17
    and recorded as partner or not partner (so not a child of the household)."""
    if answers.get("hhmemb") is None:
        return None
    total = 1 if _between(answers.get("age1"), 16, 59) else 0
    for age_name, relat_name in _OTHER_PERSONS:
        age, relat = answers.get(age_name), answers.get(relat_name)
        if _between(age, 18, 59) or (_between(age, 16, 17) and relat in ("P", "X")):
            total += 1
    return total


def _between(age, low, high):
    return age is not None and low <= age <= high


def household_type(elders, adults, children, two_elders_rule):
    """CORE's hhtype, first matching rule. `two_elders_rule` says what code 2 means:
    lettings: two people, at least one an elder; sales: two elders only."""
    if None in (elders, adults, children):
        return None
    if elders == 1 and adults == 0 and children == 0:
        return 1
    if two_elders_rule(elders, adults, children):
        return 2
    if elders == 0:
        if adults == 1 and children == 0:
            return 3
        if adults == 2 and children == 0:
            return 4
        if adults == 1 and children >= 1:
            return 5
        if adults >= 2 and children >= 1:
            return 6
    return 9


@rule_function("core.hhtype")
def lettings_hhtype(answers, context):
    return household_type(
        answers.get("totelder"), answers.get("totadult"), answers.get("totchild"),
        lambda elders, adults, children: elders + adults == 2 and elders >= 1,
    )


# The answers that say a detail was refused or is not known (names built once).
_REFUSAL_CODES = (
    [(f"details_known_{n}", 1) for n in range(2, 9)]
    + [(f"age{n}_known", 1) for n in range(1, 9)]
    + [(f"{name}{n}", "R") for n in range(1, 9) for name in ("sex", "sexrab")]
    + [(f"relat{n}", "R") for n in range(2, 9)]
    + [(f"ecstat{n}", 10) for n in range(1, 9)]
)


@rule_function("core.refused")
def refused(answers, context):
    """1 when any household member's details, age, sex, relationship or working
    situation was refused or is not known."""
    if answers.get("hhmemb") is None:
        return None
    get = answers.get
    for name, code in _REFUSAL_CODES:  # a loop, not any() over a generator: this runs for every record
        if get(name) == code:
            return 1
    return 0


# --- Values from data the platform does not hold yet ------------------------------------------


@rule_function("core.wchair")
def wchair(answers, context):
    """Supported housing: from the location's mobility type, when the caller knows it."""
    location = (context.get("entries") or {}).get("location") or {}  # the chosen location (docs/registers.md)
    mobility = (location.get("fields") or {}).get("mobility_type") or context.get("location_mobility_type")
    if answers.get("needstype") == 2 and mobility:
        return 1 if mobility == "W" else 2
    return answers.get("wchair")


def _looked_up(postcode_name, context_name, answer_name):
    """The LA looked up for a postcode when the caller supplied one, else the answer."""

    def derive(answers, context):
        found = context.get(context_name)
        if answers.get(postcode_name) and found:
            return found
        return answers.get(answer_name)

    return derive


def _inferred_flag(postcode_name, context_name, answer_name):
    """Whether the LA came from the postcode: known only when the caller looked it up."""

    def derive(answers, context):
        if answers.get(postcode_name) and context_name in context:
            return bool(context[context_name])
        return answers.get(answer_name)

    return derive


rule_function("core.la")(_looked_up("postcode_full", "postcode_la", "la"))
rule_function("core.is_la_inferred")(_inferred_flag("postcode_full", "postcode_la", "is_la_inferred"))
rule_function("core.prevloc")(_looked_up("ppostcode_full", "previous_postcode_la", "prevloc"))
rule_function("core.is_previous_la_inferred")(
    _inferred_flag("ppostcode_full", "previous_postcode_la", "is_previous_la_inferred")
)


# --- Sales ------------------------------------------------------------------------------------


@rule_function("core.sales_totchild")
def sales_totchild(answers, context):
    """Persons 2-6 under 18, or under 20 and recorded as the buyer's child ('C')."""
    if not _buyer_age_answered(answers):
        return None
    total = 0
    for n in range(2, 7):
        age, relat = answers.get(f"age{n}"), answers.get(f"relat{n}")
        if age is not None and (age < 18 or (age < 20 and relat == "C")):
            total += 1
    return total


@rule_function("core.sales_total_elder")
def sales_total_elder(answers, context):
    if not _buyer_age_answered(answers):
        return None
    return sum(1 for age in _ages(answers, 6) if age is not None and age >= 60)


@rule_function("core.sales_total_adult")
def sales_total_adult(answers, context):
    """Adults under 60: buyer 1 aged 16-59, others aged 20-59, or 18-19 and not a child."""
    if not _buyer_age_answered(answers):
        return None
    total = 1 if _between(answers.get("age1"), 16, 59) else 0
    for n in range(2, 7):
        age, relat = answers.get(f"age{n}"), answers.get(f"relat{n}")
        if _between(age, 20, 59) or (_between(age, 18, 19) and relat != "C"):
            total += 1
    return total


def _buyer_age_answered(answers):
    """Household counts are blank until buyer 1's age question is answered."""
    return answers.get("age1") is not None or answers.get("age1_known") is not None


@rule_function("core.sales_hhtype")
def sales_hhtype(answers, context):
    return household_type(
        answers.get("total_elder"), answers.get("total_adult"), answers.get("totchild"),
        lambda elders, adults, children: elders == 2 and adults == 0 and children == 0,
    )


def _postcode_part(name, part):
    """The outward (0) or inward (1) part of a postcode, however it was spaced."""

    def derive(answers, context):
        postcode = answers.get(name)
        if not postcode:
            return None
        compact = "".join(str(postcode).split()).upper()
        if len(compact) < 5:
            return None
        return compact[:-3] if part == 0 else compact[-3:]

    return derive


rule_function("core.sales_pcode1")(_postcode_part("postcode_full", 0))
rule_function("core.sales_pcode2")(_postcode_part("postcode_full", 1))
rule_function("core.sales_ppostc1")(_postcode_part("ppostcode_full", 0))
rule_function("core.sales_ppostc2")(_postcode_part("ppostcode_full", 1))


@rule_function("core.sales_previous_la_known")
def sales_previous_la_known(answers, context):
    """Discounted ownership: the last-accommodation pages are not shown; la_known is copied."""
    if answers.get("ownershipsch") == 2:
        return answers.get("la_known")
    return answers.get("previous_la_known")


@rule_function("core.sales_buy1livein")
def sales_buy1livein(answers, context):
    """Legacy: buylivein is not asked from 2023/24, so this keeps the answer."""
    buylivein = answers.get("buylivein")
    if buylivein == 2 or (buylivein == 1 and answers.get("jointpur") == 2):
        return buylivein
    return answers.get("buy1livein")


@rule_function("core.sales_buy2livein")
def sales_buy2livein(answers, context):
    if answers.get("buylivein") == 2 and answers.get("jointpur") == 1:
        return 2
    return answers.get("buy2livein")


@rule_function("core.sales_outright_deposit")
def sales_outright_deposit(answers, context):
    """An outright sale (ownershipsch 3) without a mortgage: the deposit is the price.
    Outright sales are not logged from 2025/26, so this keeps the answer then."""
    if answers.get("ownershipsch") == 3 and answers.get("mortgageused") == 2:
        return answers.get("value")
    return answers.get("deposit")


def _date_part(name, part):
    def derive(answers, context):
        day = answers.get(name)
        return getattr(day, part) if isinstance(day, dt.date) else None

    return derive


for _date_name, _prefix in (("hodate", "ho"), ("exdate", "ex")):
    for _part in ("day", "month", "year"):
        rule_function(f"core.sales_{_prefix}{_part}")(_date_part(_date_name, _part))


@rule_function("core.sales_pregblank")
def sales_pregblank(answers, context):
    """Legacy: 1 when every buyer-organisation flag is 0 (not asked from 2024/25)."""
    flags = [answers.get(name) for name in ("pregyrha", "pregla", "pregghb", "pregother")]
    return 1 if all(flag == 0 for flag in flags) else None


@rule_function("core.sales_london_property")
def sales_london_property(answers, context):
    la = answers.get("la")
    return None if not la else la in LONDON_BOROUGHS
