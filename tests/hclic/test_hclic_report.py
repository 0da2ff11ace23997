"""H-CLIC's quality report (collections/hclic/reports/case.yaml) for a council's
October to December 2025 return, submitted: tables A1 (assessments made in the quarter),
P1 (prevention duties ended in it) and TA1 (households in temporary accommodation at its
end) against counts made here, independently, from the cases' own answers; and a
figure's cases listed by their case reference."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.models import Return
from cldc.platform.returns.report import report, return_sources

QUARTER = Period(2025, 3)  # October to December 2025
START, END = "2025-10-01", "2025-12-31"
CASES = {  # reference: answers
    "PREV-S21": {"appdate": "2025-10-01", "assessdate": "2025-10-03", "assessoutcome": 1, "s21notice": 1},
    "PREV-SECURED": {"appdate": "2025-10-05", "assessdate": "2025-10-06", "assessoutcome": 1, "s21notice": 2,
                     "preventend": 2, "preventenddate": "2025-11-20"},
    "PREV-HOMELESS": {"appdate": "2025-11-01", "assessdate": "2025-11-02", "assessoutcome": 1, "s21notice": 2,
                      "preventend": 3, "preventenddate": "2025-12-01", "reliefstartdate": "2025-12-01"},
    "RELIEF-BB": {"appdate": "2025-10-10", "assessdate": "2025-10-10", "assessoutcome": 2, "taplacements": 1,
                  "tatype1": 1, "taoutside1": 2, "tastart1": "2025-10-11"},
    "RELIEF-HOSTEL-AWAY": {"appdate": "2025-10-12", "assessdate": "2025-10-12", "assessoutcome": 2,
                           "taplacements": 1, "tatype1": 3, "taoutside1": 1, "tastart1": "2025-10-13"},
    "ADVICE-IN-TA": {"appdate": "2025-10-20", "assessdate": "2025-10-21", "assessoutcome": 3, "taplacements": 1,
                     "tatype1": 5, "taoutside1": 2, "tastart1": "2025-10-22"},
    "PREV-WITHDREW-EARLIER": {"appdate": "2025-05-28", "assessdate": "2025-06-01", "assessoutcome": 1,
                              "preventend": 7, "preventenddate": "2025-10-15"},
    "TA-ENDED": {"appdate": "2025-08-30", "assessdate": "2025-09-01", "assessoutcome": 2, "taplacements": 1,
                 "tatype1": 2, "taoutside1": 2, "tastart1": "2025-09-02", "taend1": "2025-11-01"},
    "ADVICE-ONLY": {"appdate": "2025-10-20", "assessdate": "2025-10-21", "assessoutcome": 4},  # not in the return
}
# Table P1's columns, by the published headings: the reasons a prevention duty ended that each counts.
P1_COLUMNS = {"prevendgroup-1": (1, 2), "prevendgroup-2": (3,), "prevendgroup-6": (7, 8)}


def in_quarter(day):
    return day is not None and START <= day <= END


def independent_counts():
    """A1, P1 and TA1 counted from CASES, the cases of the return (advice only is left out)."""
    cases = [answers for reference, answers in CASES.items() if reference != "ADVICE-ONLY"]
    assessed = [a for a in cases if in_quarter(a["assessdate"])]
    a1 = {"total": len(assessed),
          "dutyowed-1": sum(a["assessoutcome"] in (1, 2) for a in assessed),
          "dutyowed-2": sum(a["assessoutcome"] not in (1, 2) for a in assessed),
          **{f"assessoutcome-{code}": sum(a["assessoutcome"] == code for a in assessed) for code in range(1, 6)},
          "s21": sum(a["assessoutcome"] == 1 and a.get("s21notice") == 1 for a in assessed)}
    ended = [a for a in cases if in_quarter(a.get("preventenddate"))]
    p1 = {"total": len(ended), **{column: sum(a["preventend"] in codes for a in ended)
                                  for column, codes in P1_COLUMNS.items()}}
    placed = [a for a in cases if a.get("tastart1") and a["tastart1"] <= END and (a.get("taend1") or "9") > END]
    ta1 = {"total": len(placed), **{f"tatype_at_end-{code}": sum(a["tatype1"] == code for a in placed)
                                    for code in range(1, 7)},
           "outside": sum(a["taoutside1"] == 1 for a in placed)}
    return {"A1": a1, "P1": p1, "TA1": ta1}


def test_a1_p1_and_ta1_match_counts_made_from_the_cases(hclic_service, make_organisation, make_person, client_for):
    council = make_organisation("Report Borough Council", type="local_authority")
    coordinator = make_person("coordinator@report-borough.example", council, role="data_coordinator")
    declared = returns_of("hclic", "case")
    with schema_context("hclic"):
        cases = {}
        for reference, answers in CASES.items():
            record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                            managing_organisation=council)
            outcome = submit(record, {"caseref": reference, **answers}, "api", today=dt.date(2026, 1, 15))
            assert outcome.saved and not outcome.errors and not outcome.rejected, (reference, outcome.errors)
            cases[reference] = record
        workflow.submit(declared, council, QUARTER, coordinator)
        made = Return.objects.get(organisation=council, year=QUARTER.year, number=QUARTER.number)
        current, previous, frozen = return_sources(coordinator, declared, council, QUARTER, made)
        tables = {f.table.id: {cell.column.key: cell.count for cell in f.rows[0].cells}
                  for f in report(declared, council, QUARTER, current, previous, council.name)}
    assert frozen and previous is None
    expected = independent_counts()
    assert expected["A1"]["total"] == 6 and expected["P1"]["total"] == 3 and expected["TA1"]["total"] == 3
    for table, counts in expected.items():
        assert {key: tables[table][key] for key in counts} == counts, table
    # Every column not named above is empty: nothing counted twice or in the wrong place.
    assert sum(tables["P1"].values()) == 2 * expected["P1"]["total"]
    assert sum(tables["TA1"].values()) - tables["TA1"]["outside"] == 2 * expected["TA1"]["total"]

    client = client_for("hclic", coordinator)
    url = f"/returns/{council.pk}/hclic/case/{QUARTER.key}/report/"
    page = client.get(url).content.decode()
    assert "Households in temporary accommodation" in page and "Case " not in page.split("<h1")[0]
    listed = client.get(f"{url}TA1/?column=outside").content.decode()
    assert "RELIEF-HOSTEL-AWAY" in listed and f">Case {cases['RELIEF-HOSTEL-AWAY'].pk}</a>" in listed
    assert "RELIEF-BB" not in listed and "<strong>1</strong> case" in listed
    listed = client.get(f"{url}P1/?column=prevendgroup-6").content.decode()
    assert "PREV-WITHDREW-EARLIER" in listed and "PREV-SECURED" not in listed
