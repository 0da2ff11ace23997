"""Supported housing's scheme and location columns in CORE's exports (docs/exports.md,
"Columns from a chosen entry"): the CDS elements, against the real service's golden file
(tests/core/cds_golden/supported_housing_logs.xml, copied unchanged; fixture_logs.md §3,
whose scheme and location are built here), and the user CSV downloads' scheme_* and
location_* columns, in codes and labels, and in Parquet."""

import csv
import datetime as dt
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pyarrow.parquet as pq
import pytest
from django_tenants.utils import schema_context

from cldc.collections.core.functions import cds
from cldc.platform.exports.runs import run_export
from cldc.platform.registers.context import entries_for
from cldc.platform.registers.periods import status_on
from cldc.platform.registry import get as collection
from cldc.tests.core.schemes import deactivate, make_scheme
from cldc.tests.core.test_core_cds_export import LETTINGS_CONFIRMED, LETTINGS_LOG, golden, store
from cldc.tests.core.test_core_cds_export import exports_in_tmp, mhclg  # noqa: F401 (fixtures: §1's organisation)

# The 17 elements CDS has for a supported-housing log with a scheme and a location, in
# their emit order, between amended_by and renttype_detail (cds_lettings_2026_fields.csv).
SCHEME_ELEMENTS = ["unittype_sh", "confidential", "cligrp1", "cligrp2", "intstay", "mantype", "reghome", "schtype",
                   "support", "units_scheme", "scheme", "scheme_status", "mobstand", "scheme_old", "units",
                   "location_code", "location_status"]

# fixture_logs.md §3: the scheme factory's `export` trait and defaults, and its location's.
SCHEME = dict(service_name="Downing Street scheme", sensitive=1, registered_under_care_act=1, support_type=4,
              scheme_type=7, intended_stay="M", primary_client_group="G", has_other_client_group=1,
              secondary_client_group="M", arrangement_type="D")
LOCATION = dict(postcode="SW1A 2AA", name="Downing Street", type_of_unit=7, units=20, mobility_type="A",
                startdate="2021-04-01", local_authority="E09000033", old_code="111")
ON = dt.date(2026, 4, 3)
# The general-needs property answers a supported-housing log takes from its location instead.
PROPERTY = ("uprn", "address_line1", "town_or_city", "postcode_full", "la", "unittype_gn", "beds", "wchair")


@pytest.fixture
def fake(make_person, mhclg):
    return make_person("fake@email.com", mhclg, role="data_coordinator")


@pytest.fixture
def scheme(mhclg):
    """The scheme with its location, and a second location with no units (so incomplete),
    which units_scheme leaves out of its sum."""
    made, (location, _) = make_scheme(mhclg, locations=(LOCATION, {**LOCATION, "name": "Annexe", "units": None}),
                                      **SCHEME)
    return made, location


def supported_log(service, organisation, person, scheme, location, **changes):
    """The §1 log as a supported-housing letting of the scheme's location (§3: needstype 2,
    no household charge), its local authority filled from the location."""
    answers = {key: value for key, value in LETTINGS_LOG.items() if key not in PROPERTY}
    answers.update(needstype=2, scheme_id=scheme.code, location_id=str(location.pk), household_charge=0, **changes)
    return store(service, "lettings", answers, organisation, person, on=ON, confirm=LETTINGS_CONFIRMED)


def cds_forms(service):
    run = run_export(service, "core", "lettings", 2026, "core.cds", full=True)
    with zipfile.ZipFile(run.path) as opened:
        (xml,) = [opened.read(name).decode() for name in opened.namelist() if name.endswith("_pt001.xml")]
    return re.findall(r"  <form>\n.*?  </form>\n", xml, re.DOTALL)


def elements(form):
    return [re.match(r"    <([A-Za-z0-9_]+)", line).group(1) for line in form.splitlines() if line.startswith("    <")]


