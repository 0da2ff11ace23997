"""The H-CLIC proof with the database: a case revised over time, whose state at a
past moment comes back from its revisions, and an answer code retired in 2026/27
that stays in the case holding it but cannot be chosen anew. Every change goes
through the gateway, in the hclic service's schema."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.history import state_at
from cldc.platform.records.models import Record, Revision

TODAY = dt.date(2026, 3, 1)

# The case as the housing officer records it, step by step.
APPLICATION = {"caseref": "HC-0042", "appdate": "2025-05-06", "assessdate": "2025-05-20", "assessoutcome": 2,
               "reason": 10, "accom": 8, "supportneeds": 2, "age1": 34, "sex1": 2, "ethnic1": 1, "ecstat1": 2}
HOUSEHOLD = {"hhmembers": 3, "relat2": 2, "age2": 8, "sex2": 1, "relat3": 2, "age3": 5, "sex3": 2}
FIRST_PLACEMENT = {"taplacements": 1, "tatype1": 6, "taoutside1": 2, "tastart1": "2025-05-06"}
MOVED_ON = {"taend1": "2025-06-01", "taplacements": 2,
            "tatype2": 4, "taoutside2": 1, "tastart2": "2025-06-01"}
MAIN_DUTY = {"reliefend": 2, "mainduty": 1, "mddate": "2025-07-15", "hhmembers": 2}  # person 3 left


@pytest.fixture
def officer(hclic_service, make_organisation, make_person):
    council = make_organisation("Anytown Council", type="local_authority")
    return make_person("officer@anytown.example", council)


@pytest.fixture
def hclic(hclic_service):
    with schema_context("hclic"):
        yield


def new_case(officer, version=2025):
    council = officer.memberships.get().organisation
    return Record(collection="hclic", record_type="case", version=version,
                  owning_organisation=council, managing_organisation=council)


def send(record, answers, officer):
    outcome = submit(record, answers, source="api", user=officer, today=TODAY)
    assert outcome.errors == [] and outcome.saved
    return outcome


def date_revision(record, number, day):
    """Revisions are stamped with the time they are written; a test cannot wait a
    quarter, so it moves a revision to the day it stands for."""
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    Revision.objects.filter(record=record, number=number).update(created_at=moment)


def test_a_case_revised_over_time_can_be_seen_as_it_stood_at_any_moment(hclic, officer):
    record = new_case(officer)
    moments = []
    for step in (APPLICATION, HOUSEHOLD, FIRST_PLACEMENT, MOVED_ON, MAIN_DUTY):
        send(record, step, officer)
        moments.append(timezone.now())
    assert record.revisions.count() == 5

    assert state_at(record, moments[0]) == {**APPLICATION}
    assert state_at(record, moments[1]) == {**APPLICATION, **HOUSEHOLD}
    assert state_at(record, moments[2]) == {**APPLICATION, **HOUSEHOLD, **FIRST_PLACEMENT}
    in_second_placement = state_at(record, moments[3])
    assert (in_second_placement["taplacements"], in_second_placement["taend1"], in_second_placement["tastart2"]) == (
        2, "2025-06-01", "2025-06-01")
    assert "mainduty" not in in_second_placement and in_second_placement["age3"] == 5
    # The latest state is the record itself: person 3's answers, cleared by routing, are gone.
    now = state_at(record, moments[4])
    assert now == Record.objects.get(pk=record.pk).answers
    assert "age3" not in now and now["mainduty"] == 1


def test_a_quarterly_snapshot_takes_each_revision_as_of_its_day(hclic, officer):
    record = new_case(officer)
    days = [dt.date(2025, 5, 20), dt.date(2025, 6, 1), dt.date(2025, 7, 15)]
    for number, (step, day) in enumerate(zip((APPLICATION | HOUSEHOLD | FIRST_PLACEMENT, MOVED_ON, MAIN_DUTY), days), 1):
        send(record, step, officer)
        date_revision(record, number, day)

    assert state_at(record, dt.date(2025, 3, 31)) is None  # the case did not exist yet
    end_of_q1 = state_at(record, dt.date(2025, 6, 30))  # 2025/26 quarter 1 ends on 30 June
    assert end_of_q1["taplacements"] == 2 and end_of_q1["hhmembers"] == 3 and "mainduty" not in end_of_q1
    assert state_at(record, dt.date(2025, 6, 1))["tastart2"] == "2025-06-01"  # a date means the end of that day
    assert "tastart2" not in state_at(record, dt.date(2025, 5, 31))
    end_of_q2 = state_at(record, dt.date(2025, 9, 30))
    assert end_of_q2["mainduty"] == 1 and end_of_q2["hhmembers"] == 2 and "relat3" not in end_of_q2


def test_state_at_ignores_confirmations_in_revisions(hclic, officer):
    record = new_case(officer)
    send(record, {**APPLICATION, **HOUSEHOLD, "age3": 30}, officer)  # a 30-year-old child of a 34-year-old
    outcome = submit(record, {}, source="api", user=officer, confirm=["child_age_gap_3"], today=TODAY)
    assert outcome.confirmed == ["child_age_gap_3"]
    assert "confirmations" in record.revisions.last().changes
    assert state_at(record, timezone.now()) == Record.objects.get(pk=record.pk).answers


def test_a_code_retired_in_2026_stays_in_the_case_that_holds_it_but_cannot_be_chosen_anew(hclic, officer):
    # 2025/26: placement 1 is "any other type (including private landlord and not known)", code 6.
    old_case = new_case(officer, version=2025)
    send(old_case, {**APPLICATION, **HOUSEHOLD, **FIRST_PLACEMENT}, officer)
    assert Record.objects.get(pk=old_case.pk).answers["tatype1"] == 6

    # The case is still open in 2026/27, and is now recorded against that year's definition.
    # The engine has no operation for this yet: the version column is set directly.
    old_case.version = 2026
    old_case.save(update_fields=["version"])

    # Re-submitted with the code it holds, it keeps it; its other answers can change.
    outcome = send(old_case, {**FIRST_PLACEMENT, "taend1": "2026-04-10"}, officer)
    stored = Record.objects.get(pk=old_case.pk).answers
    assert stored["tatype1"] == 6 and stored["taend1"] == "2026-04-10"
    assert outcome.changes == {"taend1": [None, "2026-04-10"]}

    # The same case cannot give the retired code to a new placement...
    outcome = submit(old_case, {"taplacements": 2, "tatype2": 6, "taoutside2": 2, "tastart2": "2026-04-10"},
                     source="api", user=officer, today=TODAY)
    assert [(e["field"], e["rule"]) for e in outcome.errors] == [("tatype2", "retired_option")]
    assert outcome.errors[0]["message"] == (
        "“Any other type of temporary accommodation (including private landlord and not known)” (6) is no longer an "
        "answer to Type of placement 2: choose “Private landlord” (7) or “Any other type of temporary accommodation or "
        "not known” (8).")
    assert "tatype2" not in Record.objects.get(pk=old_case.pk).answers

    # ...nor take it back once it has moved to a current code.
    send(old_case, {"tatype1": 7}, officer)
    outcome = submit(old_case, {"tatype1": 6}, source="api", user=officer, today=TODAY)
    assert [e["rule"] for e in outcome.errors] == ["retired_option"]
    assert Record.objects.get(pk=old_case.pk).answers["tatype1"] == 7

    # A case made in 2026/27 cannot choose it at all; its other answers are saved.
    new = submit(new_case(officer, version=2026), {**APPLICATION, **HOUSEHOLD, **FIRST_PLACEMENT},
                 source="api", user=officer, today=dt.date(2026, 4, 1))  # the day its window opens
    assert [(e["field"], e["rule"]) for e in new.errors] == [("tatype1", "retired_option")]
    saved = Record.objects.get(pk=new.record.pk)
    assert "tatype1" not in saved.answers and saved.answers["tastart1"] == "2025-05-06"
    assert saved.status == "in_progress"


def test_a_2025_case_can_still_choose_the_code(hclic, officer):
    outcome = send(new_case(officer, version=2025), {**APPLICATION, **HOUSEHOLD, **FIRST_PLACEMENT}, officer)
    assert Record.objects.get(pk=outcome.record.pk).answers["tatype1"] == 6


def test_a_retired_support_need_the_case_holds_is_read_back_by_its_label(hclic, officer, client_for):
    # "Care leaver aged 21+ years" was split in April 2023 (table A3): a case that holds it keeps it, and says so.
    record = new_case(officer)
    send(record, {**APPLICATION, "assessoutcome": 1, "supportneeds": 1, "sn_careleaver2124": 1}, officer)
    Record.objects.filter(pk=record.pk).update(answers={**Record.objects.get(pk=record.pk).answers, "sn_careleaver21": 1})
    page = client_for("hclic", officer).get(f"/logs/{record.pk}/circumstances/check-answers/").content.decode()
    assert "Care leaver aged 21+ years" in page and "Care leaver aged 21-24 years" in page
