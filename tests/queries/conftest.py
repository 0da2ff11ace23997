"""A visit owned by each of three organisations (a parent, its child, and one unrelated
to both) and a person of each role, on the visits test service."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

PEOPLE = {  # name: (email, organisation, membership role, staff role)
    "analyst": ("analyst@dept.example", None, "", "analyst"),
    "support": ("support@dept.example", None, "", "support"),
    "content designer": ("content@dept.example", None, "", "content_designer"),
    "parent coordinator": ("coordinator@parent.example", "parent", "data_coordinator", ""),
    "parent provider": ("provider@parent.example", "parent", "data_provider", ""),
    "child coordinator": ("coordinator@child.example", "child", "data_coordinator", ""),
    "child provider": ("provider@child.example", "child", "data_provider", ""),
    "other coordinator": ("coordinator@other.example", "other", "data_coordinator", ""),
}


@pytest.fixture
def world(make_organisation, make_person, client_for, visits_service, complete_visit):
    parent = make_organisation("Parent Homes")
    orgs = {"parent": parent, "child": make_organisation("Child Lettings", parent=parent),
            "other": make_organisation("Other Housing")}
    people = {name: make_person(email, orgs.get(organisation), role=role or "data_provider", staff_role=staff,
                                name=name.title())
              for name, (email, organisation, role, staff) in PEOPLE.items()}
    logs = {}
    with schema_context("visits"):
        for name, organisation in orgs.items():
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                            managing_organisation=organisation)
            submit(record, {**complete_visit(), "visitref": f"V-{name}", "rent": 900,
                            "owning_organisation_id": organisation.pk}, "api", today=dt.date(2026, 6, 1))
            logs[name] = record
    return {"orgs": orgs, "people": people, "logs": logs,
            "clients": {name: client_for("visits", person) for name, person in people.items()}}
