"""Who sees and changes which record: each kind of client against its own
organisation's record, a child's, an unrelated organisation's and one in another
service. A client changes what it sees; anything it may not see is a 404, exactly like
a record that does not exist."""

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from api_helpers import Api, problem_of
from cldc.api.models import Supplier, SupplierAuthorisation
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


def stored(service, owner, collection="visits", record_type="visit", version=2026, answers=None):
    with schema_context(service):
        record = Record(collection=collection, record_type=record_type, version=version,
                        owning_organisation=owner, managing_organisation=owner)
        return submit(record, answers or {"visitref": f"V{owner.pk}"}, source="form").record


@pytest.fixture
def records(orgs, visits_service, hclic_service):
    found = {"own": stored("visits", orgs["parent"]), "child": stored("visits", orgs["child"]),
             "other": stored("visits", orgs["other"])}
    visits_ids = {r.pk for r in found.values()}
    # A record of the parent in the H-CLIC service, with an id no visit has, so that a
    # 404 on the visits domain can only mean "another service".
    found["service"] = stored("hclic", orgs["parent"], "hclic", "case", 2026, {"caseref": "C1"})
    clashing = []
    while found["service"].pk in visits_ids:
        clashing.append(found["service"].pk)
        found["service"] = stored("hclic", orgs["parent"], "hclic", "case", 2026, {"caseref": "C1"})
    with schema_context("hclic"):  # one H-CLIC record, whatever the sequences were (a test run alone starts at 1)
        Record.objects.filter(pk__in=clashing).delete()
    return found


@pytest.fixture
def clients(api_for, orgs, visits_supplier, authorise):
    with schema_context("visits"):
        stranger = Supplier.objects.create(name="Never Authorised Ltd")
        withdrawn = Supplier.objects.create(name="Withdrawn Systems Ltd")
    authorise(orgs["parent"], visits_supplier, service="visits")
    ended = authorise(orgs["parent"], withdrawn, service="visits")
    with schema_context("visits"):
        SupplierAuthorisation.objects.filter(pk=ended.pk).update(revoked_at=timezone.now())
    return {
        "parent": api_for(service="visits", organisation=orgs["parent"]),
        "child": api_for(service="visits", organisation=orgs["child"]),
        "supplier": api_for(service="visits", supplier=visits_supplier),
        "unauthorised supplier": api_for(service="visits", supplier=stranger),
        "withdrawn supplier": api_for(service="visits", supplier=withdrawn),
    }


MATRIX = {  # client: the records it may see
    "parent": {"own", "child"},  # its own and its child's
    "child": {"child"},  # a child does not act for its parent
    "supplier": {"own", "child"},  # authorised by the parent: as the parent
    "unauthorised supplier": set(),
    "withdrawn supplier": set(),
}


@pytest.mark.parametrize("client", MATRIX)
def test_each_client_sees_exactly_its_records(client, clients, records):
    api = clients[client]
    for name, record in records.items():
        response = api.get(f"records/{record.pk}/")
        if name in MATRIX[client]:
            assert response.status_code == 200, (client, name)
            assert response.json()["id"] == record.pk
        else:
            assert problem_of(response, 404)["type"] == "urn:cldc:problem:not-found", (client, name)
    listed = {r["id"] for r in api.get("records/?page_size=1000").json()["results"]}
    assert listed == {records[name].pk for name in MATRIX[client]}


def as_stored(record):
    with schema_context(record.collection):  # each test service's schema is named after its collection
        return Record.objects.filter(pk=record.pk).values("answers", "confirmations").first()


CHANGES = {  # what a client sends to change a record (a soft check is confirmed the same way), and its answer if it may
    "change": (lambda api, pk: api.patch(f"records/{pk}/", {"answers": {"visitref": "CHANGED"}}), 200),
    "delete": (lambda api, pk: api.delete(f"records/{pk}/"), 204),
}


@pytest.mark.parametrize("action", CHANGES)
@pytest.mark.parametrize("client", MATRIX)
def test_each_client_changes_exactly_the_records_it_sees(client, action, clients, records):
    """No key only reads: keys are organisations' and suppliers', which submit data (an
    analyst reads as a person: tests/test_record_access_matrix.py). Any other record is
    a 404 and stays as it was."""
    send, allowed = CHANGES[action]
    for name, record in records.items():
        before = as_stored(record)
        response = send(clients[client], record.pk)
        if name in MATRIX[client]:
            assert response.status_code == allowed, (client, name, response.content[:2000])
            assert as_stored(record) == (None if action == "delete" else {
                **before, "answers": {**before["answers"], "visitref": "CHANGED"}})
        else:
            assert problem_of(response, 404)["type"] == "urn:cldc:problem:not-found", (client, name)
            assert as_stored(record) == before


def test_a_hidden_record_and_a_missing_one_get_the_same_answer(clients, records):
    api = clients["child"]
    hidden, missing = api.get(f"records/{records['own'].pk}/"), api.get("records/987654321/")
    hidden, missing = problem_of(hidden, 404), problem_of(missing, 404)
    assert {**hidden, "instance": ""} == {**missing, "instance": ""}


def test_the_record_in_another_service_is_seen_with_that_services_key(api_for, orgs, records):
    hclic = api_for(service="hclic", organisation=orgs["parent"])
    assert hclic.get(f"records/{records['service'].pk}/").json()["collection"] == "hclic"
    assert {r["id"] for r in hclic.get("records/").json()["results"]} == {records["service"].pk}


@pytest.mark.parametrize("client, organisation, allowed", [
    ("parent", "parent", True), ("parent", "child", True), ("parent", "other", False),
    ("child", "parent", False), ("supplier", "child", True), ("unauthorised supplier", "parent", False),
    ("withdrawn supplier", "parent", False),
])
def test_a_client_creates_records_only_for_organisations_it_acts_for(clients, orgs, client, organisation, allowed):
    reference = orgs[organisation].regulator_number  # any reference form works
    response = clients[client].post("records/", {"record_type": "visit", "version": 2026, "organisation": reference,
                                                 "answers": {"visitref": "NEW-1"}})
    if allowed:
        assert response.status_code == 201, response.json()
        assert response.json()["owning_organisation"]["id"] == orgs[organisation].pk
    else:
        # The platform's rule and message (the collection has none of its own), whether the organisation exists or not.
        problem = problem_of(response, 422)
        assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("organisation", "owning_organisation_permitted")]
        assert problem["detail"] == ("You cannot use this organisation: check the reference, and that it is an "
                                     "organisation you submit visits for.")


def test_clients_outside_the_api_are_not_people(clients, client_for, records):
    """An API key is not a session: the web pages do not accept it."""
    api = clients["parent"]
    assert api.http.get(f"/logs/{records['own'].pk}/").status_code in (302, 404)
    assert Api(service="visits").get(f"records/{records['own'].pk}/").status_code == 401
