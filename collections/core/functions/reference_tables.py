"""CORE's reference tables, read once from the package's reference/ folder. Their
limits are weekly: callers convert amounts with shared.weekly_value.

- rent_range_data_<year>.csv: weekly rent ranges by letting type, local authority
  and bedrooms (the CORE service's LaRentRange table for that collection year);
- sale_range_data_<year>.csv: soft minimum and maximum purchase prices by local
  authority and bedrooms (the CORE service's LaSaleRange table for that collection
  year: value_value_check);
- lettings_income_ranges_<year>.csv: weekly net income ranges per person, by working
  situation (lettings_2026_validations.json, net_income_value_check.reference_table);
- lettings_charge_limits_<year>.csv: weekly soft and hard maxima of the service,
  personal service and support charges, by provider type and needs type (the soft
  checks scharge/pscharge/supcharg_value_check and the hard rule charge_within_maximum);
- local_authority_<year>.csv: every local authority a log may name, abolished ones
  included, with its name and the dates it existed (the la_active_on_* rules). It is
  also the `refers_to: local_authority` list the la questions offer (code and label).

Rent and sale ranges apply to their own collection year only, as in the CORE service. The
income and charge tables are not yearly in the CORE service, so a later year uses
the latest table at or before it: a new collection year needs no code.
"""

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from cldc.collections.core import COLLECTION

MAX_BEDS_IN_RENT_RANGES = 4
MAX_BEDS_IN_SALE_RANGES = 4


@dataclass(frozen=True)
class Range:
    soft_min: Decimal
    soft_max: Decimal
    hard_min: Decimal
    hard_max: Decimal

    def __add__(self, other):  # each field written out: a household's range adds one a person, for every record
        return Range(self.soft_min + other.soft_min, self.soft_max + other.soft_max,
                     self.hard_min + other.hard_min, self.hard_max + other.hard_max)


def collection_start_year(day):
    """2026 for a date from 1 April 2026 to 31 March 2027."""
    if not isinstance(day, dt.date):
        return None
    return day.year if (day.month, day.day) >= (4, 1) else day.year - 1


def _read(name):
    path = COLLECTION.reference_dir / name
    if not path.exists():
        return None
    with open(path, encoding="utf-8-sig", newline="") as handle:  # the rent file starts with a BOM
        return list(csv.DictReader(handle))


def _range(row):
    return Range(*(Decimal(row[f]) for f in ("soft_min", "soft_max", "hard_min", "hard_max")))


def _latest_year_at_or_before(prefix, year):
    years = sorted(int(p.stem.rsplit("_", 1)[1]) for p in COLLECTION.reference_dir.glob(f"{prefix}_*.csv"))
    earlier = [y for y in years if y <= year]
    return earlier[-1] if earlier else None


@cache
def rent_ranges(year):
    """{(lettype, la, beds): Range} for one collection year ({} when there is no table)."""
    rows = _read(f"rent_range_data_{year}.csv") or []
    return {(int(r["lettype"]), r["la"], int(r["beds"])): _range(r) for r in rows}


def rent_range(year, lettype, la, beds):
    """The weekly rent range for a letting, or None. `beds` is the number of bedrooms
    to look up: callers pass 0 for supported housing; more than the table's maximum
    uses its largest row."""
    if None in (year, lettype, la, beds):
        return None
    return rent_ranges(int(year)).get((int(lettype), la, min(int(beds), MAX_BEDS_IN_RENT_RANGES)))


@cache
def sale_ranges(year):
    """{(la, beds): (soft_min, soft_max)} for one collection year ({} when there is no table)."""
    rows = _read(f"sale_range_data_{year}.csv") or []
    return {(r["la"], int(r["bedrooms"])): (Decimal(r["soft_min"]), Decimal(r["soft_max"])) for r in rows}


def sale_range(year, la, beds):
    """The soft purchase price range (soft_min, soft_max) for a sale, or None. More
    bedrooms than the table's maximum use its largest row."""
    if None in (year, la, beds):
        return None
    return sale_ranges(int(year)).get((la, min(int(beds), MAX_BEDS_IN_SALE_RANGES)))


@cache
def income_ranges(year):
    """{ecstat: Range}: weekly net income per person, by working situation."""
    table_year = _latest_year_at_or_before("lettings_income_ranges", int(year))
    rows = _read(f"lettings_income_ranges_{table_year}.csv") if table_year else None
    return {int(r["ecstat"]): _range(r) for r in rows or []}


@cache
def charge_limits(year):
    """{(charge, provider_type, needstype): (soft_max, hard_max)}, weekly."""
    table_year = _latest_year_at_or_before("lettings_charge_limits", int(year))
    rows = _read(f"lettings_charge_limits_{table_year}.csv") if table_year else None
    return {
        (r["charge"], r["provider_type"], int(r["needstype"])): (Decimal(r["soft_max"]), Decimal(r["hard_max"]))
        for r in rows or []
    }


@dataclass(frozen=True)
class LocalAuthority:
    code: str
    name: str
    active_from: dt.date
    active_to: dt.date | None  # None: still exists

    def active_on(self, day):
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


@cache
def local_authorities(year):
    """{ONS code: LocalAuthority} from the latest list at or before the collection year,
    or the earliest list for a year before it (each list holds every earlier authority)."""
    years = sorted(int(p.stem.rsplit("_", 1)[1]) for p in COLLECTION.reference_dir.glob("local_authority_*.csv"))
    table_year = _latest_year_at_or_before("local_authority", int(year)) or (years[0] if years else None)
    rows = _read(f"local_authority_{table_year}.csv") if table_year else None
    return {
        r["code"]: LocalAuthority(
            r["code"], r["name"], dt.date.fromisoformat(r["active_from"]),
            dt.date.fromisoformat(r["active_to"]) if r["active_to"] else None)
        for r in rows or []
    }


def english_la_not_active_on(la, day):
    """The local authority's name when it is an English one that did not exist on the
    day (abolished before it, or created after it), else None. The CORE service checks
    English authorities only: la_in_england refuses the others."""
    if not isinstance(day, dt.date) or not isinstance(la, str) or not la.startswith("E"):
        return None
    authority = local_authorities(collection_start_year(day)).get(la)
    if authority is None or authority.active_on(day):
        return None
    return authority.name
