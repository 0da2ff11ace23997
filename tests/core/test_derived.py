"""CORE's derived variables (collections/core/derived/*.yaml), computed as the gateway
computes them: answers normalised against the 2026/27 definition, then derived in
file order. Pure Python: no database.

Each case gives answers as a channel sends them (text) and the derived values it
expects. A few inputs are not questions in 2026/27 (legacy variables, such as
referral_type): a case passes them in `legacy`, added after normalisation.
"""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cldc.platform import registry
from cldc.platform.definitions.routing import route
from cldc.platform.definitions.values import normalise

REFERENCE = registry.get("core").reference_dir / "spec" / "derived_variables_2026.json"
DERIVED_DIR = Path(registry.get("core").package_dir) / "derived"
CONTEXT = {
    "today": dt.date(2026, 9, 1), "version": 2026,
    "collection_start": dt.date(2026, 4, 1), "collection_end": dt.date(2027, 3, 31),
    "owning_organisation_type": "prp", "managing_organisation_type": "prp",
}


def typed(record_type, answers):
    definition = registry.get("core").definition(record_type, 2026)
    values, errors = normalise(definition, answers)
    assert not errors, [e.message for e in errors]
    return {name: value for name, value in values.items() if value is not None}


class Derived(dict):
    """Derived values; a name that could not be derived reads as blank (None)."""

    def __missing__(self, name):
        return None


def derive(record_type, answers, legacy=None, **context):
    values = {**typed(record_type, answers), **(legacy or {})}
    return Derived(registry.get("core").rule_pack(record_type, 2026).derive(values, {**CONTEXT, **context}))


# --- Lettings ---------------------------------------------------------------------------

# A general needs Social Rent letting by a PRP: a couple and their child, rent monthly.
FAMILY = {
    "needstype": "1", "renewal": "0", "startdate": "2026-05-04", "rent_type": "0",
    "first_time_property_let_as_social_housing": "0", "rsnvac": "13", "unittype_gn": "1", "beds": "2",
    "voiddate": "2026-04-20", "majorrepairs": "0",
    "postcode_full": "LS1 4AP", "la": "E08000035",
    "hhmemb": "3", "age1_known": "0", "age1": "34", "sexrab1": "F", "ethnic_group": "0", "ethnic": "1",
    "nationality_all_group": "826", "ecstat1": "1",
    "details_known_2": "0", "age2_known": "0", "age2": "36", "relat2": "P", "sexrab2": "M", "ecstat2": "2",
    "details_known_3": "0", "age3_known": "0", "age3": "7", "sexrab3": "F",
    "housingneeds": "1", "housingneeds_type": "1", "housingneeds_other": "0",
    "illness": "1", "illness_type_3": "1",
    "prevten": "30", "reasonpref": "1", "rp_homeless": "1", "cbl": "1", "chr": "1",
    "net_income_known": "0", "incfreq": "2", "earnings": "1500", "hb": "1", "household_charge": "0",
    "period": "4", "brent": "450.00", "scharge": "25.50", "pscharge": "0", "supcharg": "0",
    "hbrentshortfall": "1", "tshortfall": "40.00",
}

FAMILY_DERIVED = {
    "renttype": 1, "renttype_detail": 1, "lettype": 1, "lar": None, "irproduct": None,
    "collection_start_year": 2026, "newprop": 2, "vacdays": 14, "postcode_known": 1, "la": "E08000035",
    "totchild": 1, "totelder": 0, "totadult": 2, "hhtype": 6, "refused": 0,
    "ecstat3": 9, "relat3": "X", "ethnic": 1, "nationality_all": 826,
    "housingneeds_a": 0, "housingneeds_b": 1, "housingneeds_c": 0, "housingneeds_f": 0,
    "housingneeds_g": 0, "housingneeds_h": 0,
    "illness_type_1": 0, "illness_type_3": 1, "illness_type_10": 0,
    "rp_homeless": 1, "rp_medwel": 0, "rp_dontknow": 0,
    "cbl": 1, "cap": 0, "chr": 1, "accessible_register": 0, "letting_allocation_unknown": 0,
    "new_old": 2, "incref": 0, "weekly_net_income": 346, "has_benefits": 1, "nocharge": 0,
    "tcharge": Decimal("475.50"), "payments_per_year": 12,
    # 450 x 12 / 52 = 103.846..., 25.50 x 12 / 52 = 5.884..., 475.50 x 12 / 52 = 109.730...
    "wrent": Decimal("103.85"), "wscharge": Decimal("5.88"), "wpschrge": Decimal("0.00"),
    "wsupchrg": Decimal("0.00"), "wtcharge": Decimal("109.73"), "wtshortfall": Decimal("9.23"),
    "tshortfall_known": 0, "wchchrg": None,
    # not a renewal: the renewal derivations keep the answers
    "referral_register": None, "voiddate": dt.date(2026, 4, 20), "prevten": 30, "rsnvac": 13, "ppcodenk": None,
}


