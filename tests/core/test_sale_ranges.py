"""CORE's sale ranges (reference/sale_range_data_<year>.csv) and the soft check that reads
them, value_value_check: a purchase price outside the soft range for the local authority
and bedrooms asks for a confirmation, through the gateway in every channel."""

import datetime as dt
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from cldc.collections.core.functions.reference_tables import sale_range, sale_ranges
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

LEEDS = "E08000035"  # 2 bedrooms: £96,657 to £308,883
SALE = {"saledate": "2026-05-04", "ownershipsch": 2, "type": 9, "proptype": 1, "beds": 2, "la": LEEDS}


def test_the_sale_range_table_loads_every_row():
    assert len(sale_ranges(2026)) == 1184  # 296 local authorities, 1 to 4 bedrooms
    assert sale_range(2026, LEEDS, 2) == (Decimal(96657), Decimal(308883))


def test_more_bedrooms_than_the_table_use_its_largest_row_and_ranges_belong_to_their_year():
    assert sale_range(2026, LEEDS, 7) == sale_range(2026, LEEDS, 4) == (Decimal(172302), Decimal(838398))
    assert sale_range(2025, LEEDS, 2) is None
    assert sale_range(2026, "W06000015", 2) is None  # Cardiff: no English sale range


def value_checks(outcome):
    return [(w["field"], w["message"]) for w in outcome.warnings if w["rule"] == "value_value_check"]


@pytest.mark.parametrize("channel", ["form", "upload", "api"])
def test_a_price_outside_the_soft_range_asks_for_a_confirmation_and_one_inside_does_not(orgs, core_service, channel):
    def judged(value):
        record = Record(collection="core", record_type="sales", version=2026, owning_organisation=orgs["parent"],
                        managing_organisation=orgs["parent"])
        with schema_context("core"):
            return submit(record, {**SALE, "value": value}, channel, validate_only=True, today=dt.date(2026, 5, 10))

    higher, lower = value_checks(judged(308884)), value_checks(judged(96656))
    assert higher == [("value", "You told us the purchase price is £308,884.00. This is higher than we would expect.")]
    assert lower == [("value", "You told us the purchase price is £96,656.00. This is lower than we would expect.")]
    assert value_checks(judged(308883)) == [] and value_checks(judged(96657)) == []  # the range's own ends
