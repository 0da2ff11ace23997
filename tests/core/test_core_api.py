"""The API tests that need what only CORE has (the platform's API tests use the test
collection, tests/api/): a derived value asked as a question (`type: derived`, such as
tcharge), a managing organisation, and a pair of questions CORE's rules tell apart."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform.organisations.models import Membership
from cldc.platform.records.models import Record
from cldc.tests.api.api_helpers import Api, problem_of

LETTING = {"tenancycode": "T-100", "startdate": "2026-05-04", "needstype": 1, "renewal": 0}
ASSIGNEE_REFUSED = ("You cannot assign this log to this person: check the email address, and that they are in the "
                    "owning or managing organisation.")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counts live in Redis, not in the rolled-back transaction."""
    cache.clear()


def core_api(created_by, **fields):
    """A new API client of the CORE service and an Api that calls with its key."""
    with schema_context("core"):
        new = create_client(name="Test system", created_by=created_by, **fields)
    return Api(new.key, "core", new.client)


@pytest.fixture
def api(core_service, coordinator, orgs):
    return core_api(coordinator, organisation=orgs["parent"])


def create(api, organisation, answers, path="records/"):
    return api.post(path, {"record_type": "lettings", "version": 2026, "organisation": f"ORG{organisation.pk}",
                           "answers": answers})


# --- From tests/api/test_api_records.py: the test collection has no derived question ----------


def test_answers_that_are_not_questions_are_refused_naming_them(api, orgs):
    problem = problem_of(create(api, orgs["parent"], {**LETTING, "favourite_colour": "blue", "tcharge": 100}), 400)
    assert {(e["field"], e["rule"]) for e in problem["errors"]} == {
        ("answers.favourite_colour", "unknown_field"), ("answers.tcharge", "derived_value")}
    with schema_context("core"):
        assert not Record.objects.exists()


# --- From tests/api/test_api_one_rule.py: CORE's managing organisation and its rules ------------


def test_an_assignee_must_be_a_current_member_of_the_records_owning_or_managing_organisation(api, orgs, make_person):
    # The client acts for the parent and its child; a person of the child only is not
    # in a log the parent owns and manages (CORE's bu_assigned_user_related).
    child_officer = make_person("officer@child.example", orgs["child"])
    refused = problem_of(create(api, orgs["parent"], {**LETTING, "assigned_to_id": "officer@child.example"}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in refused["errors"]] == [
        ("assigned_to_id", "bu_assigned_user_related", ASSIGNEE_REFUSED)]
    # ... nor is someone whose membership of the parent has ended, nor an address no one has: told the same.
    leaver = make_person("leaver@parent.example", orgs["parent"])
    leaver.memberships.get().end()
    for reference in ("leaver@parent.example", "nobody@parent.example", str(leaver.pk)):
        problem = problem_of(create(api, orgs["parent"], {**LETTING, "assigned_to_id": reference}), 422)
        assert [(e["rule"], e["message"]) for e in problem["errors"]] == [("bu_assigned_user_related", ASSIGNEE_REFUSED)]
    with schema_context("core"):
        assert not Record.objects.exists()
    # A member of the managing organisation may be assigned the parent's log it manages.
    managed = create(api, orgs["parent"], {**LETTING, "managing_organisation_id": f"ORG{orgs['child'].pk}",
                                           "assigned_to_id": "Officer@Child.example"})
    assert managed.status_code == 201, managed.json()
    assert managed.json()["answers"]["assigned_to_id"] == str(child_officer.pk)
    # A change is held to the same rule, against the log's own organisations.
    own = create(api, orgs["parent"], {**LETTING, "tenancycode": "T-201"}).json()
    problem = problem_of(api.patch(f"records/{own['id']}/", {"answers": {**LETTING, "assigned_to_id": "officer@child.example"}}), 422)
    assert [e["rule"] for e in problem["errors"]] == ["bu_assigned_user_related"]
    Membership.objects.create(user=child_officer, organisation=orgs["parent"])
    changed = api.patch(f"records/{own['id']}/", {"answers": {**LETTING, "assigned_to_id": "officer@child.example"}})
    assert changed.status_code == 200 and changed.json()["answers"]["assigned_to_id"] == str(child_officer.pk)


def test_a_managing_organisation_must_be_related_to_the_owner(core_service, coordinator, orgs):
    from cldc.api.models import Supplier, SupplierAuthorisation

    with schema_context("core"):  # a supplier authorised by two unrelated organisations acts for both
        supplier = Supplier.objects.create(name="Two Landlords Software", contact="api@two.example")
        for organisation in (orgs["parent"], orgs["other"]):
            SupplierAuthorisation.objects.create(organisation=organisation, supplier=supplier)
    api = core_api(coordinator, supplier=supplier)
    problem = problem_of(create(api, orgs["parent"], {**LETTING, "managing_organisation_id": f"ORG{orgs['other'].pk}"}),
                         422)
    assert [(e["field"], e["rule"], e["message"]) for e in problem["errors"]] == [
        ("managing_organisation_id", "bu_managing_org_related",
         "This managing organisation does not have a relationship with the owning organisation.")]


def test_half_of_a_pair_says_which_question_is_missing(api, orgs):
    record = create(api, orgs["parent"], {**LETTING, "net_income_known": 0, "earnings": 500}).json()
    assert {"field": "incfreq", "rule": "incfreq_required_with_earnings", "severity": "warning",
            "message": "Select how often the household receives income."} in record["warnings"]
    assert "incfreq" in record["missing"]
    again = api.get(f"records/{record['id']}/").json()  # reading the record says it too
    assert [w["rule"] for w in again["warnings"] if w["field"] == "incfreq"] == ["incfreq_required_with_earnings"]
    answered = api.patch(f"records/{record['id']}/", {"answers": {"incfreq": 2}}).json()
    assert [w for w in answered["warnings"] if w["field"] in ("incfreq", "earnings")] == []


# --- From tests/api/test_api_permissions.py: CORE's managing organisation ----------------------


def test_an_organisation_in_the_answers_must_be_one_the_client_acts_for(api, orgs):
    response = api.post("records/", {"record_type": "lettings", "version": 2026,
                                     "organisation": f"ORG{orgs['parent'].pk}", "answers": {"managing_organisation_id": f"ORG{orgs['other'].pk}"}})
    problem = problem_of(response, 422)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [
        ("managing_organisation_id", "bu_managing_org_exists")]
    with schema_context("core"):
        assert not Record.objects.filter(managing_organisation=orgs["other"]).exists()
    ok = api.post("records/", {"record_type": "lettings", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
                               "answers": {"managing_organisation_id": orgs["child"].regulator_number}})
    assert ok.status_code == 201 and ok.json()["managing_organisation"]["id"] == orgs["child"].pk
    assert ok.json()["labels"]["managing_organisation_id"] == "Child Lettings"
