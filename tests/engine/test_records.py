"""Records through the gateway, in a service schema: revisions, optimistic locking,
confirmations, provider references and the one visibility rule."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import StaleRecord, submit
from cldc.platform.records.models import Record, Revision

COMPLETE = {"ref": "A1", "startdate": "2026-05-01", "needstype": 1, "hhmemb": 1, "brent": "100", "needs_wheelchair": 1}


@pytest.fixture
def core(core_service):
    with schema_context("core"):
        yield


def new_record(owner, **fields):
    return Record(collection="demo", record_type="case", version=2026, owning_organisation=owner, managing_organisation=owner, **fields)


def test_submit_saves_answers_derived_values_and_a_revision(demo_collection, core, orgs, make_person):
    person = make_person("officer@example.com", orgs["child"])
    outcome = submit(new_record(orgs["child"]), COMPLETE, source="form", user=person)
    record = Record.objects.get(pk=outcome.record.pk)
    assert record.status == "completed" and record.lock_version == 1 and record.source == "form"
    assert record.answers["brent"] == 100 and record.answers["startdate"] == "2026-05-01"
    assert record.derived == {"tcharge": 100, "expensive": False}
    assert record.provider_reference == "a1|2026-05-01"
    (revision,) = record.revisions.all()
    assert (revision.user, revision.source, revision.number) == (person, "form", 1)
    assert revision.changes["brent"] == [None, 100]


def test_each_change_writes_a_field_level_diff(demo_collection, core, orgs):
    record = submit(new_record(orgs["child"]), COMPLETE, source="form").record
    submit(record, {"brent": "120", "notes": "late"}, source="api")
    latest = record.revisions.last()
    assert latest.source == "api" and latest.number == 2
    assert latest.changes == {"brent": [100, 120], "notes": [None, "late"]}
    assert Record.objects.get(pk=record.pk).lock_version == 2


def test_a_submission_that_changes_nothing_writes_no_revision(demo_collection, core, orgs):
    record = submit(new_record(orgs["child"]), COMPLETE, source="upload").record
    submit(record, COMPLETE, source="upload")
    assert record.revisions.count() == 1 and record.lock_version == 1


def test_hard_invalid_values_are_not_stored(demo_collection, core, orgs):
    record = submit(new_record(orgs["child"]), {**COMPLETE, "hhmemb": 2, "age2": 30}, source="form").record
    outcome = submit(record, {"age2": 130, "brent": "110"}, source="form")
    stored = Record.objects.get(pk=record.pk).answers
    assert stored["age2"] == 30 and stored["brent"] == 110  # the good value is stored, the bad one is not
    assert [e["field"] for e in outcome.errors] == ["age2"]


def test_a_stale_write_is_refused(demo_collection, core, orgs):
    record = submit(new_record(orgs["child"]), COMPLETE, source="form").record
    first, second = Record.objects.get(pk=record.pk), Record.objects.get(pk=record.pk)
    submit(first, {"brent": "101"}, source="form", expected_version=1)
    with pytest.raises(StaleRecord):
        submit(second, {"brent": "102"}, source="form", expected_version=1)
    assert Record.objects.get(pk=record.pk).answers["brent"] == 101


def test_confirmations_are_recorded_with_the_values_they_confirmed(demo_collection, core, orgs):
    record = submit(new_record(orgs["child"]), {**COMPLETE, "brent": "450"}, source="form").record
    assert record.status == "in_progress"
    outcome = submit(record, {}, source="form", confirm=["high_rent"])
    assert outcome.status == "completed"
    assert Record.objects.get(pk=record.pk).confirmations == {"high_rent": {"brent": 450}}
    assert record.revisions.last().changes["confirmations"] == [{}, {"high_rent": {"brent": 450}}]
    changed = submit(record, {"brent": "460"}, source="form")
    assert changed.status == "in_progress" and [w["rule"] for w in changed.warnings] == ["high_rent"]
    assert Record.objects.get(pk=record.pk).confirmations == {}


def test_the_outcome_says_whether_the_record_was_created_and_a_value_refused(demo_collection, core, orgs):
    first = submit(new_record(orgs["child"]), {**COMPLETE, "hhmemb": 2, "age2": 30}, source="form")
    assert (first.created, first.saved, first.refused) == (True, True, False)
    again = submit(first.record, {"age2": 130, "brent": "110"}, source="form")
    assert (again.created, again.saved, again.refused, again.rejected) == (False, True, True, {"age2": 130})
    checked = submit(new_record(orgs["child"]), {**COMPLETE, "brent": "a lot"}, source="api", validate_only=True)
    assert (checked.created, checked.saved, checked.refused) == (True, False, True)


def test_validate_only_stores_nothing(demo_collection, core, orgs):
    outcome = submit(new_record(orgs["child"]), COMPLETE, source="api", validate_only=True)
    assert outcome.status == "completed" and not outcome.saved
    assert not Record.objects.exists() and not Revision.objects.exists()


def test_visible_to_is_the_one_rule(demo_collection, core, orgs, make_person):
    own = submit(new_record(orgs["child"]), COMPLETE, source="form").record
    managed_for_parent = submit(
        Record(collection="demo", record_type="case", version=2026, owning_organisation=orgs["other"],
               managing_organisation=orgs["parent"]), COMPLETE, source="form").record
    other = submit(new_record(orgs["other"]), COMPLETE, source="form").record

    def visible(person):
        return set(Record.objects.visible_to(person).values_list("pk", flat=True))

    assert visible(make_person("child@example.com", orgs["child"])) == {own.pk}
    assert visible(make_person("parent@example.com", orgs["parent"])) == {own.pk, managed_for_parent.pk}  # its child's too
    assert visible(make_person("other@example.com", orgs["other"])) == {managed_for_parent.pk, other.pk}
    assert visible(make_person("support@example.com", staff_role="support")) == {own.pk, managed_for_parent.pk, other.pk}
    assert visible(make_person("analyst@example.com", staff_role="analyst")) == {own.pk, managed_for_parent.pk, other.pk}
    assert visible(make_person("content@example.com", staff_role="content_designer")) == set()
    assert visible(make_person("nobody@example.com")) == set()


def test_records_of_one_service_are_invisible_from_another(demo_collection, orgs, make_person, core_service):
    with schema_context("core"):
        submit(new_record(orgs["child"]), COMPLETE, source="form")
        assert Record.objects.count() == 1
    with schema_context("hclic"):
        assert Record.objects.count() == 0
