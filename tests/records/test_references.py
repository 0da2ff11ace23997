"""Whom a record may name, one resolver for every channel
(cldc.platform.records.references): its organisations must be ones the submitter acts
for, a managing organisation related to the owner, an assignee a current member of the
owning or managing organisation; what names nothing and what may not be used are told
alike. The web form holds to it here (and, with CORE's rule that a managing organisation
is related to the owner, tests/core/test_core_references.py); uploads and the API in
their own tests (tests/uploads/test_pipeline.py, tests/core/test_core_api.py)."""

import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.organisations import policy
from cldc.platform.records.models import Record
from cldc.platform.records.references import References

ASSIGNEE_REFUSED = ("You cannot assign this visit to this person: check the email address, and that they are in the "
                    "owning or managing organisation.")
OWNER_REFUSED = ("You cannot use this organisation: check the reference, and that it is an organisation you "
                 "submit visits for.")


@pytest.fixture
def references(coordinator):
    definition = registry.get("visits").definition("visit", 2026)
    return References(definition, {o.pk: o for o in policy.organisations_acted_for(coordinator)})


def issues(named):
    return [(i["field"], i["rule"], i["message"]) for i in named.issues]


def test_what_names_nothing_and_what_may_not_be_used_are_told_alike(references, orgs):
    unknown = references.resolve({"owning_organisation": "ORG999999"})
    not_ours = references.resolve({"owning_organisation": orgs["other"].regulator_number})
    assert issues(unknown) == issues(not_ours) == [("owning_organisation_id", "owning_organisation_permitted", OWNER_REFUSED)]
    ours = references.resolve({"owning_organisation": orgs["child"].regulator_number,
                               "managing_organisation": f"ORG{orgs['parent'].pk}"})
    assert ours.ok and (ours.owning_organisation, ours.managing_organisation) == (orgs["child"], orgs["parent"])
    assert ours.answers == {"owning_organisation_id": str(orgs["child"].pk)}  # a visit's answers name no manager


def test_an_assignee_is_a_current_member_of_the_owning_or_managing_organisation(references, orgs, make_person):
    member = make_person("member@child.example", orgs["child"])
    leaver = make_person("leaver@child.example", orgs["child"])
    leaver.memberships.get().end()
    own = {"owning_organisation": f"ORG{orgs['parent'].pk}", "managing_organisation": f"ORG{orgs['parent'].pk}"}
    managed = {**own, "managing_organisation": f"ORG{orgs['child'].pk}"}
    refused = [("assigned_to_id", "assigned_to_permitted", ASSIGNEE_REFUSED)]
    assert issues(references.resolve({**own, "assigned_to": "member@child.example"})) == refused
    assert references.resolve({**managed, "assigned_to": "MEMBER@child.example"}).assigned_to == member
    assert references.resolve({**managed, "assigned_to": str(member.pk)}).assigned_to == member
    for reference in ("leaver@child.example", str(leaver.pk), "nobody@child.example"):
        assert issues(references.resolve({**managed, "assigned_to": reference})) == refused
    member.is_active = False
    member.save()
    again = References(references.definition, references.acted_for)  # one resolver looks each person up once
    assert issues(again.resolve({**managed, "assigned_to": str(member.pk)})) == refused


# --- The web form ------------------------------------------------------------------------


def set_up(client, owner, manager, assignee=None):
    return client.post("/logs/new/", {"record_type": "visits:visit", "year": "2026", "owning_organisation": owner.pk,
                                      "managing_organisation": manager.pk, "assigned_to": assignee.pk if assignee else ""})


def test_someone_whose_membership_has_ended_is_not_offered_nor_assigned(client_for, coordinator, orgs, make_person,
                                                                        visits_service):
    client = client_for("visits", coordinator)
    leaver = make_person("leaver@parent.example", orgs["parent"], name="Lee Leaver")
    leaver.memberships.get().end()
    assert "Lee Leaver" not in client.get("/logs/new/?record_type=visits:visit").content.decode()
    refused = set_up(client, orgs["parent"], orgs["parent"], leaver)
    assert refused.status_code == 200 and "Select a valid choice" in refused.content.decode()
    response = set_up(client, orgs["parent"], orgs["parent"])
    pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))
    page = client.get(f"/logs/{pk}/assign/").content.decode()
    assert "Lee Leaver" not in page and "coordinator@parent.example" in page
    assigned = client.post(f"/logs/{pk}/assign/", {"person": leaver.pk})
    assert assigned.status_code == 200 and "Select a valid choice" in assigned.content.decode()
    with schema_context("visits"):
        assert Record.objects.get(pk=pk).assigned_to is None
