"""What one API call costs (issue 17): the queries of a single create are pinned, so
they cannot creep back; a batch stores its new records together, whatever its size;
the organisations a client acts for are read in one query and are exactly those of
the visibility rule (cldc.api.acting); and a revoked key stops working at once."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.api.acting import organisations_acted_for, organisations_acted_for_by_pk
from cldc.api.models import ApiClient
from cldc.platform.organisations.merges import merge
from cldc.platform.records.models import Record, Revision

# A single create by an organisation's client, after the first call has filled the
# caches (schema switches aside): the key (1), the organisations it acts for (1, which
# also answer the owner named ORG<id>), the assignee named (3), the window (1), the record
# and its revision in their savepoints (6), the call log (1). It was 17 when the
# organisations acted for took three queries and the owner one more, 14 while the
# service was looked up by host name at every call (tenancy.middleware keeps it now).
SINGLE_CREATE_QUERIES = 13
# A single read, schema switches counted: the key, the organisations acted for (2), the
# record, the record of access to personal data, the call log, a switch. 9 while the
# service was looked up by host name at every call (the lookup and a switch to public).
SINGLE_READ_QUERIES = 7


@pytest.fixture
def api(api_for, orgs):
    return api_for(service="visits", organisation=orgs["parent"])


def visit(organisation, reference, coordinator=None):
    answers = {"visitref": reference, "visitdate": "2026-05-04", "repairs": 2}
    if coordinator is not None:
        answers["assigned_to_id"] = coordinator.email
    return {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}", "answers": answers}


def statements(queries):
    """The SQL run, without the schema switches django-tenants makes as it goes."""
    return [q["sql"] for q in queries.captured_queries if not q["sql"].startswith("SET search_path")]


def test_a_single_create_makes_no_more_queries_than_pinned(api, orgs, coordinator):
    assert api.post("records/", visit(orgs["parent"], "WARM", coordinator)).status_code == 201
    with CaptureQueriesContext(connection) as queries:
        response = api.post("records/", visit(orgs["parent"], "Q-1", coordinator))
    assert response.status_code == 201, response.json()
    assert len(statements(queries)) <= SINGLE_CREATE_QUERIES, "\n".join(s[:150] for s in statements(queries))
    with schema_context("visits"):
        stored = Record.objects.get(pk=response.json()["id"])
        assert stored.assigned_to == coordinator and stored.owning_organisation == orgs["parent"]


def test_a_single_read_makes_no_more_queries_than_pinned(api, orgs, coordinator, django_assert_max_num_queries):
    created = api.post("records/", visit(orgs["parent"], "R-1", coordinator)).json()["id"]
    assert api.get(f"records/{created}/").status_code == 200
    with django_assert_max_num_queries(SINGLE_READ_QUERIES):
        response = api.get(f"records/{created}/")
    assert response.status_code == 200 and response.json()["answers"]["visitref"] == "R-1"


def batch_queries(api, organisation, references):
    with CaptureQueriesContext(connection) as queries:
        response = api.post("records/batch/", {"records": [visit(organisation, r) for r in references]})
    assert response.status_code == 200, response.json()
    assert [r["outcome"] for r in response.json()["results"]] == ["created"] * len(references)
    return len(queries.captured_queries), response.json()["results"]


def test_a_batch_stores_its_new_records_together(api, orgs):
    api.post("records/batch/", {"records": [visit(orgs["parent"], "WARM")]})
    few, _ = batch_queries(api, orgs["parent"], ["F1", "F2"])
    many, results = batch_queries(api, orgs["parent"], [f"M{n}" for n in range(12)])
    assert many == few  # not a savepoint and two inserts a record
    with schema_context("visits"):
        stored = Record.objects.filter(pk__in=[r["id"] for r in results])
        assert sorted(stored.values_list("answers__visitref", flat=True)) == sorted(f"M{n}" for n in range(12))
        assert set(stored.values_list("lock_version", "source")) == {(1, "api")}
        revisions = Revision.objects.filter(record__in=stored)
        assert set(revisions.values_list("number", "api_client", "source")) == {(1, api.client.pk, "api")}
        assert revisions.count() == 12


def test_the_organisations_acted_for_in_one_query_are_those_of_the_rule(
        api_for, orgs, make_organisation, visits_supplier, authorise):
    merged = make_organisation("Merged Homes")
    merged_again = make_organisation("Merged Again")
    supplier_side = make_organisation("Authorising Homes")
    closed_child = make_organisation("Closed Child", parent=supplier_side)
    closed_child.active_to = date.today() - timedelta(days=1)
    closed_child.save()
    merge(merged_again, merged, date.today() - timedelta(days=3))  # a chain: into the one merged next
    merge(merged, orgs["child"], date.today() - timedelta(days=2))  # into the parent's child
    merge(make_organisation("Merging Later"), orgs["parent"], date.today() + timedelta(days=5))  # not yet
    authorise(supplier_side, visits_supplier)
    clients = [api_for(organisation=orgs["parent"]).client, api_for(organisation=orgs["child"]).client,
               api_for(organisation=orgs["other"]).client, api_for(supplier=visits_supplier).client]
    with schema_context("visits"):
        found = []
        for client in clients:
            with CaptureQueriesContext(connection) as queries:
                by_pk = organisations_acted_for_by_pk(client)
            assert len(statements(queries)) == 1
            assert set(by_pk) == set(organisations_acted_for(client).values_list("pk", flat=True))
            assert all(organisation.pk == pk for pk, organisation in by_pk.items())
            found.append(set(by_pk))
        assert found[0] == {orgs["parent"].pk, orgs["child"].pk, merged.pk, merged_again.pk}
        assert found[3] == {supplier_side.pk}  # its closed child grants nothing
        later = date.today() + timedelta(days=6)
        assert set(organisations_acted_for_by_pk(clients[0], later)) == set(
            organisations_acted_for(clients[0], later).values_list("pk", flat=True))
        ApiClient.objects.filter(pk=clients[0].pk).update(revoked_at=timezone.now())
        assert organisations_acted_for_by_pk(ApiClient.objects.get(pk=clients[0].pk)) == {}


def test_a_key_revoked_between_two_calls_is_refused_at_once(api, orgs):
    assert api.post("records/", visit(orgs["parent"], "K-1")).status_code == 201
    with schema_context("visits"):
        ApiClient.objects.filter(pk=api.client.pk).update(revoked_at=timezone.now())
    problem = problem_of(api.post("records/", visit(orgs["parent"], "K-2")), 401)
    assert problem["type"] == "urn:cldc:problem:key-revoked"
    with schema_context("visits"):
        assert not Record.objects.filter(answers__visitref="K-2").exists()
