"""A lettings household's income, used by the derived variables and by the hard and
soft income checks alike (one definition, so they can never disagree)."""

from decimal import Decimal

from cldc.collections.core.functions.reference_tables import income_ranges
from cldc.collections.core.functions.shared import CHILD_UNDER_16, LAST_PERSON, PREFERS_NOT_TO_SAY, round_half_up


def weekly_net_income(answers):
    """Earnings if weekly; x 12 / 52 if monthly, / 52 if yearly; to the pound."""
    earnings, incfreq = answers.get("earnings"), answers.get("incfreq")
    if earnings is None:
        return None
    earnings = Decimal(str(earnings))
    if incfreq == 1:
        return earnings
    if incfreq == 2:
        return round_half_up(earnings * 12 / 52, 0)
    if incfreq == 3:
        return round_half_up(earnings / 52, 0)
    return None


def persons(answers):
    """The household's person numbers: 1 to hhmemb (all 8 when hhmemb is not known)."""
    hhmemb = answers.get("hhmemb")
    return range(1, min(int(hhmemb) if hhmemb is not None else LAST_PERSON, LAST_PERSON) + 1)


def household_income_range(answers, year):
    """The household's weekly income range for a collection year: the sum of each
    person's range for their working situation, over the lead tenant and persons
    2..hhmemb. A person without one counts as a child under 16 if younger than 16,
    else as 'prefers not to say'."""
    table, hhmemb = income_ranges(year), answers.get("hhmemb")
    if answers.get("ecstat1") not in table or hhmemb is None:
        return None
    total = table[answers["ecstat1"]]
    for n in persons(answers)[1:]:
        ecstat = answers.get(f"ecstat{n}")
        if ecstat not in table:
            age = answers.get(f"age{n}")
            ecstat = CHILD_UNDER_16 if age is not None and age < 16 else PREFERS_NOT_TO_SAY
        total = total + table[ecstat]
    return total
