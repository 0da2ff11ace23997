"""Organisations (a parent, its child, one unrelated), a person of each role, and
helpers that make visits as they were made on a given day: the gateway stores them
today, and the test moves their revisions to that day, as history.state_at reads them."""

import datetime as dt

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record, Revision

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


def moment(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def backdate(record, day):
    """Move the record's last revision (and its last change) to noon on `day`."""
    revision = record.revisions.order_by("-number").first()
    Revision.objects.filter(pk=revision.pk).update(created_at=moment(day))
    Record.objects.filter(pk=record.pk).update(updated_at=moment(day))
    if revision.number == 1:
        Record.objects.filter(pk=record.pk).update(created_at=moment(day))
    record.refresh_from_db()
    return record


@pytest.fixture
def make_visit(complete_visit):
    def make(organisation, reference, visitdate, made_on=None, schema="visits", **answers):
        """A visit by `organisation` on `visitdate`, stored on `made_on` (None: now)."""
        with schema_context(schema):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                            managing_organisation=organisation)
            outcome = submit(record, {**complete_visit(), "visitref": reference, "visitdate": visitdate.isoformat(),
                                      "owning_organisation_id": organisation.pk, **answers}, "api",
                             today=made_on or dt.date(2026, 11, 1))
            assert outcome.saved, outcome.errors
            return backdate(record, made_on) if made_on else record
    return make


@pytest.fixture
def change_visit():
    def change(record, made_on=None, **answers):
        with schema_context("visits"):
            outcome = submit(record, answers, "form", today=made_on or dt.date(2026, 11, 1))
            assert outcome.saved and outcome.changes, outcome.errors
            return backdate(record, made_on) if made_on else record
    return change


@pytest.fixture
def world(make_organisation, make_person, client_for, visits_service):
    parent = make_organisation("Parent Homes")
    orgs = {"parent": parent, "child": make_organisation("Child Lettings", parent=parent),
            "other": make_organisation("Other Housing")}
    people = {name: make_person(email, orgs.get(organisation), role=role or "data_provider", staff_role=staff,
                                name=name.title())
              for name, (email, organisation, role, staff) in PEOPLE.items()}
    return {"orgs": orgs, "people": people,
            "clients": {name: client_for("visits", person) for name, person in people.items()}}


def return_url(organisation, period="2026-q1", step="", collection="visits", record_type="visit"):
    return f"/returns/{organisation.pk}/{collection}/{record_type}/{period}/{step + '/' if step else ''}"
