"""One weekly conversion: the weekly rent CORE stores (the derived wrent) and the
weekly figure the rent and charge rules compare with their limits must be the same
number for every rent period and every amount, or a rent exactly on a limit is
stored as inside it and checked as outside it. No database."""

from decimal import Decimal

from cldc.collections.core.functions import lettings_hard, lettings_soft
from cldc.platform import registry
from cldc.platform.rules.functions import get_function

AMOUNTS = [Decimal(pennies).scaleb(-2) for pennies in range(0, 30_001)]  # £0.00 to £300.00, every penny


def _disagreements(rule_weekly):
    derived_wrent = get_function("core.wrent")
    periods = registry.get("core").definition("lettings", 2026).questions["period"].codes
    assert len(periods) == 11
    found = []
    for period in periods:
        for amount in AMOUNTS:
            stored = derived_wrent({"brent": amount, "period": period}, {})
            checked = rule_weekly(amount, period)
            if stored != checked:
                found.append((period, amount, stored, checked))
    return found


def test_the_hard_rules_weekly_figure_is_the_stored_weekly_rent():
    found = _disagreements(lettings_hard.weekly_value)
    assert not found, f"{len(found)} disagreements, e.g. {found[:3]}"


def test_the_soft_checks_weekly_figure_is_the_stored_weekly_rent():
    found = _disagreements(lettings_soft.weekly_value)
    assert not found, f"{len(found)} disagreements, e.g. {found[:3]}"
