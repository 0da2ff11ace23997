"""When a register entry is active (cldc.platform.registers.periods): available from its
day, inactive through each deactivation until its reactivation, and a child entry
inactive while its parent is. Pure: the rules and the chooser both judge by it."""

import datetime as dt

import pytest

from cldc.platform.registers import periods

D = dt.date


def entry(**changes):
    return {"complete": True, "available_from": D(2026, 1, 1), "deactivations": [], **changes}


@pytest.mark.parametrize("day, expected", [
    (D(2025, 12, 31), (periods.ACTIVATING_SOON, D(2026, 1, 1))),
    (D(2026, 1, 1), (periods.ACTIVE, None)),
    (D(2026, 5, 31), (periods.ACTIVE, None)),
    (D(2026, 6, 1), (periods.REACTIVATING_SOON, D(2026, 9, 1))),
    (D(2026, 8, 31), (periods.REACTIVATING_SOON, D(2026, 9, 1))),
    (D(2026, 9, 1), (periods.ACTIVE, None)),
    (D(2027, 1, 1), (periods.DEACTIVATED, D(2027, 1, 1))),
])
def test_an_entry_s_status_on_a_day(day, expected):
    one = entry(deactivations=[{"from": D(2026, 6, 1), "until": D(2026, 9, 1)}, {"from": D(2027, 1, 1), "until": None}])
    assert periods.status_on(one, day) == expected


def test_an_incomplete_entry_is_never_active():
    assert periods.status_on(entry(complete=False), D(2026, 5, 1)) == (periods.INCOMPLETE, None)


def test_a_child_is_inactive_while_its_parent_is_deactivated_but_not_before_the_parent_is_available():
    parent = entry(available_from=D(2026, 3, 1), deactivations=[{"from": D(2026, 6, 1), "until": None}])
    child = entry(parent=parent)
    assert periods.status_on(child, D(2026, 6, 2)) == (periods.DEACTIVATED, D(2026, 6, 1))
    assert periods.status_on(child, D(2026, 2, 1)) == (periods.ACTIVE, None)


@pytest.mark.parametrize("start, end, overlaps", [
    (D(2026, 5, 1), D(2026, 6, 1), False),  # ends the day the other starts
    (D(2026, 5, 1), D(2026, 6, 2), True),
    (D(2026, 9, 1), None, False),  # starts the day the other ends
    (D(2026, 8, 31), None, True),
    (D(2025, 1, 1), None, True),  # for good, from before
])
def test_a_new_deactivation_overlaps_one_held(start, end, overlaps):
    assert periods.overlaps([{"from": D(2026, 6, 1), "until": D(2026, 9, 1)}], start, end) is overlaps