def test_a_general_needs_family_letting():
    derived = derive("lettings", FAMILY)
    assert {name: derived[name] for name in FAMILY_DERIVED} == FAMILY_DERIVED


def test_weekly_amounts_are_decimals_rounded_half_up_to_the_penny():
    # 100.01 every 2 weeks is exactly 50.005 a week: half up gives 50.01 (half even would give 50.00)
    derived = derive("lettings", {**FAMILY, "period": "2", "brent": "100.01"})
    assert derived["wrent"] == Decimal("50.01") and isinstance(derived["wrent"], Decimal)
    derived = derive("lettings", {**FAMILY, "period": "10", "brent": "100.00"})  # 53 weeks
    assert derived["wrent"] == Decimal("101.92")
    assert derive("lettings", {**FAMILY, "period": "1", "brent": "87.65"})["wrent"] == Decimal("87.65")


def test_charges_are_zero_once_one_is_given_and_blank_when_none_is():
    derived = derive("lettings", {"period": "1", "brent": "120.00"})
    assert (derived["scharge"], derived["pscharge"], derived["supcharg"]) == (0, 0, 0)
    assert derived["tcharge"] == Decimal("120.00")
    assert derived["wtcharge"] == Decimal("120.00") and derived["wscharge"] == Decimal("0.00")
    derived = derive("lettings", {"period": "1", "household_charge": "1"})
    assert derived["brent"] is derived["tcharge"] is derived["wtcharge"] is None


def test_weekly_amounts_need_the_period():
    derived = derive("lettings", {"brent": "120.00", "tshortfall": "10.00", "hb": "1"})
    assert derived["tcharge"] == Decimal("120.00")
    assert derived["wrent"] is derived["wtcharge"] is derived["wtshortfall"] is derived["payments_per_year"] is None


def test_shortfall_is_weekly_only_with_housing_benefit_or_universal_credit():
    assert derive("lettings", {**FAMILY, "hb": "6"})["wtshortfall"] == Decimal("9.23")
    assert derive("lettings", {**FAMILY, "hb": "9"})["wtshortfall"] is None
    assert derive("lettings", {**FAMILY, "hb": "9"})["has_benefits"] == 0


def test_care_home_charge_is_weekly_for_supported_housing_only():
    # chcharge is not asked in 2026/27: it can only come from an older record
    assert derive("lettings", {"needstype": "2", "period": "3"}, {"chcharge": Decimal("260.00")})["wchchrg"] == Decimal("65.00")
    assert derive("lettings", {"needstype": "1", "period": "3"}, {"chcharge": Decimal("260.00")})["wchchrg"] is None


@pytest.mark.parametrize("incfreq, earnings, weekly", [("1", "420", 420), ("2", "1500", 346), ("3", "26026", 501)])
def test_weekly_net_income(incfreq, earnings, weekly):
    assert derive("lettings", {"incfreq": incfreq, "earnings": earnings})["weekly_net_income"] == weekly


def test_weekly_net_income_is_blank_without_a_frequency():
    assert derive("lettings", {"earnings": "1500"})["weekly_net_income"] is None


@pytest.mark.parametrize("known, incref", [("0", 0), ("1", 2), ("2", 1)])
def test_income_refused(known, incref):
    assert derive("lettings", {"net_income_known": known})["incref"] == incref