def test_a_supported_housing_log_sends_the_golden_files_scheme_and_location_elements(core_service, mhclg, fake,
                                                                                      scheme):
    made, location = scheme
    supported_log(core_service, mhclg, fake, made, location)
    (form,) = cds_forms(core_service)
    expected = golden("supported_housing_logs.xml", scheme_id=made.pk, location_id=location.pk).splitlines()
    ours = form.splitlines()
    for name in SCHEME_ELEMENTS:
        (golden_line,) = [line for line in expected if line.startswith(f"    <{name}>") or line == f"    <{name}/>"]
        (our_line,) = [line for line in ours if line.startswith(f"    <{name}>") or line == f"    <{name}/>"]
        assert our_line == golden_line
    names = elements(form)
    assert names[names.index("amended_by") + 1:names.index("renttype_detail")] == SCHEME_ELEMENTS
    assert "unittype_gn" not in names and len(names) == 204  # README §2.5: 188, less unittype_gn, with 17 more
    # The local authority and postcode from the location; no charge sent as 1 or nothing.
    for line in ("<la>E09000033</la>", "<postcode_full>SW1A 2AA</postcode_full>", "<nocharge/>",
                 "<needstype>2</needstype>"):
        assert f"    {line}" in ours
        assert f"    {line}" in expected


def test_a_general_needs_log_has_none_of_them_and_a_log_without_a_location_none_of_its(core_service, mhclg, fake,
                                                                                        scheme):
    made, location = scheme
    store(core_service, "lettings", {**LETTINGS_LOG, "tenancycode": "GN"}, mhclg, fake, on=ON,
          confirm=LETTINGS_CONFIRMED)
    store(core_service, "lettings", {"needstype": 2, "startdate": "2026-04-03", "scheme_id": made.code,
                                     "tenancycode": "SH"}, mhclg, fake, on=ON)
    general, without_location = cds_forms(core_service)
    assert "unittype_gn" in elements(general) and not set(SCHEME_ELEMENTS) & set(elements(general))
    assert "    <unittype_sh/>\n" in without_location and "unittype_gn" not in elements(without_location)
    assert f"    <scheme>{made.pk}</scheme>\n" in without_location
    assert not {"mobstand", "scheme_old", "units", "location_code", "location_status"} & set(elements(without_location))


def test_the_statuses_are_those_on_the_log_s_start_date_as_the_rules_judge_them(core_service, mhclg, fake, scheme):
    made, location = scheme
    record = supported_log(core_service, mhclg, fake, made, location)
    deactivate(made, dt.date(2026, 4, 1), dt.date(2026, 6, 1))  # after the log was made: the log keeps its scheme
    (form,) = cds_forms(core_service)
    assert "    <scheme_status>reactivating_soon</scheme_status>\n" in form
    assert "    <location_status>reactivating_soon</location_status>\n" in form  # its scheme's period
    definition = collection("core").definition("lettings", 2026)
    with schema_context(core_service.schema_name):
        entries = entries_for(record, definition, record.answers)
    assert status_on(entries["scheme"], ON)[0] == "reactivating_soon" == status_on(entries["location"], ON)[0]


def download(service, layout, codes, format="csv"):
    run = run_export(service, "core", "lettings", 2026, format, layout_id=layout, full=True, codes=codes)
    return Path(run.path)


def last_row(path):
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))
    return dict(zip(rows[1], rows[-1]))


