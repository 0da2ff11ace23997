"""Two systems, one log: the landlord's own system sets up a CORE lettings log and
sends the property part; its housing management system supplier sends the household
part. The log ends up completed, and every answer's revision names the client that
sent it."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.template_rows import answers_from_field_numbers


@pytest.fixture
def parts(official_template_row, orgs, coordinator):
    """The official template's complete letting, split by the definition's sections."""
    definition = registry.get("core").definition("lettings", 2026)
    answers, problems = answers_from_field_numbers(definition, official_template_row("lettings"))
    assert problems == []
    # The template's row is a council's letting; the parent is a housing association, whose
    # code for the same source of referral ("Renewal to the same tenant in the same property") is 5.
    assert answers["referral_register"] == "1"
    answers["referral_register"] = "5"
    fields = definition.record_fields
    answers.update({fields["owning_organisation"]: f"ORG{orgs['parent'].pk}",
                    fields["managing_organisation"]: f"ORG{orgs['parent'].pk}",
                    fields["assigned_to"]: coordinator.email})
    by_section = {}
    for name, value in answers.items():
        by_section.setdefault(definition.variables[name].page.subsection.section.id, {})[name] = value
    return by_section


def test_a_log_completed_by_two_systems_records_who_sent_each_answer(api_for, orgs, supplier, authorise, parts):
    assert set(parts) == {"setup", "tenancy_and_property", "household", "rent_and_charges"}
    landlord = api_for(organisation=orgs["parent"])
    authorise(orgs["parent"], supplier)
    vendor = api_for(supplier=supplier)

    created = landlord.post("records/", {"record_type": "lettings", "version": 2026,
                                         "organisation": f"ORG{orgs['parent'].pk}", "answers": parts["setup"]})
    assert created.status_code == 201, created.json()
    url = f"records/{created.json()['id']}/"
    etag = created["ETag"]
    sent_by = {name: landlord for name in parts["setup"]}
    for api, section in ((landlord, "tenancy_and_property"), (vendor, "household"), (vendor, "rent_and_charges")):
        response = api.patch(url, {"answers": parts[section]}, HTTP_IF_MATCH=etag)
        assert response.status_code == 200, (section, response.json())
        assert response.json()["errors"] == [], (section, response.json()["errors"])
        etag = response["ETag"]
        sent_by.update({name: api for name in parts[section]})

    final = vendor.get(url).json()
    assert final["warnings"] == [] and final["missing"] == [] and final["errors"] == []
    assert final["status"] == "completed"
    with schema_context("core"):
        record = Record.objects.get(pk=final["id"])
        assert record.status == "completed" and record.owning_organisation == orgs["parent"]
        assert record.revisions.count() == 4 and {r.source for r in record.revisions.all()} == {"api"}
        last_set = {}
        for revision in record.revisions.order_by("number"):
            for name in revision.changes:
                last_set[name] = revision.api_client_id
    stored = {name for name in final["answers"]}
    assert stored and stored <= set(sent_by)
    assert {name: last_set[name] for name in stored} == {name: sent_by[name].client.pk for name in stored}
    assert {landlord.client.pk, vendor.client.pk} == set(last_set.values())