@pytest.mark.parametrize("rent_type, needstype, provider, expected", [
    ("0", "1", "prp", 1), ("0", "2", "prp", 2), ("0", "1", "local_authority", 3), ("0", "2", "local_authority", 4),
    ("1", "1", "prp", 5), ("2", "2", "local_authority", 8), ("3", "1", "prp", 9), ("4", "2", "prp", 10),
    ("5", "1", "local_authority", 11), ("6", "1", "prp", 13), ("6", "2", "local_authority", 16),
    ("0", "1", "other", None), ("0", "1", None, None),
])
def test_lettype(rent_type, needstype, provider, expected):
    derived = derive("lettings", {"rent_type": rent_type, "needstype": needstype}, owning_organisation_type=provider)
    assert derived["lettype"] == expected


@pytest.mark.parametrize("rent_type, renttype, detail, lar, irproduct", [
    ("1", 2, 2, 2, None), ("2", 2, 3, 1, None), ("3", 3, 4, None, 1), ("4", 3, 5, None, 2),
    ("5", 3, 6, None, 3), ("6", 4, 7, None, None),
])
def test_rent_type_groups(rent_type, renttype, detail, lar, irproduct):
    derived = derive("lettings", {"rent_type": rent_type})
    assert (derived["renttype"], derived["renttype_detail"], derived["lar"], derived["irproduct"]) == (renttype, detail, lar, irproduct)


def test_a_general_needs_renewal_fills_in_what_is_not_asked():
    answers = {"needstype": "1", "renewal": "1", "startdate": "2026-06-01", "rent_type": "2",
               "postcode_full": "E1 6AN", "la": "E09000030"}
    derived = derive("lettings", answers, owning_organisation_type="local_authority")
    assert {name: derived[name] for name in (
        "referral_register", "waityear", "offered", "rsnvac", "first_time_property_let_as_social_housing",
        "voiddate", "unitletas", "prevten", "ppostcode_full", "ppcodenk", "previous_la_known", "prevloc",
        "newprop", "vacdays", "new_old", "lettype",
    )} == {
        "referral_register": 1, "waityear": 2, "offered": 0, "rsnvac": 14, "first_time_property_let_as_social_housing": 0,
        "voiddate": dt.date(2026, 6, 1), "unitletas": 5, "prevten": 30, "ppostcode_full": "E1 6AN", "ppcodenk": 0,
        "previous_la_known": 1, "prevloc": "E09000030", "newprop": 2, "vacdays": 0, "new_old": 2, "lettype": 7,
    }
    assert derive("lettings", answers)["prevten"] == 32  # a PRP owner


def test_a_supported_housing_renewal_keeps_the_previous_tenancy_given():
    answers = {"needstype": "2", "renewal": "1", "rent_type": "0", "prevten": "35"}
    assert derive("lettings", answers)["prevten"] == 35
    assert derive("lettings", {**answers, "renewal": "0"})["unitletas"] is None


def test_the_previous_postcode_is_known_when_given():
    derived = derive("lettings", {"renewal": "0", "ppostcode_full": "M1 1AE"})
    assert derived["ppcodenk"] == 0
    assert derived["prevloc"] is None and derived["is_previous_la_inferred"] is None  # no lookup supplied


def test_local_authorities_come_from_postcode_lookups_only_when_a_caller_supplies_them():
    answers = {"postcode_full": "LS1 4AP", "ppostcode_full": "M1 1AE"}
    derived = derive("lettings", answers, postcode_la="E08000035", previous_postcode_la="E08000003")
    assert (derived["la"], derived["is_la_inferred"]) == ("E08000035", True)
    assert (derived["prevloc"], derived["is_previous_la_inferred"]) == ("E08000003", True)
    derived = derive("lettings", answers, postcode_la=None)  # looked up, nothing found
    assert (derived["la"], derived["is_la_inferred"]) == (None, False)
    derived = derive("lettings", answers)  # no lookup: nothing is pretended
    assert derived["la"] is derived["is_la_inferred"] is None


def test_supported_housing_wheelchair_standard_comes_from_the_location_when_known():
    assert derive("lettings", {"needstype": "2"}, location_mobility_type="W")["wchair"] == 1
    assert derive("lettings", {"needstype": "2"}, location_mobility_type="A")["wchair"] == 2
    assert derive("lettings", {"needstype": "2"})["wchair"] is None  # locations are not held yet
    assert derive("lettings", {"needstype": "1", "wchair": "2"}, location_mobility_type="W")["wchair"] == 2


