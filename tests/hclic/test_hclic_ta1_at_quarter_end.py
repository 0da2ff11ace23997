"""Table TA1 counts the placement each case was in at the end of the quarter, judged by
the placements' start and end dates against quarter_end (the report's member_values,
docs/reports.md), not the placement the case is in as it stands when the return is made:
October to December 2025 is made on 15 January 2026, after some placements have moved."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.models import Return
from cldc.platform.returns.report import report, return_sources

QUARTER = Period(2025, 3)  # October to December 2025
ASSESSED = {"appdate": "2025-10-10", "assessdate": "2025-10-10", "assessoutcome": 2}
CASES = {
    # In a hostel over the quarter's end; moved on 10 January, before the return was made.
    "ENDED-AFTER": {**ASSESSED, "taplacements": 1, "tatype1": 3, "taoutside1": 1, "tastart1": "2025-11-01",
                    "taend1": "2026-01-10"},
    # Placed only on 5 January: not in temporary accommodation at the quarter's end.
    "STARTED-AFTER": {**ASSESSED, "taplacements": 1, "tatype1": 1, "taoutside1": 1, "tastart1": "2026-01-05"},
    # Bed and breakfast until 10 January, then leased: the bed and breakfast is the quarter's.
    "MOVED-AFTER": {**ASSESSED, "taplacements": 2, "tatype1": 1, "taoutside1": 2, "tastart1": "2025-10-11",
                    "taend1": "2026-01-10", "tatype2": 4, "taoutside2": 1, "tastart2": "2026-01-10"},
    # Left on the quarter's last day: out of temporary accommodation at its end.
    "ENDED-ON-LAST-DAY": {**ASSESSED, "taplacements": 1, "tatype1": 5, "taoutside1": 2,
                          "tastart1": "2025-10-11", "taend1": "2025-12-31"},
}


def test_ta1_counts_the_placement_each_case_was_in_at_the_quarters_end(
        hclic_service, make_organisation, make_person):
    council = make_organisation("Quarter End Borough Council", type="local_authority")
    coordinator = make_person("coordinator@quarter-end.example", council, role="data_coordinator")
    declared = returns_of("hclic", "case")
    with schema_context("hclic"):
        for reference, answers in CASES.items():
            record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                            managing_organisation=council)
            outcome = submit(record, {"caseref": reference, **answers}, "api", today=dt.date(2026, 1, 15))
            assert outcome.saved and not outcome.errors and not outcome.rejected, (reference, outcome.errors)
        workflow.submit(declared, council, QUARTER, coordinator)
        made = Return.objects.get(organisation=council, year=QUARTER.year, number=QUARTER.number)
        assert made.latest_snapshot().records.count() == len(CASES)
        current, previous, _ = return_sources(coordinator, declared, council, QUARTER, made)
        [ta1] = [f for f in report(declared, council, QUARTER, current, previous, council.name) if f.table.id == "TA1"]
    counts = {cell.column.key: cell.count for cell in ta1.rows[0].cells}
    # ENDED-AFTER (hostel, away) and MOVED-AFTER (bed and breakfast, here); nothing else.
    assert counts == {"total": 2, "tatype_at_end-1": 1, "tatype_at_end-2": 0, "tatype_at_end-3": 1,
                      "tatype_at_end-4": 0, "tatype_at_end-5": 0, "tatype_at_end-6": 0, "outside": 1}
