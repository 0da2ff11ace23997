"""CORE's worked example for the API reference (collections/core/examples/): made from
the official template's data row, it creates a completed lettings log assigned to the
demo's coordinator; and CORE's service lists both its record types. (The reference
page and its example mechanism are tested on the test collection:
tests/api/test_api_docs.py and tests/api/test_api_schema.py.)"""

import json

import pytest
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.collections.core.examples import make_examples
from cldc.platform import registry
from cldc.tests.api.api_helpers import Api

EXAMPLE = make_examples.HERE / "lettings" / "2026.json"
CHANGE = make_examples.HERE / "lettings" / "2026-change.json"


@pytest.fixture
def example_owner(make_organisation, make_person):
    """The council the example names (by ONS code), and its coordinator, whom the
    example assigns the log to (as in `make run`'s demo data)."""
    owner = make_organisation("Example Borough Council", type="local_authority", ons_code=make_examples.ORGANISATION)
    return owner, make_person(make_examples.ASSIGNEE, owner, role="data_coordinator")


def test_the_example_files_are_made_from_the_official_template():
    made = make_examples.files()
    assert set(made) == {EXAMPLE, CHANGE}
    for path, text in made.items():
        assert path.read_text(encoding="utf-8") == text, f"{path} is out of date: run {make_examples.__file__}"
    body = json.loads(EXAMPLE.read_text())
    definition = registry.get("core").definition("lettings", 2026)
    assert body["organisation"] == make_examples.ORGANISATION and set(body["answers"]) <= set(definition.variables)
    fields = definition.record_fields  # the organisation is the body's; the assignee is the demo's
    assert {name for name in fields.values() if name in body["answers"]} == {fields["assigned_to"]}


def test_the_worked_example_creates_a_completed_lettings_log_assigned_to_the_coordinator(core_service, example_owner):
    owner, coordinator = example_owner
    with schema_context("core"):
        api = Api(create_client(name="Test system", created_by=coordinator, organisation=owner).key, "core")

    created = api.http.post("/api/v1/records/", EXAMPLE.read_bytes(), content_type="application/json")
    assert created.status_code == 201, created.json()
    record = created.json()
    assert (record["status"], record["errors"], record["warnings"], record["missing"]) == ("completed", [], [], [])
    sent = json.loads(EXAMPLE.read_text())["answers"]
    assigned_to = registry.get("core").definition("lettings", 2026).record_fields["assigned_to"]
    sent[assigned_to] = str(coordinator.pk)  # a person is stored by id
    assert {name: record["answers"].get(name) for name in sent} == sent

    changed = api.http.patch(created["Location"], CHANGE.read_bytes(), content_type="application/json",
                             HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.json()
    assert changed.json()["status"] == "completed"
    assert changed.json()["answers"] | json.loads(CHANGE.read_text())["answers"] == changed.json()["answers"]


def test_the_definitions_listing_names_both_record_types(core_service):
    listed = Api(service="core").get("definitions/").json()
    assert {(d["collection"], d["record_type"], d["version"]) for d in listed} >= {("core", "lettings", 2026),
                                                                                   ("core", "sales", 2026)}
