"""Two systems, one record: the landlord's own system sets up a home visit and sends
its rent; its housing management system supplier sends the household. The visit ends
up completed, and every answer's revision names the client that sent it."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record


@pytest.fixture
def parts(complete_visit, orgs, coordinator):
    """The complete visit, split by the definition's subsections."""
    definition = registry.get("visits").definition("visit", 2026)
    answers = complete_visit()
    fields = definition.record_fields
    answers.update({fields["owning_organisation"]: f"ORG{orgs['parent'].pk}", fields["assigned_to"]: coordinator.email})
    by_subsection = {}
    for name, value in answers.items():
        by_subsection.setdefault(definition.variables[name].page.subsection.id, {})[name] = value
    return by_subsection


def test_a_log_completed_by_two_systems_records_who_sent_each_answer(api_for, orgs, visits_supplier, authorise, parts):
    assert set(parts) == {"visit_details", "people", "rent"}
    landlord = api_for(service="visits", organisation=orgs["parent"])
    authorise(orgs["parent"], visits_supplier, service="visits")
    vendor = api_for(service="visits", supplier=visits_supplier)

    created = landlord.post("records/", {"record_type": "visit", "version": 2026,
                                         "organisation": f"ORG{orgs['parent'].pk}", "answers": parts["visit_details"]})
    assert created.status_code == 201, created.json()
    url = f"records/{created.json()['id']}/"
    etag = created["ETag"]
    sent_by = {name: landlord for name in parts["visit_details"]}
    for api, subsection in ((vendor, "people"), (landlord, "rent")):
        response = api.patch(url, {"answers": parts[subsection]}, HTTP_IF_MATCH=etag)
        assert response.status_code == 200, (subsection, response.json())
        assert response.json()["errors"] == [], (subsection, response.json()["errors"])
        etag = response["ETag"]
        sent_by.update({name: api for name in parts[subsection]})
    # A box left unticked beside one a system ticked is stored as 0 by that system's call (values.normalise).
    definition = registry.get("visits").definition("visit", 2026)
    for name, api in list(sent_by.items()):
        if name in definition.variables and definition.variables[name].type == "checkbox":
            sent_by.update({box: api for box in definition.variables[name].codes if box not in sent_by})

    final = vendor.get(url).json()
    assert final["warnings"] == [] and final["missing"] == [] and final["errors"] == []
    assert final["status"] == "completed"
    with schema_context("visits"):
        record = Record.objects.get(pk=final["id"])
        assert record.status == "completed" and record.owning_organisation == orgs["parent"]
        assert record.revisions.count() == 3 and {r.source for r in record.revisions.all()} == {"api"}
        last_set = {}
        for revision in record.revisions.order_by("number"):
            for name in revision.changes:
                last_set[name] = revision.api_client_id
    stored = {name for name in final["answers"]}
    assert stored and stored <= set(sent_by)
    assert {name: last_set[name] for name in stored} == {name: sent_by[name].client.pk for name in stored}
    assert {landlord.client.pk, vendor.client.pk} == set(last_set.values())