def test_a_bedsit_has_one_bedroom():
    assert derive("lettings", {"needstype": "1", "unittype_gn": "2"})["beds"] == 1
    assert derive("lettings", {"needstype": "1", "unittype_gn": "7", "beds": "3"})["beds"] == 3


def test_address_from_a_uprn_or_typed_in():
    derived = derive("lettings", {"uprn": "10033544614"})
    assert (derived["uprn_known"], derived["uprn_confirmed"]) == (1, 1)
    derived = derive("lettings", {"address_line1": "1 High Street", "town_or_city": "Leeds"})
    assert (derived["uprn_known"], derived["uprn_confirmed"]) == (0, None)


def test_refused_details():
    assert derive("lettings", {**FAMILY, "age2_known": "1", "age2": ""})["refused"] == 1
    assert derive("lettings", {**FAMILY, "sexrab3": "R"})["refused"] == 1
    assert derive("lettings", {**FAMILY, "ecstat1": "10"})["refused"] == 1


def test_ethnic_and_nationality_when_the_tenant_prefers_not_to_say():
    derived = derive("lettings", {"ethnic_group": "17", "nationality_all_group": "0"})
    assert (derived["ethnic"], derived["nationality_all"]) == (17, 0)
    assert derive("lettings", {"nationality_all_group": "12", "nationality_all": "4"})["nationality_all"] == 4


def test_one_partner_at_most():
    answers = {"hhmemb": "4", "age2": "40", "relat2": "P", "age3": "19", "age4": "45", "relat4": "R"}
    derived = derive("lettings", answers)
    assert (derived["relat2"], derived["relat3"], derived["relat4"], derived["relat5"]) == ("P", "X", "R", None)
    assert derive("lettings", {**answers, "relat2": "X"})["relat3"] is None


def test_children_under_16():
    derived = derive("lettings", {"hhmemb": "2", "age2": "15", "ecstat2": "", "relat2": ""})
    assert (derived["ecstat2"], derived["relat2"]) == (9, "X")
    derived = derive("lettings", {"hhmemb": "2", "age2": "16", "ecstat2": "7", "relat2": "X"})
    assert (derived["ecstat2"], derived["relat2"], derived["totadult"]) == (7, "X", 1)


@pytest.mark.parametrize("n", range(2, 9))
def test_every_person_under_16_is_a_child_and_every_other_person_not_a_second_partner(n):
    household = {"hhmemb": "8", **{f"age{m}": "30" for m in range(2, 9)}}
    derived = derive("lettings", {**household, f"age{n}": "9"})
    assert (derived[f"ecstat{n}"], derived[f"relat{n}"]) == (9, "X")
    partner = 3 if n == 2 else 2
    derived = derive("lettings", {**household, f"relat{partner}": "P"})
    assert (derived[f"relat{n}"], derived[f"relat{partner}"]) == ("X", "P")


@pytest.mark.parametrize("ages, hhtype", [
    ({"age1": "72"}, 1),
    ({"age1": "66", "age2": "58"}, 2),
    ({"age1": "30"}, 3),
    ({"age1": "30", "age2": "29"}, 4),
    ({"age1": "25", "age2": "3"}, 5),
    ({"age1": "40", "age2": "41", "age3": "12"}, 6),
    ({"age1": "40", "age2": "41", "age3": "19"}, 9),
])
def test_household_type(ages, hhtype):
    answers = {"hhmemb": str(len(ages)), **ages}
    assert derive("lettings", answers)["hhtype"] == hhtype


def test_household_counts_are_blank_until_the_household_size_is_known():
    derived = derive("lettings", {"age1": "30"})
    assert derived["totchild"] is derived["totelder"] is derived["totadult"] is derived["hhtype"] is derived["refused"] is None


def test_access_needs_flags():
    derived = derive("lettings", {"housingneeds": "2"})
    assert [derived[f"housingneeds_{x}"] for x in "abcfgh"] == [0, 0, 0, 0, 1, 0]
    derived = derive("lettings", {"housingneeds": "1", "housingneeds_type": "0", "housingneeds_other": "1"})
    assert [derived[f"housingneeds_{x}"] for x in "abcfgh"] == [1, 0, 0, 1, 0, 0]
    derived = derive("lettings", {"housingneeds": "1", "housingneeds_type": "2"})
    assert [derived[f"housingneeds_{x}"] for x in "abcfgh"] == [0, 0, 1, 0, 0, 0]
    assert derive("lettings", {"housingneeds": "3"})["housingneeds_h"] == 1


