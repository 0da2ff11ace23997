"""CORE's rules on organisation data, through the gateway in every channel: data sharing
agreements (no log until accepted), the rent periods an organisation uses, merges and
stock (docs/organisations.md). The platform's side of merges is tested with the test
collection in tests/organisations/."""

import re
from datetime import date

import pytest
from django_tenants.utils import schema_context

from cldc.platform.organisations import agreements, merges
from cldc.platform.organisations.models import Membership, OptionsInUse, Organisation
from cldc.platform.records.models import Record
from cldc.tests.api.api_helpers import problem_of
from cldc.tests.core.test_core_api import core_api, create, fresh_rate_limits  # noqa: F401 - its Redis is cleared
from cldc.tests.uploads.test_upload_fixes import post_file, upload_of

LETTING = {"tenancycode": "T-100", "startdate": "2026-05-04", "needstype": 1, "renewal": 0}
OWNER_REFUSED = ("The organisation must accept the Data Sharing Agreement before it can be selected as the owning "
                 "organisation.")
MANAGER_REFUSED = ("The organisation must accept the Data Sharing Agreement before it can be selected as the managing "
                   "organisation.")


@pytest.fixture
def waiting(make_organisation):
    """An organisation whose data protection officer has not accepted the agreement."""
    return make_organisation("Waiting Homes", data_sharing_agreement=False)


@pytest.fixture
def officer(make_person, waiting):
    person = make_person("officer@waiting.example", waiting, role="data_coordinator")
    Membership.objects.filter(user=person).update(is_data_protection_officer=True)
    return person


def records():
    with schema_context("core"):
        return Record.objects.count()


# --- Data sharing agreements -------------------------------------------------------------------