def test_the_csv_downloads_have_the_scheme_and_location_in_codes_and_labels(core_service, mhclg, fake, scheme):
    made, location = scheme
    supported_log(core_service, mhclg, fake, made, location)
    with schema_context(core_service.schema_name):
        made.refresh_from_db()
    created = made.created_at.astimezone(cds.LONDON).isoformat(timespec="seconds")
    same = {"scheme_code": made.code, "scheme_service_name": "Downing Street scheme",
            "scheme_owning_organisation_name": "MHCLG", "scheme_created_at": created,
            "location_code": str(location.pk), "location_postcode": "SW1A 2AA", "location_name": "Downing Street",
            "location_units": "20", "location_local_authority": "Westminster", "location_startdate": "2021-04-01"}
    codes = {**same, "scheme_confidential": "1", "SCHTYPE": "7", "scheme_registered_under_care_act": "1",
             "scheme_primary_client_group": "G", "scheme_has_other_client_group": "1",
             "scheme_secondary_client_group": "M", "scheme_support_type": "4", "scheme_intended_stay": "M",
             "location_type_of_unit": "7", "location_mobility_type": "A"}
    labels = {**same, "scheme_confidential": "Yes", "SCHTYPE": "Housing for older people",
              "scheme_registered_under_care_act": "No", "scheme_primary_client_group": "People with alcohol problems",
              "scheme_has_other_client_group": "Yes",
              "scheme_secondary_client_group": "Older people with support needs",
              "scheme_support_type": "High level", "scheme_intended_stay": "Medium stay",
              "location_type_of_unit": "Self-contained house",
              "location_mobility_type": "Fitted with equipment and adaptations"}
    for layout, as_codes, expected in (("support", True, codes), ("support", False, labels),
                                       ("download", False, labels)):
        row = last_row(download(core_service, layout, as_codes))
        assert {name: row[name] for name in expected} == expected, (layout, as_codes)


def test_parquet_keeps_the_entry_columns_types_and_xlsx_has_them(core_service, mhclg, fake, scheme):
    made, location = scheme
    supported_log(core_service, mhclg, fake, made, location)
    table = pq.read_table(download(core_service, "support", True, "parquet"))
    row = table.to_pylist()[0]
    assert (row["scheme_code"], row["location_code"], row["location_units"], row["SCHTYPE"]) == (
        made.code, location.pk, 20, 7)
    assert row["scheme_primary_client_group"] == "G" and row["location_startdate"] == dt.date(2021, 4, 1)
    assert row["scheme_created_at"] is not None
    sheet = openpyxl.load_workbook(download(core_service, "support", False, "xlsx"), read_only=True).active
    _, names, *_, values = [list(cells) for cells in sheet.iter_rows(values_only=True)]  # descriptions first
    assert dict(zip(names, values))["scheme_intended_stay"] == "Medium stay"


@pytest.mark.parametrize("entry, message", [
    ("tenancycode.units", "'tenancycode' is no question that chooses a register's entry"),
    ("location_id.colour", "location has no field 'colour', and it is none of id, code, name"),
    ("scheme_id.children.service_name", "scheme has no children with a numeric field 'service_name'"),
])
def test_an_entry_column_the_register_cannot_give_is_a_mistake_naming_its_place(tmp_path, entry, message):
    from cldc.platform.definitions.model import DefinitionError
    from cldc.platform.exports.layouts import read_layouts

    path = tmp_path / "2026.yaml"
    path.write_text(f"layouts:\n  - id: mine\n    columns:\n      - {{name: odd, entry: {entry}}}\n", encoding="utf-8")
    definition = collection("core").definition("lettings", 2026)
    with pytest.raises(DefinitionError, match=re.escape(f"layout mine: column 'odd': entry: {message}")):
        read_layouts(path, definition, {})
    path.write_text("layouts:\n  - id: mine\n    columns:\n      - {name: fine, entry: location_id.units}\n",
                    encoding="utf-8")
    assert read_layouts(path, definition, {})["mine"].columns[0].entry.field == "units"


def test_a_scheme_s_name_that_a_spreadsheet_would_run_is_written_safe(core_service, mhclg, fake):
    made, (location,) = make_scheme(mhclg, locations=(LOCATION,), **{**SCHEME, "service_name": "=HYPERLINK(1)"})
    supported_log(core_service, mhclg, fake, made, location)
    assert last_row(download(core_service, "download", False))["scheme_service_name"] == "'=HYPERLINK(1)"
