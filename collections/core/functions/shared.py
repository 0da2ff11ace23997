"""What CORE's derived variables and rules both need, written once so that a stored
value and the rule that checks it can never disagree: the weekly conversion of an
amount paid per rent period, rounding, the rent-type groups and letting type, the
provider type, the household's last person, and the codes that mean a social tenancy.
"""

from decimal import ROUND_HALF_UP, Decimal

# Rent periods (the `period` codes): payments a year (derived_variables_2026.json, weekly_value).
PAYMENTS_PER_YEAR = {1: 52, 2: 26, 3: 13, 4: 12, 5: 50, 6: 49, 7: 48, 8: 47, 9: 46, 10: 53, 11: 51}

LAST_PERSON = 8  # persons 2-8 have their own answers
CHILD_UNDER_16, PREFERS_NOT_TO_SAY = 9, 10  # ecstat codes
HOUSING_BENEFITS = {1, 6}  # hb: housing benefit, Universal Credit housing element

# Detailed rent type (rent_type) -> rent type group (renttype): 1 Social Rent,
# 2 Affordable Rent, 3 Intermediate Rent, 4 Specified accommodation. The derived
# variable renttype says the same in an expression (collections/core/derived/lettings.yaml).
RENT_TYPE_GROUP = {0: 1, 1: 2, 2: 2, 3: 3, 4: 3, 5: 3, 6: 4}
NEEDS_TYPES = {1: "general needs", 2: "supported housing"}
PROVIDER_TYPES = ("local_authority", "prp")  # organisation types that CORE's limits and codes name

# prevten codes of a social tenancy. CORE has two lists and they differ on purpose:
# new_old counts 34 (specialist retirement housing) as an existing social tenant, and
# the internal-transfer check also accepts 38 and 40.
EXISTING_SOCIAL_TENANCIES = {6, 30, 31, 32, 33, 34, 35}  # the derived new_old
INTERNAL_TRANSFER_TENANCIES = {6, 30, 31, 32, 33, 35, 38, 40}  # internal_transfer_from_social_housing


_PLACES = {places: Decimal(1).scaleb(-places) for places in range(5)}  # made once: these run for every amount


def round_half_up(value, places=2):
    """Rounds half away from zero, as the CORE service's BigDecimal#round does."""
    exponent = _PLACES.get(places) or Decimal(1).scaleb(-places)
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def weekly_value(amount, period):
    """An amount paid per rent period as a weekly amount, to the penny: CORE's
    round(amount / 52 x payments a year, 2), rounded half up once, on the exact value.
    Computed as amount x payments / 52: dividing first rounds the quotient to 28
    digits, which turned an exact half penny (£0.11 every 2 weeks is £0.055 a week)
    into a penny less. None when either is blank or the period is unknown."""
    if amount is None or isinstance(amount, bool) or period not in PAYMENTS_PER_YEAR:
        return None
    exact = amount if isinstance(amount, Decimal) else Decimal(str(amount))  # str() and back gives a Decimal itself
    return (exact * PAYMENTS_PER_YEAR[period] / 52).quantize(_PLACES[2], rounding=ROUND_HALF_UP)


def provider_type(context):
    """local_authority or prp: the owning organisation's type, when it is one of them."""
    kind = context.get("owning_organisation_type")
    return kind if kind in PROVIDER_TYPES else None


def letting_type_code(rent_type_group, needstype, provider):
    """CORE's lettype, 1-16: PRP general needs social rent 1 ... LA supported housing
    specified accommodation 16 (None when any part is unknown)."""
    if rent_type_group not in (1, 2, 3, 4) or needstype not in NEEDS_TYPES or provider not in PROVIDER_TYPES:
        return None
    return 4 * (rent_type_group - 1) + needstype + (2 if provider == "local_authority" else 0)


def letting_type(answers, context):
    """lettype for a rule: the derived value when the answers carry it, else worked out
    from the detailed rent type, needs type and the owner's provider type."""
    if answers.get("lettype") is not None:
        return answers["lettype"]
    return letting_type_code(
        RENT_TYPE_GROUP.get(answers.get("rent_type")), answers.get("needstype"), provider_type(context)
    )


def answer_label(record_type, variable, code, context):
    """The label of an answer code in this version's definition (the code itself when
    the definition has no label for it), as CORE's messages name an answer."""
    from cldc.platform import registry  # the registry imports this package

    definition = registry.get("core").definition(record_type, context.get("version", 2026))
    question = definition.variables.get(variable)
    label = question.label_for(code) if question else None
    return label if label is not None else str(code)
