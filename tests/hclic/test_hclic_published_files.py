"""H-CLIC's quality report as the published tables' files (platform/returns/published_files.py):
a council's October to December 2025 return, submitted, downloaded as a spreadsheet with a
sheet per table of collections/hclic/reports/case.yaml, in its order, each titled as
the published table and holding the council's row; A1 and TA1 against the counts made
independently from the cases (tests/hclic/test_hclic_report.py)."""

import datetime as dt
import io

import openpyxl
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import returns_of
from cldc.platform.returns.report_tables import laid_out, report_tables_of
from cldc.tests.hclic.test_hclic_report import CASES, QUARTER, independent_counts


def test_the_returns_tables_download_as_the_published_tables_with_counts_made_from_the_cases(
        hclic_service, make_organisation, make_person, client_for):
    council = make_organisation("Files Borough Council", type="local_authority", ons_code="E06000951")
    coordinator = make_person("coordinator@files-borough.example", council, role="data_coordinator")
    with schema_context("hclic"):
        for reference, answers in CASES.items():
            record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                            managing_organisation=council)
            outcome = submit(record, {"caseref": reference, **answers}, "api", today=dt.date(2026, 1, 15))
            assert outcome.saved and not outcome.errors, (reference, outcome.errors)
        workflow.submit(returns_of("hclic", "case"), council, QUARTER, coordinator)
    response = client_for("hclic", coordinator).get(
        f"/returns/{council.pk}/hclic/case/{QUARTER.key}/report/tables.xlsx")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    tables = report_tables_of("hclic", "case")
    assert workbook.sheetnames == [table.id for table in tables.tables]
    expected = independent_counts()
    for table in ("A1", "TA1"):
        rows = [row for row in workbook[table].iter_rows(values_only=True)]
        assert rows[0][0] == f"Table {table} - {tables.table(table).title}"
        [mine] = [row for row in rows if row[0] == "E06000951"]
        assert mine[1] == "Files Borough Council"
        keys = [column.key for column in laid_out(tables, table, 2025).columns]
        assert dict(zip(keys, mine[2:])) == expected[table]
