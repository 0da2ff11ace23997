"""H-CLIC's returns (collections/hclic/returns/case.yaml) on the hclic service: a case
belongs in a quarter for a duty owed during it, a stage reached in it, a household in
temporary accommodation during it or a closure in it; a case where no duty was owed is
left out unless the household was placed in temporary accommodation; a case whose
duty ended before the quarter, and nothing else happened in it, is not there."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.membership import members

OCTOBER_TO_DECEMBER_2025 = Period(2025, 3)
CASES = {  # reference: answers
    "PREVENTING": {"appdate": "2025-09-01", "assessdate": "2025-09-05", "assessoutcome": 1},
    "PREVENTED-BEFORE": {"appdate": "2025-04-28", "assessdate": "2025-05-01", "assessoutcome": 1, "preventend": 1,
                         "preventenddate": "2025-06-20"},
    "ADVICE-ONLY": {"appdate": "2025-10-10", "assessdate": "2025-10-12", "assessoutcome": 3},
    "ADVICE-IN-TA": {"appdate": "2025-07-30", "assessdate": "2025-08-01", "assessoutcome": 3, "taplacements": 1,
                     "tatype1": 1, "taoutside1": 2, "tastart1": "2025-08-02"},
    "CLOSED": {"appdate": "2025-04-08", "assessdate": "2025-04-10", "assessoutcome": 2, "reliefend": 7,
               "reliefenddate": "2025-06-01", "closedate": "2025-11-15", "closeassist": 5},
    "MAIN-DUTY": {"appdate": "2025-03-30", "assessdate": "2025-04-01", "assessoutcome": 2, "reliefend": 2,
                  "reliefenddate": "2025-06-01", "mainduty": 1, "mddate": "2025-06-10"},
}


def test_hclic_triggers_a_duty_owed_a_stage_change_a_placement_and_a_closure_and_leave_advice_out(
        hclic_service, make_organisation, make_person, client_for):
    council = make_organisation("Returns Borough Council", type="local_authority")
    coordinator = make_person("coordinator@returns-council.example", council, role="data_coordinator")
    with schema_context("hclic"):
        cases = {}
        for reference, answers in CASES.items():
            record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                            managing_organisation=council)
            outcome = submit(record, {"caseref": reference, **answers}, "api", today=dt.date(2026, 1, 15))
            assert outcome.saved and not outcome.errors and not outcome.rejected, (reference, outcome.errors)
            cases[record.pk] = reference
        found = members(returns_of("hclic", "case"), council, OCTOBER_TO_DECEMBER_2025, coordinator)
    placed = {cases[m.record.pk]: m.reasons for m in found if m.included}
    left_out = {cases[m.record.pk]: m.reasons for m in found if not m.included}
    assert placed == {
        "PREVENTING": ["A prevention, relief or main duty owed during the quarter"],
        "ADVICE-IN-TA": ["In temporary accommodation during the quarter"],
        "CLOSED": ["Closed in the quarter"],
        "MAIN-DUTY": ["A prevention, relief or main duty owed during the quarter"],
    }
    assert left_out == {"ADVICE-ONLY": [
        "No duty owed (advice and information only), not in temporary accommodation by the quarter's end"]}
    assert {m.reference for m in found} == set(placed) | set(left_out)  # the case reference, as lists show it
    page = client_for("hclic", coordinator).get(
        f"/returns/{council.pk}/hclic/case/{OCTOBER_TO_DECEMBER_2025.key}/").content.decode()
    included, excluded = page.split('id="included"')[1].split('id="excluded"')
    assert all(reference in included for reference in placed) and "ADVICE-ONLY" in excluded
    assert "Case " in included and "Return for Quarter 3 of 2025 to 2026 (October to December 2025)" in page


def test_only_local_authorities_make_hclic_returns(hclic_service, make_organisation, make_person, client_for):
    """case.yaml's `made_by: [local_authority]`: a housing association's coordinator in
    the H-CLIC service is told who makes returns, is offered none, and its return is a 404."""
    association = make_organisation("Returns Housing Association", type="prp")
    council = make_organisation("Makes Returns Borough Council", type="local_authority")
    association_client = client_for("hclic", make_person("coordinator@returns-association.example", association,
                                                         role="data_coordinator"))
    council_client = client_for("hclic", make_person("coordinator@makes-returns.example", council,
                                                     role="data_coordinator"))
    listed = association_client.get("/returns/").content.decode()
    assert ('id="no-returns-hclic-case"' in listed and "returns are made by local authorities" in listed
            and "Returns Housing Association" not in listed)
    assert 'href="/returns/"' not in association_client.get("/").content.decode()
    url = f"/returns/{association.pk}/hclic/case/{OCTOBER_TO_DECEMBER_2025.key}/"
    assert association_client.get(url).status_code == 404
    assert association_client.post(url + "submit/").status_code == 404
    assert association_client.get(url + "report/").status_code == 404

    assert 'href="/returns/"' in council_client.get("/").content.decode()
    assert "Makes Returns Borough Council" in council_client.get("/returns/").content.decode()
    assert council_client.get(f"/returns/{council.pk}/hclic/case/{OCTOBER_TO_DECEMBER_2025.key}/").status_code == 200
