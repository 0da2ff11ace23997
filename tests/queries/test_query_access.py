"""Who may do what with queries, as a matrix of roles × organisations: the query's page
(seeing the log), raising (analysts, support, a parent's coordinator for its child's
logs), answering (those who may change the log, other than the raiser) and resolving
(the raiser or any analyst). A log the person cannot see is a 404; an action they may
not take on a log they see is a 403."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform.queries.models import Query, QueryEvent

ORGANISATIONS = ("parent", "child", "other")  # the child's parent is the parent; other is unrelated to both
OK = {"see": 200, "raise": 200, "answer": 302, "resolve": 302}

# person: {organisation of the log: {action: status}}; an organisation left out is all 404.
MATRIX = {
    "analyst": {org: {"see": 200, "raise": 200, "answer": 403, "resolve": 302} for org in ORGANISATIONS},
    "support": {org: {"see": 200, "raise": 200, "answer": 302, "resolve": 403} for org in ORGANISATIONS},
    "content designer": {},
    "parent coordinator": {"parent": {"see": 200, "raise": 403, "answer": 302, "resolve": 403},
                           "child": {"see": 200, "raise": 200, "answer": 302, "resolve": 403}},
    "parent provider": {org: {"see": 200, "raise": 403, "answer": 302, "resolve": 403} for org in ("parent", "child")},
    "child coordinator": {"child": {"see": 200, "raise": 403, "answer": 302, "resolve": 403}},
    "child provider": {"child": {"see": 200, "raise": 403, "answer": 302, "resolve": 403}},
    "other coordinator": {"other": {"see": 200, "raise": 403, "answer": 302, "resolve": 403}},
}
NOT_SEEN = {"see": 404, "raise": 404, "answer": 404, "resolve": 404}


@pytest.fixture
def queries(world):
    """A query on each organisation's visit, raised by the analyst."""
    with schema_context("visits"):
        return {name: Query.objects.create(record=log, message="Please check", raised_by=world["people"]["analyst"])
                for name, log in world["logs"].items()}


@pytest.mark.parametrize("person", list(MATRIX))
def test_who_may_see_raise_answer_and_resolve(world, queries, person):
    client = world["clients"][person]
    found = {}
    for organisation in ORGANISATIONS:
        log, query = world["logs"][organisation], queries[organisation]
        found[organisation] = {
            "see": client.get(f"/queries/{query.pk}/").status_code,
            "raise": client.get(f"/logs/{log.pk}/queries/new/").status_code,
            "answer": client.post(f"/queries/{query.pk}/reply/", {"text": "Checked"}).status_code,
            "resolve": client.post(f"/queries/{query.pk}/resolve/").status_code,
        }
    assert found == {organisation: MATRIX[person].get(organisation, NOT_SEEN) for organisation in ORGANISATIONS}
    with schema_context("visits"):  # a refusal records nothing
        done = set(QueryEvent.objects.values_list("query__record__owning_organisation__name", "kind"))
    expected = {(world["orgs"][org].name, kind) for org, actions in MATRIX[person].items()
                for action, kind in (("answer", "replied"), ("resolve", "resolved")) if actions[action] == 302}
    assert done == expected


@pytest.mark.parametrize("person", list(MATRIX))
def test_raising_by_post_follows_the_same_matrix(world, person):
    client = world["clients"][person]
    for organisation in ORGANISATIONS:
        expected = MATRIX[person].get(organisation, NOT_SEEN)["raise"]
        response = client.post(f"/logs/{world['logs'][organisation].pk}/queries/new/", {"message": "Please check"})
        assert response.status_code == (302 if expected == 200 else expected), organisation
    with schema_context("visits"):
        raised = sorted(Query.objects.values_list("record__owning_organisation__name", flat=True))
    assert raised == sorted(world["orgs"][org].name for org, actions in MATRIX[person].items() if actions["raise"] == 200)


def test_a_coordinator_who_raised_a_query_does_not_answer_it_but_resolves_and_reopens_it(world):
    coordinator = world["clients"]["parent coordinator"]
    response = coordinator.post(f"/logs/{world['logs']['child'].pk}/queries/new/", {"message": "Please check"})
    pk = int(response.url.strip("/").split("/")[-1])
    # They may change the child's log, but a query does not wait on the person who asked it.
    assert "Queries to answer" not in coordinator.get("/").content.decode()
    assert "Answer the query" not in coordinator.get(f"/queries/{pk}/").content.decode()
    assert coordinator.post(f"/queries/{pk}/reply/", {"text": "Answering myself"}).status_code == 403
    assert "Queries to answer" in world["clients"]["parent provider"].get("/").content.decode()  # a colleague may
    assert coordinator.post(f"/queries/{pk}/resolve/").status_code == 302
    assert world["clients"]["support"].post(f"/queries/{pk}/reopen/").status_code == 403  # not theirs, not an analyst
    assert world["clients"]["analyst"].post(f"/queries/{pk}/reopen/").status_code == 302  # any analyst
    with schema_context("visits"):
        assert list(Query.objects.get(pk=pk).events.values_list("kind", "by__email")) == [
            ("raised", "coordinator@parent.example"), ("resolved", "coordinator@parent.example"),
            ("reopened", "analyst@dept.example")]


def test_signed_out_people_are_sent_to_sign_in(world, queries, client_for):
    client = client_for("visits")
    for url in (f"/queries/{queries['child'].pk}/", "/queries/", f"/logs/{world['logs']['child'].pk}/queries/new/"):
        response = client.get(url)
        assert response.status_code == 302 and "sign-in" in response.url, url
