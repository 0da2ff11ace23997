"""H-CLIC's later sections in the web form: another member's own questions, asked from
the main applicant's lists, and a case closed only with the assistance at closure."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

CASE = {"caseref": "HC-0100", "appdate": "2025-05-06", "assessdate": "2025-05-20", "assessoutcome": 2,
        "age1": 34, "hhmembers": 3, "relat2": 1, "age2": 36, "sex2": 1, "relat3": 2, "age3": 5, "sex3": 2}


@pytest.fixture
def officer(hclic_service, make_organisation, make_person):
    council = make_organisation("Anytown Council", type="local_authority")
    return make_person("officer@anytown.example", council)


@pytest.fixture
def case(officer):
    council = officer.memberships.get().organisation
    with schema_context("hclic"):
        record = Record(collection="hclic", record_type="case", version=2025,
                        owning_organisation=council, managing_organisation=council)
        assert submit(record, CASE, source="api", user=officer, today=dt.date(2025, 9, 1)).errors == []
        return record


def post(client, case, step, data):
    with schema_context("hclic"):
        lock = Record.objects.get(pk=case.pk).lock_version
    return client.post(f"/logs/{case.pk}/page/{step}/", {"log_wizard-current_step": step, "lock_version": lock, **data})


def answers(case):
    with schema_context("hclic"):
        return Record.objects.get(pk=case.pk).answers


def test_an_adult_member_is_asked_their_employment_and_identity_from_the_main_applicants_lists(
        client_for, officer, case):
    page = client_for("hclic", officer).get(f"/logs/{case.pk}/page/person_2_adult/").content.decode()
    assert "What is person 2&#x27;s employment status?" in page
    assert "Working irregular hours" in page and "Prefer not to say / Other" in page  # tables A10 and A13


def test_a_case_is_not_closed_without_the_assistance_at_closure(client_for, officer, case):
    client = client_for("hclic", officer)
    closed_on = {"closedate_0": "1", "closedate_1": "8", "closedate_2": "2025"}
    page = post(client, case, "case_closure", closed_on).content.decode()
    assert "Select the assistance the household had when you closed the case." in page
    assert "closedate" not in answers(case)

    response = post(client, case, "case_closure", {**closed_on, "closeassist": "3"})
    assert response.status_code == 302
    assert (answers(case)["closedate"], answers(case)["closeassist"]) == ("2025-08-01", 3)


@pytest.mark.parametrize("step, asked", [
    ("person_2_background", "What is person 2&#x27;s ethnic group?"),
    ("relief_start", "What date was the relief duty owed?"),
    ("placement_1", "Under which duty or power was the household placed in placement 1?"),
    ("review_1", "Which decision did the household ask you to review in review 1?"),
    ("case_closure", "What assistance did the household have when you closed the case?"),
])
def test_the_later_sections_pages_ask_their_questions(client_for, officer, case, step, asked):
    # Prevention ended because the household became homeless, so the relief duty followed it.
    later = {"assessoutcome": 1, "preventend": 3, "preventenddate": "2025-06-20", "taplacements": 1, "reviewcount": 1}
    with schema_context("hclic"):
        assert submit(Record.objects.get(pk=case.pk), later, source="api", user=officer,
                      today=dt.date(2025, 9, 1)).errors == []
    response = client_for("hclic", officer).get(f"/logs/{case.pk}/page/{step}/")
    assert response.status_code == 200 and asked in response.content.decode()
