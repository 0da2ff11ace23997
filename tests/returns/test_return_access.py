"""Who may do what with returns, as a matrix of roles × organisations (a parent, its
child, and one unrelated): seeing a return (those who act for the organisation, and
analysts), including or excluding and submitting (those who act for it), signing off
(its own data coordinator only) and reopening (its coordinator, or support). An
organisation the person cannot see is a 404; a step they may not take on a return
they see is a 403, and records nothing."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.models import ReturnEvent
from cldc.tests.returns.conftest import return_url

ORGANISATIONS = ("parent", "child", "other")
ACT = {"see": 200, "sign off": 403, "reopen": 403, "choose": 302, "submit": 302}
OWN = {"see": 200, "sign off": 302, "reopen": 302, "choose": 302, "submit": 302}
NOT_SEEN = dict.fromkeys(ACT, 404)
MATRIX = {  # person: {organisation: {step: status}}; an organisation left out is all 404
    "analyst": dict.fromkeys(ORGANISATIONS, {"see": 200, "sign off": 403, "reopen": 403, "choose": 403, "submit": 403}),
    "support": dict.fromkeys(ORGANISATIONS, {**ACT, "reopen": 302}),
    "content designer": {},
    "parent coordinator": {"parent": OWN, "child": ACT},
    "parent provider": {"parent": ACT, "child": ACT},
    "child coordinator": {"child": OWN},
    "child provider": {"child": ACT},
    "other coordinator": {"other": OWN},
}
KINDS = {"sign off": "signed_off", "reopen": "reopened", "choose": "included", "submit": "submitted"}


@pytest.fixture
def returns(world, make_visit):
    """Each organisation's April to June return submitted (by support), and a visit of
    each in July to September, whose return is open."""
    visits = {}
    for name, organisation in world["orgs"].items():
        make_visit(organisation, f"Q1-{name}", dt.date(2026, 5, 1))
        visits[name] = make_visit(organisation, f"Q2-{name}", dt.date(2026, 8, 1))
        with schema_context("visits"):
            workflow.submit(returns_of("visits", "visit"), organisation, Period(2026, 1), world["people"]["support"])
    return visits


@pytest.mark.parametrize("person", list(MATRIX))
def test_who_may_see_and_take_each_step(world, returns, person):
    client = world["clients"][person]
    with schema_context("visits"):
        before = ReturnEvent.objects.count()
    found = {}
    for name in ORGANISATIONS:
        organisation = world["orgs"][name]
        found[name] = {
            "see": client.get(return_url(organisation)).status_code,
            "sign off": client.post(return_url(organisation, step="sign-off")).status_code,
            "reopen": client.post(return_url(organisation, step="reopen"), {"reason": "Checking"}).status_code,
            "choose": client.post(return_url(organisation, "2026-q2", "choose"), {
                "record": returns[name].pk, "decision": "include", "reason": "Checked"}).status_code,
            "submit": client.post(return_url(organisation, "2026-q2", "submit")).status_code,
        }
    assert found == {name: MATRIX[person].get(name, NOT_SEEN) for name in ORGANISATIONS}
    with schema_context("visits"):
        done = set(ReturnEvent.objects.order_by("pk")[before:].values_list("return_made__organisation__name", "kind"))
    assert done == {(world["orgs"][name].name, KINDS[step]) for name, steps in MATRIX[person].items()
                    for step, status in steps.items() if step in KINDS and status == 302}


@pytest.mark.parametrize("person", list(MATRIX))
def test_the_list_shows_the_returns_of_the_organisations_a_person_sees(world, returns, person):
    response = world["clients"][person].get("/returns/")
    if person == "content designer":
        assert response.status_code == 200 and "<tbody" not in response.content.decode()
        return
    page = response.content.decode()
    shown = {name for name in ORGANISATIONS if world["orgs"][name].name in page}
    assert shown == set(MATRIX[person])


def test_a_return_shows_only_records_the_person_sees(world, make_visit):
    """The child's return, with the child's visits, for those who see it: its own
    people, its parent's, and analysts; no one else."""
    child = world["orgs"]["child"]
    visit = make_visit(child, "SEEN", dt.date(2026, 5, 1))
    for person in ("parent coordinator", "child provider", "analyst"):
        assert f"Visit {visit.pk}</a>" in world["clients"][person].get(return_url(child)).content.decode()
    assert world["clients"]["other coordinator"].get(return_url(child)).status_code == 404


def test_returns_are_offered_where_the_collection_turns_them_on(world, client_for, make_person, make_organisation):
    coordinator = world["clients"]["parent coordinator"]
    assert 'href="/returns/"' in coordinator.get("/").content.decode()
    core_person = make_person("core@returns.example", make_organisation("Core Homes"), role="data_coordinator")
    core = client_for("core", core_person)
    assert 'href="/returns/"' not in core.get("/").content.decode()
    assert core.get("/returns/").status_code == 404
    assert coordinator.get(return_url(world["orgs"]["parent"], "2027-q4")).status_code == 404  # not a period yet
    assert coordinator.get(return_url(world["orgs"]["parent"], "2026-q1", collection="core",
                                      record_type="lettings")).status_code == 404
