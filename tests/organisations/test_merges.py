"""Merging one organisation into another (cldc.platform.organisations.merges; ADR 0016):
its people move, its logs keep its name and the absorbing organisation's people see and
change them, through the one visibility rule (Record.objects.visible_to/changeable_by,
built on policy.organisations_acted_for). Tested as a matrix, before and after."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django_tenants.utils import schema_context

from cldc.platform.organisations import merges, policy
from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

TODAY = date.today()
MERGE_DATE = TODAY - timedelta(days=30)

SEE, CHANGE = "see", "change"
PEOPLE = ("merged provider", "absorbing provider", "parent coordinator", "other coordinator")
LOGS = ("merged", "absorbing")
# Whose log (the merged organisation's, made before the merge; the absorbing one's) each
# person may see and change: (merged log, absorbing log). Seeing and changing agree here.
BEFORE = {
    "merged provider": (True, False),
    "absorbing provider": (False, True),
    "parent coordinator": (True, False),  # the parent of the merged organisation acts for its child
    "other coordinator": (False, False),
}
AFTER = {
    "merged provider": (True, True),  # moved to the absorbing organisation, which holds both now
    "absorbing provider": (True, True),  # sees the merged organisation's logs through the merge
    # The parent's relationship passed to the absorbing organisation: it acts for it, and so for
    # the merged organisation's logs through the merge (as CORE moves the relationship).
    "parent coordinator": (True, True),
    "other coordinator": (False, False),
}


@pytest.fixture
def world(make_organisation, make_person, complete_visit, client_for):
    orgs = {"merged": make_organisation("Riverside Homes", active_from=date(2020, 4, 1)),
            "absorbing": make_organisation("Coast Housing", active_from=date(2020, 4, 1)),
            "other": make_organisation("Other Homes")}
    orgs["parent"] = make_organisation("Umbrella Group")
    OrganisationRelationship.objects.create(parent=orgs["parent"], child=orgs["merged"], kind="stock_owner")
    people = {"merged provider": make_person("provider@riverside.example", orgs["merged"]),
              "absorbing provider": make_person("provider@coast.example", orgs["absorbing"]),
              "parent coordinator": make_person("coordinator@umbrella.example", orgs["parent"], role="data_coordinator"),
              "other coordinator": make_person("coordinator@other.example", orgs["other"], role="data_coordinator")}
    with schema_context("visits"):
        logs = {name: submit(Record(collection="visits", record_type="visit", version=2026,
                                    owning_organisation=orgs[name], managing_organisation=orgs[name]),
                             complete_visit(), source="form").record for name in LOGS}
    return {"orgs": orgs, "people": people, "logs": logs,
            "clients": {name: client_for("visits", person) for name, person in people.items()}}


def outcomes(world):
    """{(person, log, see|change): bool}, seeing through the log's page and changing
    through the one rule that every change asks."""
    found = {}
    for name, person in world["people"].items():
        for log_name, log in world["logs"].items():
            status = world["clients"][name].get(reverse("log-tasks", args=[log.pk])).status_code
            assert status in (200, 404), status
            found[(name, log_name, SEE)] = status == 200
            with schema_context("visits"):
                found[(name, log_name, CHANGE)] = Record.objects.changeable_by(person).filter(pk=log.pk).exists()
    return found


def expected(table):
    return {(name, log_name, action): table[name][at]
            for name in PEOPLE for at, log_name in enumerate(LOGS) for action in (SEE, CHANGE)}


def test_who_sees_and_changes_the_merged_organisations_logs_before_and_after_the_merge(world):
    assert outcomes(world) == expected(BEFORE)

    done = merges.merge(world["orgs"]["merged"], world["orgs"]["absorbing"], MERGE_DATE)

    assert [person.email for person in done.people_moved] == ["provider@riverside.example"]
    assert outcomes(world) == expected(AFTER)
    with schema_context("visits"):  # the logs keep the merged organisation's name: its history
        log = Record.objects.get(pk=world["logs"]["merged"].pk)
    assert log.owning_organisation_id == world["orgs"]["merged"].pk


def test_a_merge_moves_the_people_from_the_merge_date(world):
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    merges.merge(merged, absorbing, MERGE_DATE)
    person = world["people"]["merged provider"]
    old = Membership.objects.get(user=person, organisation=merged)
    new = Membership.objects.get(user=person, organisation=absorbing)
    assert (old.ends_on, new.starts_on, new.role) == (MERGE_DATE - timedelta(days=1), MERGE_DATE, old.role)
    merged.refresh_from_db()
    assert (merged.merge_date, merged.absorbing_organisation, merged.active_to) == (
        MERGE_DATE, absorbing, MERGE_DATE - timedelta(days=1))
    # The day before the merge they still acted for the merged organisation only.
    assert list(policy.own_organisations(person, MERGE_DATE - timedelta(days=1))) == [merged]
    assert list(policy.own_organisations(person)) == [absorbing]


def test_a_merge_on_a_future_date_changes_nothing_today(world):
    merges.merge(world["orgs"]["merged"], world["orgs"]["absorbing"], TODAY + timedelta(days=10))
    assert outcomes(world) == expected(BEFORE)


def test_merges_through_a_chain_reach_the_last_organisation(world, make_organisation):
    final = make_organisation("Harbour Housing", active_from=date(2020, 4, 1))
    merges.merge(world["orgs"]["merged"], world["orgs"]["absorbing"], MERGE_DATE)
    merges.merge(world["orgs"]["absorbing"], final, MERGE_DATE + timedelta(days=1))
    reached = set(policy.with_absorbed(Organisation.objects.filter(pk=final.pk)))
    assert reached == {final, world["orgs"]["absorbing"], world["orgs"]["merged"]}


@pytest.mark.parametrize("case, field, message", [
    ("itself", "absorbing_organisation", "Riverside Homes cannot merge into itself"),
    ("before the merged one existed", "merge_date",
     "The merge date must be on or after 1 April 2020, when Riverside Homes became active"),
    ("before the absorbing one existed", "merge_date",
     "The merge date must be on or after 1 January 2026, when Coast Housing became active"),
    ("into one merged into it", "absorbing_organisation",
     "Coast Housing merged into Riverside Homes, so Riverside Homes cannot merge into it"),
    ("twice", "absorbing_organisation", "Riverside Homes already merged into Other Homes on 1 May 2026"),
])
def test_a_merge_that_cannot_be_made_says_why_and_changes_nothing(world, case, field, message):
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    day = date(2026, 6, 1)
    if case == "itself":
        absorbing = merged
    elif case == "before the merged one existed":
        day = date(2020, 3, 31)
    elif case == "before the absorbing one existed":
        Organisation.objects.filter(pk=absorbing.pk).update(active_from=date(2026, 1, 1))
        day = date(2025, 12, 31)
    elif case == "into one merged into it":
        merges.merge(absorbing, merged, date(2026, 5, 1))
    elif case == "twice":
        merges.merge(merged, world["orgs"]["other"], date(2026, 5, 1))
    def held():
        return [list(model.objects.order_by("pk").values())
                for model in (Organisation, Membership, OrganisationRelationship)]

    before = held()
    with pytest.raises(merges.MergeRefused) as refused:
        merges.merge(merged, absorbing, day)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert held() == before


# --- Relationships pass to the absorbing organisation -------------------------------------------


def windows(**filters):
    return sorted((r.parent.name, r.child.name, r.starts_on, r.ends_on)
                  for r in OrganisationRelationship.objects.filter(**filters).select_related("parent", "child"))


def test_a_merge_passes_the_relationships_to_the_absorbing_organisation_from_the_merge_date(world, make_organisation):
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    agent = make_organisation("Agent Lettings", parent=merged)  # the merged organisation is its stock owner
    OrganisationRelationship.objects.create(parent=absorbing, child=merged, kind="stock_owner")
    day_before = MERGE_DATE - timedelta(days=1)

    done = merges.merge(merged, absorbing, MERGE_DATE)

    assert windows() == sorted([
        ("Umbrella Group", "Riverside Homes", None, day_before), ("Umbrella Group", "Coast Housing", MERGE_DATE, None),
        ("Riverside Homes", "Agent Lettings", None, day_before), ("Coast Housing", "Agent Lettings", MERGE_DATE, None),
        ("Coast Housing", "Riverside Homes", None, day_before),  # with the absorbing one itself: ends, not passed on
    ])
    assert [(r.child.name, why) for r, why in done.relationships_ended] == [
        ("Riverside Homes", "Coast Housing would be both sides of it")]
    # The absorbing organisation's people act for the agent from the merge date, not before.
    person = world["people"]["absorbing provider"]
    assert policy.may_act_for(person, agent) and not policy.may_act_for(person, agent, day_before)
    assert policy.may_act_for(world["people"]["parent coordinator"], absorbing)
    assert not policy.may_act_for(world["people"]["parent coordinator"], absorbing, day_before)


def test_a_relationship_that_would_make_a_loop_ends_and_is_not_passed_on(world, make_organisation):
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    OrganisationRelationship.objects.create(parent=merged, child=world["orgs"]["parent"], kind="supporting")
    OrganisationRelationship.objects.create(parent=world["orgs"]["parent"], child=absorbing, kind="stock_owner")
    # Riverside supports Umbrella, Umbrella owns Coast's stock... and Umbrella owns Riverside's:
    # Coast cannot take over a relationship with Umbrella in both directions.
    plan = merges.relationships_plan(merged, absorbing, MERGE_DATE)
    refused = [(r.parent.name, r.child.name, why) for r, successor, why in plan if successor is None]
    assert len(refused) == 2 and all("already a parent" in why or "already has it" in why for *_, why in refused)
    merges.merge(merged, absorbing, MERGE_DATE)
    assert windows(starts_on=MERGE_DATE) == []


def test_a_merge_in_the_future_leaves_the_relationships_as_they_are_until_then(world):
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    parent_coordinator = world["people"]["parent coordinator"]
    merges.merge(merged, absorbing, TODAY + timedelta(days=10))
    assert policy.may_act_for(parent_coordinator, merged) and not policy.may_act_for(parent_coordinator, absorbing)
    assert policy.may_act_for(parent_coordinator, absorbing, TODAY + timedelta(days=10))


# --- Support merges in the web service, with check your answers ---------------------------------


def test_support_merges_through_a_form_and_check_your_answers(world, make_person, client_for):
    support = client_for("visits", make_person("support@dept.example", staff_role="support"))
    merged, absorbing = world["orgs"]["merged"], world["orgs"]["absorbing"]
    form = reverse("merge-organisation", args=[merged.pk])
    answer = {"absorbing_organisation": absorbing.pk, "merge_date_0": "1", "merge_date_1": "6", "merge_date_2": "2026"}

    assert support.post(form, answer).url == reverse("merge-organisation-check", args=[merged.pk])
    merged.refresh_from_db()
    assert merged.absorbing_organisation is None  # nothing until it is confirmed
    page = support.get(reverse("merge-organisation-check", args=[merged.pk])).content.decode()
    assert "Coast Housing" in page and "1 June 2026" in page and "1 people become members" in page
    assert "Umbrella Group → Coast Housing (stock owner and managing agent)" in page  # the relationship passing on

    assert support.post(reverse("merge-organisation-check", args=[merged.pk])).url == reverse(
        "organisation-detail", args=[absorbing.pk])
    merged.refresh_from_db()
    assert (merged.absorbing_organisation, merged.merge_date) == (absorbing, date(2026, 6, 1))


def test_a_bad_merge_date_is_shown_on_its_field_and_nothing_is_kept(world, make_person, client_for):
    support = client_for("visits", make_person("support@dept.example", staff_role="support"))
    merged = world["orgs"]["merged"]
    response = support.post(reverse("merge-organisation", args=[merged.pk]), {
        "absorbing_organisation": world["orgs"]["absorbing"].pk,
        "merge_date_0": "31", "merge_date_1": "3", "merge_date_2": "2020"})
    assert response.status_code == 200
    assert response.context["form"].errors == {"merge_date": [
        "The merge date must be on or after 1 April 2020, when Riverside Homes became active"]}
    assert not any(key.startswith("organisations:merge") for key in support.session.keys())


def test_only_support_may_merge(world):
    coordinator = world["clients"]["parent coordinator"]
    assert coordinator.get(reverse("merge-organisation", args=[world["orgs"]["merged"].pk])).status_code == 404


def test_the_organisation_pages_say_who_merged_into_whom(world, make_person, client_for):
    merges.merge(world["orgs"]["merged"], world["orgs"]["absorbing"], date(2026, 6, 1))
    support = client_for("visits", make_person("support@dept.example", staff_role="support"))
    absorbing_page = support.get(reverse("organisation-detail", args=[world["orgs"]["absorbing"].pk])).content.decode()
    assert "Organisations merged into it" in absorbing_page and "Riverside Homes (1 June 2026)" in absorbing_page
    merged_page = support.get(reverse("organisation-detail", args=[world["orgs"]["merged"].pk])).content.decode()
    assert "Into Coast Housing on 1 June 2026" in merged_page
    assert reverse("merge-organisation", args=[world["orgs"]["merged"].pk]) not in merged_page  # merged once