@pytest.mark.usefixtures("eager_celery")
def test_no_log_is_made_for_an_organisation_until_its_officer_accepts_the_agreement(
        waiting, officer, client_for, core_service, official_template_csv):
    # The web form: the message on the organisation, nothing made.
    client = client_for("core", officer)
    response = client.post("/logs/new/", {"record_type": "core:lettings", "year": "2026", "owning_organisation": waiting.pk,
                                          "managing_organisation": waiting.pk, "assigned_to": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"owning_organisation": [OWNER_REFUSED]}
    # The API: a 422 with the same words.
    api = core_api(officer, organisation=waiting)
    assert OWNER_REFUSED in problem_of(create(api, waiting, LETTING), 422)["detail"]
    # Bulk upload: the row waits with the message.
    with schema_context("core"):
        upload = upload_of(post_file(client, waiting, official_template_csv("lettings", waiting),
                                     record_type="core:lettings"))
        upload.refresh_from_db()
        assert upload.created == 0
        assert OWNER_REFUSED in [issue.message for issue in upload.issues.all()]
    assert records() == 0

    agreements.accept(waiting, officer)
    assert create(api, waiting, LETTING).status_code == 201
    assert records() == 1
    agreement = waiting.data_sharing_agreement
    assert (agreement.accepted_by, agreement.accepted_on) == (officer, date.today())


def test_a_managing_organisation_without_the_agreement_is_refused(orgs, coordinator, make_organisation):
    agent = make_organisation("Agent Without Agreement", parent=orgs["parent"], data_sharing_agreement=False)
    api = core_api(coordinator, organisation=orgs["parent"])
    problem = problem_of(create(api, orgs["parent"], {**LETTING, "managing_organisation_id": f"ORG{agent.pk}"}), 422)
    assert MANAGER_REFUSED in problem["detail"]
    assert records() == 0


def test_only_the_data_protection_officer_accepts_the_agreement(waiting, officer, make_person, client_for, core_service):
    colleague = make_person("colleague@waiting.example", waiting, role="data_coordinator")
    with pytest.raises(agreements.AgreementRefused):
        agreements.accept(waiting, colleague)
    assert client_for("core", colleague).post(f"/organisations/{waiting.pk}/data-sharing-agreement/").status_code == 404
    page = client_for("core", officer).get(f"/organisations/{waiting.pk}/data-sharing-agreement/").content.decode()
    assert "Accept the data sharing agreement" in page
    client_for("core", officer).post(f"/organisations/{waiting.pk}/data-sharing-agreement/")
    assert waiting.data_sharing_agreement.accepted_by_name == officer.name


# --- Rent periods: the managing organisation's --------------------------------------------------


def test_the_rent_period_question_offers_and_takes_only_the_periods_the_organisation_uses(
        orgs, coordinator, client_for, core_service):
    OptionsInUse.objects.create(organisation=orgs["parent"], collection="core", question="period", codes=[2, 4])
    orgs["parent"].save()
    api = core_api(coordinator, organisation=orgs["parent"])
    problem = problem_of(create(api, orgs["parent"], {**LETTING, "period": 1}), 422)
    assert [(e["field"], e["message"]) for e in problem["errors"] if e["field"].endswith("period")] == [
        ("period", "Parent Homes does not use Weekly for 52 weeks as a rent period. Choose another rent period, "
                           "or a data coordinator can add rent periods to your organisation.")]
    made = create(api, orgs["parent"], {**LETTING, "period": 4})
    assert made.status_code == 201
    # The web form offers the two it uses, and no other.
    client = client_for("core", coordinator)
    body = client.get(f"/logs/{made.json()['id']}/page/rent_period/").content.decode()
    assert re.findall(r'name="period"[^>]*value="(\d+)"', body) == ["2", "4"]


def test_a_coordinator_chooses_the_rent_periods_with_check_your_answers(orgs, coordinator, client_for, core_service):
    client = client_for("core", coordinator)
    url = f"/organisations/{orgs['parent'].pk}/details/"
    response = client.post(url, {"core:period": ["1", "2"]})
    assert response.url == f"/organisations/{orgs['parent'].pk}/details/check/"
    assert not OptionsInUse.objects.exists()  # nothing until it is confirmed
    page = client.get(response.url).content.decode()
    assert "Every 2 weeks, Weekly for 52 weeks" in page  # in the question's order
    client.post(response.url)
    assert OptionsInUse.objects.get(organisation=orgs["parent"], collection="core", question="period").codes == [2, 1]


# --- Merges and stock, on real organisations ------------------------------------------------------


def test_a_log_of_a_merged_organisation_dated_from_the_merge_is_refused_with_cores_words(
        make_organisation, make_person):
    merged = make_organisation("Riverside Homes", active_from=date(2020, 4, 1))
    absorbing = make_organisation("Coast Housing", active_from=date(2020, 4, 1))
    person = make_person("coordinator@coast.example", absorbing, role="data_coordinator")
    merges.merge(merged, absorbing, date(2026, 6, 1))
    api = core_api(person, organisation=absorbing)  # acts for the merged organisation through the merge
    refused = problem_of(create(api, merged, {**LETTING, "startdate": "2026-06-01"}), 422)
    assert ("startdate", "Enter a date when the owning and managing organisation was active. Riverside Homes "
            "became inactive on 1 June 2026 and was replaced by Coast Housing.") in [
        (e["field"], e["message"]) for e in refused["errors"]]
    assert create(api, merged, {**LETTING, "startdate": "2026-05-31"}).status_code == 201


@pytest.mark.usefixtures("eager_celery")
def test_an_upload_naming_an_owner_that_holds_no_stock_is_refused(
        make_organisation, make_person, client_for, core_service, official_template_csv):
    agent = make_organisation("Stockless Agents", holds_stock=False)
    client = client_for("core", make_person("agent@stockless.example", agent, role="data_coordinator"))
    with schema_context("core"):
        upload = upload_of(post_file(client, agent, official_template_csv("lettings", agent), record_type="core:lettings"))
        upload.refresh_from_db()
        assert ("bu_owning_org_holds_stock", "The owning organisation code provided is for an organisation that does "
                "not own stock.") in [(issue.rule, issue.message) for issue in upload.issues.all()]
        assert upload.created == 0
    Organisation.objects.filter(pk=agent.pk).update(holds_stock=True)


def test_a_merged_organisations_log_may_be_assigned_to_a_person_of_the_organisation_it_merged_into(
        make_organisation, make_person):
    merged = make_organisation("Riverside Homes", active_from=date(2020, 4, 1))
    absorbing = make_organisation("Coast Housing", active_from=date(2020, 4, 1))
    outsider = make_organisation("Elsewhere Homes")
    person = make_person("coordinator@coast.example", absorbing, role="data_coordinator")
    make_person("someone@elsewhere.example", outsider)
    api = core_api(person, organisation=absorbing)
    early = {**LETTING, "startdate": "2026-05-31"}  # before the merge: still Riverside's log
    merges.merge(merged, absorbing, date(2026, 6, 1))
    assert create(api, merged, {**early, "assigned_to_id": "coordinator@coast.example"}).status_code == 201
    refused = problem_of(create(api, merged, {**early, "tenancycode": "T-2", "assigned_to_id": "someone@elsewhere.example"}),
                         422)
    assert refused["errors"][0]["field"] == "assigned_to_id"
