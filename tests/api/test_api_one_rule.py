"""The API holds to the rules every channel holds to: whom a record may name
(cldc.platform.records.references), and nothing dropped without a word (an answer its
other answers route away, the missing half of a pair)."""

import pytest
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform.organisations.models import Membership
from cldc.platform.records.models import Record

LETTING = {"tenancycode": "T-200", "startdate": "2026-05-04", "needstype": 1, "renewal": 0}
ASSIGNEE_REFUSED = ("You cannot assign this log to this person: check the email address, and that they are in the "
                    "owning or managing organisation.")
RESERVIST_NOT_STORED = (
    "Not stored: you answered “Was the person seriously injured or ill as a result of serving in the UK armed forces?”, "
    "but also “No” to “Does anybody in the household have any links to the UK armed forces?”.")


@pytest.fixture
def api(api_for, orgs):
    return api_for(organisation=orgs["parent"])


def create(api, organisation, answers, path="records/"):
    return api.post(path, {"record_type": "lettings", "version": 2026, "organisation": f"ORG{organisation.pk}",
                           "answers": {**LETTING, **answers}})


def test_an_assignee_must_be_a_current_member_of_the_records_owning_or_managing_organisation(api, orgs, make_person):
    # The client acts for the parent and its child; a person of the child only is not
    # in a log the parent owns and manages (CORE's bu_assigned_user_related).
    child_officer = make_person("officer@child.example", orgs["child"])
    refused = problem_of(create(api, orgs["parent"], {"assigned_to_id": "officer@child.example"}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in refused["errors"]] == [
        ("assigned_to_id", "bu_assigned_user_related", ASSIGNEE_REFUSED)]
    # ... nor is someone whose membership of the parent has ended, nor an address no one has: told the same.
    leaver = make_person("leaver@parent.example", orgs["parent"])
    leaver.memberships.get().end()
    for reference in ("leaver@parent.example", "nobody@parent.example", str(leaver.pk)):
        problem = problem_of(create(api, orgs["parent"], {"assigned_to_id": reference}), 422)
        assert [(e["rule"], e["message"]) for e in problem["errors"]] == [("bu_assigned_user_related", ASSIGNEE_REFUSED)]
    with schema_context("core"):
        assert not Record.objects.exists()
    # A member of the managing organisation may be assigned the parent's log it manages.
    managed = create(api, orgs["parent"], {"managing_organisation_id": f"ORG{orgs['child'].pk}",
                                           "assigned_to_id": "Officer@Child.example"})
    assert managed.status_code == 201, managed.json()
    assert managed.json()["answers"]["assigned_to_id"] == str(child_officer.pk)
    # A change is held to the same rule, against the log's own organisations.
    own = create(api, orgs["parent"], {"tenancycode": "T-201"}).json()
    problem = problem_of(api.patch(f"records/{own['id']}/", {"answers": {"assigned_to_id": "officer@child.example"}}), 422)
    assert [e["rule"] for e in problem["errors"]] == ["bu_assigned_user_related"]
    Membership.objects.create(user=child_officer, organisation=orgs["parent"])
    changed = api.patch(f"records/{own['id']}/", {"answers": {"assigned_to_id": "officer@child.example"}})
    assert changed.status_code == 200 and changed.json()["answers"]["assigned_to_id"] == str(child_officer.pk)


def test_a_managing_organisation_must_be_related_to_the_owner(api_for, orgs, make_organisation):
    from cldc.api.models import Supplier, SupplierAuthorisation

    with schema_context("core"):  # a supplier authorised by two unrelated organisations acts for both
        supplier = Supplier.objects.create(name="Two Landlords Software", contact="api@two.example")
        for organisation in (orgs["parent"], orgs["other"]):
            SupplierAuthorisation.objects.create(organisation=organisation, supplier=supplier)
    api = api_for(supplier=supplier)
    problem = problem_of(create(api, orgs["parent"], {"managing_organisation_id": f"ORG{orgs['other'].pk}"}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in problem["errors"]] == [
        ("managing_organisation_id", "bu_managing_org_related",
         "This managing organisation does not have a relationship with the owning organisation.")]


def test_an_answer_routed_away_is_not_stored_and_comes_back_as_a_warning(api, orgs):
    response = create(api, orgs["parent"], {"armedforces": 2, "reservist": 1})
    assert response.status_code == 201, response.json()
    record = response.json()
    assert "reservist" not in record["answers"] and record["answers"]["armedforces"] == 2
    assert {"field": "reservist", "rule": "not_applicable", "severity": "warning",
            "message": RESERVIST_NOT_STORED} in record["warnings"]
    # A change that sends it again is told again; a change that routes away what was
    # stored before is not a contradiction (the record's `cleared` answers).
    patched = api.patch(f"records/{record['id']}/", {"answers": {"reservist": 1}}).json()
    assert [w["rule"] for w in patched["warnings"] if w["field"] == "reservist"] == ["not_applicable"]
    # A batch says the same, record by record.
    batch = api.post("records/batch/", {"records": [{"record_type": "lettings", "version": 2026,
                                                     "organisation": f"ORG{orgs['parent'].pk}",
                                                     "answers": {**LETTING, "tenancycode": "B-1", "armedforces": 2,
                                                                 "reservist": 1}}]})
    assert batch.status_code == 200, batch.json()
    (result,) = batch.json()["results"]
    assert result["outcome"] == "created" and {"field": "reservist", "rule": "not_applicable", "severity": "warning",
                                               "message": RESERVIST_NOT_STORED} in result["warnings"]
    with schema_context("core"):
        assert not any("reservist" in r.answers for r in Record.objects.all())


def test_half_of_a_pair_says_which_question_is_missing(api, orgs):
    record = create(api, orgs["parent"], {"net_income_known": 0, "earnings": 500}).json()
    assert {"field": "incfreq", "rule": "incfreq_required_with_earnings", "severity": "warning",
            "message": "Select how often the household receives income."} in record["warnings"]
    assert "incfreq" in record["missing"]
    again = api.get(f"records/{record['id']}/").json()  # reading the record says it too
    assert [w["rule"] for w in again["warnings"] if w["field"] == "incfreq"] == ["incfreq_required_with_earnings"]
    answered = api.patch(f"records/{record['id']}/", {"answers": {"incfreq": 2}}).json()
    assert [w for w in answered["warnings"] if w["field"] in ("incfreq", "earnings")] == []


COUNCIL_REFERRAL = (
    "Select a source of referral for a log owned by a local authority: “Renewal to the same tenant in the same "
    "property” (1), “Internal transfer from another property owned by the same local authority - for existing social "
    "tenants only” (2), “From a housing register (waiting list)” (3) or “Tenant applied directly (not via a nomination "
    "or housing register)” (4).")


@pytest.fixture
def council_api(api_for, make_organisation, make_person):
    council = make_organisation("Referring Borough Council", type="local_authority")
    return api_for(organisation=council, created_by=make_person("referrals@council.example", council,
                                                                 role="data_coordinator")), council


def test_a_council_log_is_not_given_a_housing_associations_source_of_referral(council_api):
    # The web form offers a council's log CORE's codes 1-4 only (offered_when); the API holds to the same.
    api, council = council_api
    refused = problem_of(create(api, council, {"referral_register": 6}), 422)
    assert [(e["field"], e["rule"], e["message"]) for e in refused["errors"]] == [
        ("referral_register", "option_not_offered", COUNCIL_REFERRAL)]
    with schema_context("core"):
        assert not Record.objects.exists()
    created = create(api, council, {"referral_register": 3})  # a council's own code
    assert created.status_code == 201, created.json()
    assert created.json()["answers"]["referral_register"] == 3 and created.json()["errors"] == []


def test_a_stored_answer_no_longer_offered_does_not_stop_an_unrelated_change(council_api):
    # A council's log holding a housing association's code (stored before the API held
    # to offered_when): a change to another answer is stored, and the record says what
    # to fix, on its field; nothing is lost.
    api, council = council_api
    record = create(api, council, {"referral_register": 3}).json()
    with schema_context("core"):
        Record.objects.filter(pk=record["id"]).update(answers={**record["answers"], "referral_register": 6})
    changed = api.patch(f"records/{record['id']}/", {"answers": {"tenancycode": "T-201"}})
    assert changed.status_code == 200, changed.json()
    body = changed.json()
    assert body["answers"]["tenancycode"] == "T-201" and body["answers"]["referral_register"] == 6
    assert [(e["field"], e["rule"], e["message"]) for e in body["errors"]] == [
        ("referral_register", "option_not_offered", COUNCIL_REFERRAL)]
    assert body["status"] == "in_progress"
    fixed = api.patch(f"records/{record['id']}/", {"answers": {"referral_register": 4}}).json()
    assert fixed["answers"]["referral_register"] == 4 and fixed["errors"] == []