def _checkbox_groups(record_type):
    definition = registry.get("core").definition(record_type, 2026)
    return [q.variables for q in definition.questions.values() if q.type == "checkbox" and len(q.variables) > 1]


@pytest.mark.parametrize("options", _checkbox_groups("lettings"), ids=lambda options: options[0])
def test_unticked_checkbox_options_are_0_once_one_is_ticked(options):
    for ticked in options:
        derived = derive("lettings", {ticked: "1"})
        assert {name: derived[name] for name in options} == {name: int(name == ticked) for name in options}


def test_unticked_checkbox_options_stay_blank_until_one_is_ticked():
    derived = derive("lettings", {"illness": "2"})
    assert derived["illness_type_1"] is derived["cbl"] is derived["rp_homeless"] is None


def test_legacy_referral_and_new_tenants():
    assert derive("lettings", {"startdate": "2026-05-01"}, {"referral_type": 6})["referral"] == 7
    assert derive("lettings", {"startdate": "2026-05-01"}, {"referral_type": 7})["referral"] == 16
    assert derive("lettings", {"startdate": "2026-05-01"}, {"referral": 10})["new_old"] == 2
    assert derive("lettings", {"startdate": "2026-05-01", "prevten": "3"})["new_old"] == 1
    assert derive("lettings", {"prevten": "30"})["new_old"] is None


def test_vacant_days_from_major_repairs_when_given():
    answers = {"startdate": "2026-05-04", "voiddate": "2026-03-01", "majorrepairs": "1", "mrcdate": "2026-04-20"}
    assert derive("lettings", answers)["vacdays"] == 14
    assert derive("lettings", {"voiddate": "2026-03-01"})["vacdays"] is None


@pytest.mark.parametrize("startdate, year", [("2026-04-01", 2026), ("2027-03-31", 2026), ("2026-03-31", 2025)])
def test_collection_start_year(startdate, year):
    assert derive("lettings", {"startdate": startdate})["collection_start_year"] == year


def test_nocharge_and_shortfall_known():
    derived = derive("lettings", {"household_charge": "1"})
    assert derived["nocharge"] == 1 and derived["tshortfall_known"] is None
    assert derive("lettings", {"tshortfall": "12.00"})["tshortfall_known"] == 0


# --- Sales ------------------------------------------------------------------------------

# A joint shared ownership purchase: two buyers and a child; buyer 1 was a council tenant.
SHARED_OWNERSHIP = {
    "saledate": "2026-07-15", "ownershipsch": "1", "staircase": "2", "jointpur": "1", "jointmore": "2",
    "postcode_full": "sw1a1aa", "la": "E09000033", "proptype": "3", "beds": "3",
    "age1_known": "0", "age1": "35", "ethnic_group": "17", "nationality_all_group": "826", "ecstat1": "1",
    "relat2": "P", "age2_known": "0", "age2": "33", "nationality_all_buyer2_group": "12",
    "nationality_all_buyer2": "724", "ecstat2": "2",
    "hholdcount": "3", "details_known_3": "1", "age3_known": "0", "age3": "4",
    "prevten": "1", "prevtenbuy2": "3", "ppostcode_full": "N1 9GU",
    "income1": "30000", "income2": "25000", "hodate": "2026-03-15",
    "value": "200000", "equity": "25", "mortgageused": "1", "mortgage": "40000", "mortlen": "25", "deposit": "10000",
    "mrent": "350.00",
}

SHARED_OWNERSHIP_DERIVED = {
    "collection_start_year": 2026, "pcodenk": 0, "pcode1": "SW1A", "pcode2": "1AA", "ppcodenk": 0,
    "ppostc1": "N1", "ppostc2": "9GU", "ppostcode_full": "N1 9GU", "la": "E09000033",
    "ethnic": 17, "nationality_all": 826, "nationality_all_buyer2": 724, "ecstat2": 2, "ecstat3": 9,
    "totchild": 1, "total_elder": 0, "total_adult": 2, "totadult": 2, "hhmemb": 3, "hhtype": 6,
    "soctenant": 1, "beds": 3, "mortgage": 40000, "deposit": 10000, "mrent": Decimal("350.00"), "mortlen_known": 0,
    "hoday": 15, "homonth": 3, "hoyear": 2026, "combined_income": 55000,
    "expected_shared_ownership_deposit_value": 50000, "mortgage_deposit_and_grant_total": 50000,
    "london_property": True, "exday": None, "pregblank": None, "buy1livein": None,
}


