"""The policy matrix: who may act for, and manage the people of, which organisation."""

from datetime import date, timedelta

import pytest

from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Membership, OrganisationRelationship

LAST_YEAR = date.today() - timedelta(days=365)
YESTERDAY = date.today() - timedelta(days=1)

# Organisations: P is the parent of C (stock owner), and C the parent of G.
# U is unrelated. E was P's child until yesterday. X closed yesterday, though
# still linked to P.
ORGANISATIONS = "PCGUEX"

# Each person, then the organisations they may act for, and those whose people
# they may manage.
MATRIX = [
    ("provider_P", "PC", ""),
    ("coordinator_P", "PC", "P"),
    ("provider_C", "CG", ""),
    ("coordinator_C", "CG", "C"),
    ("support", "PCGUE", "PCGUEX"),
    ("analyst", "", ""),
    ("content_designer", "", ""),
    ("collection_admin", "", ""),
    ("deactivated_P", "", ""),
    ("former_member_P", "", ""),
    ("member_of_closed_X", "", ""),
    ("nobody", "", ""),
]


@pytest.fixture
def world(make_organisation, make_person):
    orgs = {name: make_organisation(f"Organisation {name}") for name in ORGANISATIONS}
    orgs["X"].active_to = YESTERDAY
    orgs["X"].save()
    link = OrganisationRelationship.objects.create
    link(parent=orgs["P"], child=orgs["C"], kind="stock_owner")
    link(parent=orgs["C"], child=orgs["G"], kind="supporting", starts_on=LAST_YEAR)
    link(parent=orgs["P"], child=orgs["E"], kind="stock_owner", starts_on=LAST_YEAR, ends_on=YESTERDAY)
    link(parent=orgs["P"], child=orgs["X"], kind="stock_owner")

    people = {
        "provider_P": make_person("provider-p@example.com", orgs["P"]),
        "coordinator_P": make_person("coordinator-p@example.com", orgs["P"], role="data_coordinator"),
        "provider_C": make_person("provider-c@example.com", orgs["C"]),
        "coordinator_C": make_person("coordinator-c@example.com", orgs["C"], role="data_coordinator"),
        "support": make_person("support@example.com", staff_role="support"),
        "analyst": make_person("analyst@example.com", staff_role="analyst"),
        "content_designer": make_person("content@example.com", staff_role="content_designer"),
        "collection_admin": make_person("collections@example.com", staff_role="collection_admin"),
        "deactivated_P": make_person("gone@example.com", orgs["P"], role="data_coordinator", is_active=False),
        "former_member_P": make_person("former@example.com", orgs["P"], role="data_coordinator"),
        "member_of_closed_X": make_person("closed@example.com", orgs["X"], role="data_coordinator"),
        "nobody": make_person("nobody@example.com"),
    }
    Membership.objects.filter(user=people["former_member_P"]).update(starts_on=LAST_YEAR, ends_on=YESTERDAY)
    return orgs, people


@pytest.mark.parametrize("person, acts_for, manages", MATRIX)
def test_policy_matrix(world, person, acts_for, manages):
    orgs, people = world
    user = people[person]
    for name in ORGANISATIONS:
        assert policy.may_act_for(user, orgs[name]) == (name in acts_for), f"{person} acting for {name}"
        assert policy.may_manage_users_of(user, orgs[name]) == (name in manages), f"{person} managing {name}"
    assert {o.name[-1] for o in policy.organisations_acted_for(user)} == set(acts_for)


def test_relationships_are_judged_on_the_day(world):
    orgs, people = world
    # Last month P could still act for E, whose relationship ended yesterday.
    assert policy.may_act_for(people["provider_P"], orgs["E"], on=YESTERDAY)
    assert not policy.may_act_for(people["provider_P"], orgs["E"])
    assert not policy.may_act_for(people["provider_P"], orgs["E"], on=LAST_YEAR - timedelta(days=1))


def test_an_organisation_can_be_parent_and_child(world):
    orgs, people = world
    # C is P's child and G's parent: P's people act for C, C's people for G, and neither for the other's other.
    assert policy.may_act_for(people["provider_C"], orgs["G"])
    assert not policy.may_act_for(people["provider_C"], orgs["P"])
    assert not policy.may_act_for(people["provider_P"], orgs["G"])


def test_coordinators_manage_only_their_own_organisations_people(world):
    orgs, people = world
    managed = set(policy.people_managed(people["coordinator_P"]))
    assert people["provider_P"] in managed
    assert people["provider_C"] not in managed  # the child's people are the child's
    assert people["support"] not in managed  # staff are managed by support only
    assert policy.may_manage_person(people["support"], people["provider_C"])
    assert not policy.may_manage_person(people["provider_P"], people["provider_P"])
    assert not policy.may_manage_person(people["coordinator_C"], people["provider_P"])


def test_anonymous_people_get_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    orgs, _ = world
    assert not policy.organisations_acted_for(AnonymousUser()).exists()
    assert not policy.organisations_managed(AnonymousUser()).exists()
    assert not policy.may_act_for(AnonymousUser(), orgs["P"])
