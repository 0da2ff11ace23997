"""H-CLIC's quarter as a council sends it: after the quarter ended, from its
case-management system. Cases stored after July to September 2025 ended, with their
events dated in it, belong to its return, as they stand, and are not late additions; a
case stored earlier and updated after the quarter to record a placement made during it
belongs; a case whose events are all later does not (collections/hclic/returns/case.yaml,
ADR 12). Each change is dated when it was made (its revision), as the platform stores it."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.membership import members
from cldc.platform.returns.models import Snapshot
from cldc.tests.returns.conftest import backdate

JULY_TO_SEPTEMBER_2025 = Period(2025, 2)
SENT_ON = dt.date(2025, 10, 20)  # the case-management system's upload, after the quarter


def test_cases_sent_after_the_quarter_belong_to_it_by_their_own_dates(hclic_service, make_organisation, make_person):
    council = make_organisation("Sent Late Borough Council", type="local_authority")
    coordinator = make_person("coordinator@sent-late.example", council, role="data_coordinator")
    declared = returns_of("hclic", "case")

    def case(reference, stored_on, **answers):
        record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                        managing_organisation=council)
        outcome = submit(record, {"caseref": reference, **answers}, "api", today=stored_on)
        assert outcome.saved and not outcome.errors and not outcome.rejected, (reference, outcome.errors)
        return backdate(record, stored_on)

    with schema_context("hclic"):
        owed = case("OWED", SENT_ON, appdate="2025-08-04", assessdate="2025-08-06", assessoutcome=1)
        # Advice only, stored in April to June; placed in August, recorded in November.
        placed = case("PLACED", dt.date(2025, 5, 6), appdate="2025-05-02", assessdate="2025-05-05", assessoutcome=3)
        later = case("LATER", SENT_ON, appdate="2025-10-06", assessdate="2025-10-08", assessoutcome=1)
        found = {pk for pk, _ in _included(declared, council, coordinator)}
        assert found == {owed.pk}
        outcome = submit(placed, {"taplacements": 1, "tatype1": 1, "taoutside1": 2, "tastart1": "2025-08-20"},
                         "form", today=dt.date(2025, 11, 3))
        assert outcome.saved and not outcome.errors, outcome.errors
        backdate(placed, dt.date(2025, 11, 3))
        assert dict(_included(declared, council, coordinator)) == {
            owed.pk: ["A prevention, relief or main duty owed during the quarter",
                      "Applied, assessed, or a duty decided or ended in the quarter"],
            placed.pk: ["In temporary accommodation during the quarter"]}
        assert later.pk not in found

        snapshot = workflow.submit(declared, council, JULY_TO_SEPTEMBER_2025, coordinator, today=dt.date(2025, 11, 4))
        rows = {row.record_number: (row.reference, row.late, row.revised, row.answers.get("tastart1"))
                for row in Snapshot.objects.get(pk=snapshot.pk).records.all()}
    assert rows == {owed.pk: ("OWED", False, False, None), placed.pk: ("PLACED", False, False, "2025-08-20")}


def _included(declared, council, coordinator):
    """[(case id, reasons)] in the council's July to September 2025 return."""
    return [(m.record.pk, m.reasons) for m in members(declared, council, JULY_TO_SEPTEMBER_2025, coordinator)
            if m.included]
