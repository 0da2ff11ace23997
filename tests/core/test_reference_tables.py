"""CORE's reference tables (collections/core/reference/) and the soft checks that
look things up in them. No database."""

import datetime as dt
from decimal import Decimal

import pytest

from cldc.collections.core.functions import lettings_soft
from cldc.collections.core.functions.reference_tables import (
    Range,
    charge_limits,
    collection_start_year,
    income_ranges,
    rent_range,
    rent_ranges,
)
from cldc.collections.core.functions.shared import weekly_value

PRP, LA = {"owning_organisation_type": "prp", "version": 2026}, {"owning_organisation_type": "local_authority", "version": 2026}


def test_the_rent_range_table_loads_every_row():
    assert len(rent_ranges(2026)) == 8880


def test_a_known_rent_range_row():
    # ranges_rent_id 1: lettype 1, E07000223, 1 bedroom
    assert rent_range(2026, 1, "E07000223", 1) == Range(
        soft_min=Decimal("60.13"), soft_max=Decimal("139.33"), hard_min=Decimal("25.84"), hard_max=Decimal("1000")
    )


def test_more_bedrooms_than_the_table_use_its_largest_row():
    assert rent_range(2026, 1, "E07000223", 6) == rent_range(2026, 1, "E07000223", 4)
    assert rent_range(2026, 1, "E07000223", 4).soft_min == Decimal("94.09")


def test_rent_ranges_belong_to_their_own_year():
    assert rent_range(2025, 1, "E07000223", 1) is None
    assert rent_range(2026, 1, "E99999999", 1) is None


def test_income_ranges_per_working_situation():
    table = income_ranges(2026)
    assert sorted(table) == list(range(11))
    assert table[5] == Range(Decimal(50), Decimal(380), Decimal(10), Decimal(1000))
    assert income_ranges(2027) == table  # a later year keeps the latest table


def test_charge_limits_by_provider_and_needs_type():
    limits = charge_limits(2026)
    assert len(limits) == 12
    assert limits[("scharge", "prp", 2)] == (Decimal(200), Decimal(800))
    assert limits[("supcharg", "local_authority", 1)] == (Decimal(25), Decimal(200))


@pytest.mark.parametrize(
    "amount, period, weekly",
    [(100, 1, "100.00"), (100, 2, "50.00"), (100, 4, "23.08"), (Decimal("433.34"), 4, "100.00"), (100, 10, "101.92")],
)
def test_weekly_value(amount, period, weekly):
    assert weekly_value(amount, period) == Decimal(weekly)


def test_weekly_value_is_blank_without_a_known_period():
    assert weekly_value(100, None) is None
    assert weekly_value(100, 12) is None


def test_collection_start_year_turns_on_1_april():
    assert collection_start_year(dt.date(2027, 3, 31)) == 2026
    assert collection_start_year(dt.date(2027, 4, 1)) == 2027


# --- The rent soft check against the table -------------------------------------------------

LETTING = {"startdate": dt.date(2026, 6, 1), "needstype": 1, "rent_type": 0, "la": "E07000223", "beds": 1, "period": 1}


@pytest.mark.parametrize(
    "brent, expected",
    [
        ("25.83", None),  # below the hard minimum: the hard rule's business
        ("25.84", "lower"),
        ("60.13", "lower"),
        ("60.14", None),
        ("139.32", None),
        ("139.33", "higher"),
        ("1000", "higher"),
        ("1000.01", None),
    ],
)
def test_rent_soft_range_boundaries(brent, expected):
    found = lettings_soft.rent_in_soft_range({**LETTING, "brent": Decimal(brent)}, PRP)
    assert (found and found["higher_or_lower"]) == (expected or None)


def test_rent_message_shows_the_rent_per_period():
    found = lettings_soft.rent_in_soft_range({**LETTING, "period": 4, "brent": Decimal("1000")}, PRP)
    assert found == {"brent": "£1,000.00 every month", "higher_or_lower": "higher"}  # 230.77 a week


def test_large_properties_are_high_above_the_soft_maximum_however_high():
    assert lettings_soft.rent_in_soft_range({**LETTING, "beds": 6, "brent": Decimal(5000)}, PRP)["higher_or_lower"] == "higher"


def test_supported_housing_uses_the_0_bedroom_row():
    # lettype 4: a local authority's supported housing at social rent
    row = rent_range(2026, 4, "E07000223", 0)
    answers = {**LETTING, "needstype": 2, "beds": 3, "brent": row.soft_min}
    assert lettings_soft.rent_in_soft_range(answers, LA)["higher_or_lower"] == "lower"


def test_the_derived_letting_type_and_weekly_rent_are_used_when_present():
    # lettype 3 (LA general needs social rent) and a weekly rent in its soft band, whatever brent says
    row = rent_range(2026, 3, "E07000223", 1)
    answers = {**LETTING, "brent": Decimal(1), "lettype": 3, "wrent": row.soft_max}
    assert lettings_soft.rent_in_soft_range(answers, {"version": 2026})["higher_or_lower"] == "higher"


def test_no_rent_check_without_the_owner_type():
    assert lettings_soft.rent_in_soft_range({**LETTING, "brent": Decimal("30")}, {"version": 2026}) is None


# --- Household income against the income table -------------------------------------------------


def test_household_income_range_counts_people_without_a_working_situation():
    answers = {"hhmemb": 3, "ecstat1": 1, "age2": 7, "age3": 30}  # person 2 counts as 9, person 3 as 10
    table = income_ranges(2026)
    assert lettings_soft.household_income_range(answers, 2026) == table[1] + table[9] + table[10]


def test_household_income_range_stops_at_person_8():
    answers = {"hhmemb": 12, "ecstat1": 1, **{f"ecstat{n}": 2 for n in range(2, 9)}}
    table = income_ranges(2026)
    expected = table[1]
    for _ in range(7):
        expected = expected + table[2]
    assert lettings_soft.household_income_range(answers, 2026) == expected


@pytest.mark.parametrize("earnings, incfreq, text", [(Decimal(400), 2, "lower"), (Decimal(40000), 3, "higher")])
def test_net_income_message(earnings, incfreq, text):
    # one person in full-time work: soft 143-730 a week; 400 a month is 92, 40,000 a year is 769
    found = lettings_soft.net_income_in_soft_range({"hhmemb": 1, "ecstat1": 1, "earnings": earnings, "incfreq": incfreq}, PRP)
    frequency = {2: "monthly", 3: "yearly"}[incfreq]
    assert found == {"earnings": f"£{earnings:,.2f}", "incfreq": frequency, "net_income_higher_or_lower_text": text}