def test_a_joint_shared_ownership_purchase():
    derived = derive("sales", SHARED_OWNERSHIP)
    assert {name: derived[name] for name in SHARED_OWNERSHIP_DERIVED} == SHARED_OWNERSHIP_DERIVED


def test_a_discounted_ownership_purchase_without_a_mortgage():
    answers = {"saledate": "2026-10-01", "ownershipsch": "2", "jointpur": "2", "postcode_full": "B1 1AA",
               "la": "E08000025", "value": "150000", "discount": "30", "mortgageused": "2", "deposit": "105000",
               "grant": "0"}
    derived = derive("sales", answers, {"la_known": 1})
    assert {name: derived[name] for name in (
        "mortgage", "discount_value", "value_with_discount", "mortgage_deposit_and_grant_total",
        "ppostcode_full", "ppcodenk", "prevloc", "previous_la_known", "london_property", "ppostc1", "ppostc2",
    )} == {
        "mortgage": 0, "discount_value": 45000, "value_with_discount": 105000, "mortgage_deposit_and_grant_total": 105000,
        "ppostcode_full": "B1 1AA", "ppcodenk": 0, "prevloc": "E08000025", "previous_la_known": 1,
        "london_property": False, "ppostc1": "B1", "ppostc2": "1AA",
    }
    assert derive("sales", {**answers, "mortgageused": "3"})["mortgage"] is None


def test_a_staircasing_transaction_to_full_ownership():
    answers = {"ownershipsch": "1", "staircase": "1", "stairbought": "10", "stairowned": "100", "firststair": "1",
               "value": "200000"}
    derived = derive("sales", answers)
    assert (derived["mrent"], derived["numstair"], derived["stairbought_part_of_value"]) == (0, 1, 20000)
    assert derive("sales", {**answers, "firststair": "2", "numstair": "3"})["numstair"] == 3


def test_social_tenancy_from_either_buyer():
    answers = {"ownershipsch": "1", "prevten": "3", "prevtenbuy2": "2"}
    assert derive("sales", answers)["soctenant"] == 1
    assert derive("sales", {**answers, "prevtenbuy2": "3"})["soctenant"] == 2
    assert derive("sales", {**answers, "ownershipsch": "2"})["soctenant"] is None


@pytest.mark.parametrize("ages, hhtype", [
    ({"age1": "70"}, 1), ({"age1": "70", "age2": "68"}, 2), ({"age1": "30"}, 3), ({"age1": "30", "age2": "31"}, 4),
    ({"age1": "30", "age2": "5"}, 5), ({"age1": "30", "age2": "31", "age3": "5"}, 6), ({"age1": "70", "age2": "40"}, 9),
])
def test_sales_household_type(ages, hhtype):
    assert derive("sales", ages)["hhtype"] == hhtype


def test_sales_children_and_adults_by_age_and_relationship():
    # 'C' (child of the buyer) is a relationship of earlier years
    derived = derive("sales", {"age1": "45", "age2": "19", "age3": "17"}, {"relat2": "C"})
    assert (derived["totchild"], derived["total_adult"], derived["totadult"]) == (2, 1, 1)
    derived = derive("sales", {"age1": "45", "age2": "19", "relat2": "X"})
    assert (derived["totchild"], derived["total_adult"]) == (0, 2)


def test_a_child_buyer_2_in_a_joint_purchase_is_not_inferred():
    assert derive("sales", {"jointpur": "2", "age2": "12"})["ecstat2"] == 9
    assert derive("sales", {"jointpur": "1", "age2": "17", "ecstat2": "7"})["ecstat2"] == 7


@pytest.mark.parametrize("n", range(3, 7))
def test_every_other_sales_household_member_under_16_is_a_child(n):
    assert derive("sales", {"jointpur": "1", f"age{n}": "10"})[f"ecstat{n}"] == 9
    assert derive("sales", {"jointpur": "1", f"age{n}": "16", f"ecstat{n}": "7"})[f"ecstat{n}"] == 7


def test_sales_bedsit_and_address():
    derived = derive("sales", {"proptype": "2", "uprn": "100023336956"})
    assert (derived["beds"], derived["uprn_known"], derived["uprn_confirmed"]) == (1, 1, 1)


def test_sales_postcode_lookups_only_when_a_caller_supplies_them():
    answers = {"postcode_full": "SW1A 1AA", "ppostcode_full": "N1 9GU"}
    derived = derive("sales", answers, postcode_la="E09000033", previous_postcode_la="E09000019")
    assert (derived["la"], derived["is_la_inferred"], derived["london_property"]) == ("E09000033", True, True)
    assert (derived["prevloc"], derived["is_previous_la_inferred"]) == ("E09000019", True)
    assert derive("sales", answers)["la"] is None


def test_sales_legacy_variables():
    derived = derive("sales", {"jointpur": "1"}, {
        "buylivein": 2, "pregyrha": 0, "pregla": 0, "pregghb": 0, "pregother": 0, "exdate": dt.date(2026, 5, 20),
    })
    assert (derived["buy1livein"], derived["buy2livein"], derived["pregblank"]) == (2, 2, 1)
    assert (derived["exday"], derived["exmonth"], derived["exyear"]) == (20, 5, 2026)
    assert derive("sales", {"jointpur": "2"}, {"buylivein": 1})["buy1livein"] == 1
    derived = derive("sales", {"mortgageused": "2", "value": "180000"}, {"ownershipsch": 3})
    assert derived["deposit"] == 180000  # an outright sale of an earlier year


def test_shared_ownership_values_need_both_inputs():
    derived = derive("sales", {"value": "200000"})
    assert derived["expected_shared_ownership_deposit_value"] is derived["discount_value"] is None
    assert derived["value_with_discount"] == 200000
    assert derive("sales", {"income2": "12000"})["combined_income"] == 12000


def test_sales_hhmemb_needs_the_purchase_type():
    assert derive("sales", {"hholdcount": "2"})["hhmemb"] is None


# --- Every derivation, and every reference entry ------------------------------------------


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_nothing_is_derived_from_an_empty_record(record_type):
    derived = registry.get("core").rule_pack(record_type, 2026).derive({}, CONTEXT)
    assert {name: value for name, value in derived.items() if value is not None} == {}


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_reference_entry_is_declared(record_type):
    reference = json.loads(REFERENCE.read_text())[record_type]
    declared = yaml.safe_load((DERIVED_DIR / f"{record_type}.yaml").read_text())
    routed = [r["reference"] for r in declared["notes"]["handled_by_routing"]]
    covered = [d["reference"] for d in declared["derived"]] + routed
    assert sorted(set(covered)) == sorted(entry["name"] for entry in reference)
    pack = registry.get("core").rule_pack(record_type, 2026)
    assert all(d.years == "2026-" and d.description for d in pack.derivations)


def test_answers_that_no_longer_apply_are_cleared_by_routing():
    definition = registry.get("core").definition("lettings", 2026)
    answers = typed("lettings", {**FAMILY, "renewal": "1"})
    kept, cleared, _ = route(definition, answers, CONTEXT)
    assert "voiddate" in cleared and "voiddate" not in kept  # a renewal is not asked the void date


@pytest.mark.parametrize("record_type, answers, follow_up", [
    ("lettings", {**FAMILY, "declaration": "1", "gender_same_as_sex1": "2", "gender_description1": "Non-binary"},
     ("gender_same_as_sex1", "1", "gender_description1")),
    ("sales", {**SHARED_OWNERSHIP, "privacynotice": "1", "gender_same_as_sex1": "2", "gender_description1": "Non-binary"},
     ("gender_same_as_sex1", "1", "gender_description1")),
    ("sales", {**SHARED_OWNERSHIP, "has_mscharge": "1", "mscharge": "95.00"}, ("has_mscharge", "0", "mscharge")),
])
def test_follow_up_answers_are_cleared_when_their_question_changes(record_type, answers, follow_up):
    definition = registry.get("core").definition(record_type, 2026)
    parent, other_answer, child = follow_up
    kept, _, _ = route(definition, typed(record_type, answers), CONTEXT)
    assert child in kept
    kept, cleared, _ = route(definition, typed(record_type, {**answers, parent: other_answer}), CONTEXT)
    assert child in cleared
