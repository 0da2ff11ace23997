"""The data-quality summaries (cldc.platform.quality.models) stay equal to a recount
from the records whatever path changes them: the web form, bulk upload's create_many,
the API (create, change, delete), a confirmation and a correction of a soft check, a
change of owner, and SQL by hand. And what the gateway stores for them: the hard
errors of the stored answers, when a record was completed, and what became of each
soft check (confirmed, or corrected by changing an answer)."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import create_many, submit
from cldc.platform.records.models import Record
from cldc.tests.api.api_helpers import Api
from cldc.tests.quality.quality_helpers import DAY, recount, summaries, visit
from cldc.api.keys import create_client

OLDER_PERSON_IN_WORK = {"hhmemb": 1, "age1": 70, "work1": 1}  # fires the soft check older_person_in_work_1
RULE = "older_person_in_work_1"


def holds(expected_changes=True):
    """The summaries equal a recount (and are not empty, so that the check can fail)."""
    with schema_context("visits"):
        counted = recount()
        assert counted, "nothing to count"
        assert summaries() == counted
        return counted


def test_every_path_keeps_the_summaries_equal_to_a_recount(client_for, make_person, orgs, visits_service,
                                                            complete_visit, coordinator):
    # The web form: a log set up by a provider.
    provider = make_person("provider@child.example", orgs["child"])
    response = client_for("visits", provider).post("/logs/new/", {
        "record_type": "visits:visit", "year": "2026", "owning_organisation": orgs["child"].pk,
        "managing_organisation": orgs["child"].pk, "assigned_to": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    form_pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))
    holds()

    # The API: a complete visit made, changed, and deleted.
    with schema_context("visits"):
        key = create_client(name="Housing system", created_by=coordinator, organisation=orgs["parent"]).key
    api = Api(key, "visits")
    made = api.post("records/", {"record_type": "visit", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
                                 "answers": {**complete_visit(), "visitref": "API-1"}})
    assert made.status_code == 201, made.json()
    assert made.json()["status"] == "completed"
    counted = holds()
    assert counted[(orgs["parent"].pk, "visits", "visit", 2026, "completed")] == 1
    other = api.post("records/", {"record_type": "visit", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
                                  "answers": {**complete_visit(), "visitref": "API-2"}}).json()
    changed = api.patch(f"records/{made.json()['id']}/", {"answers": {"rent": None}}, HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200 and changed.json()["status"] == "in_progress"
    holds()
    assert api.delete(f"records/{other['id']}/", HTTP_IF_MATCH='"1"').status_code == 204
    counted = holds()
    assert counted[(orgs["parent"].pk, "visits", "visit", 2026, "logs")] == 1

    with schema_context("visits"):
        # Bulk upload's create_many: outcomes checked first, stored in one insert.
        outcomes = []
        for n in range(3):
            record = Record(collection="visits", record_type="visit", version=2026,
                            owning_organisation=orgs["other"], managing_organisation=orgs["other"])
            outcomes.append(submit(record, {**complete_visit(), **(OLDER_PERSON_IN_WORK if n == 0 else {}),
                                            "visitref": f"UP-{n}", "owning_organisation_id": orgs["other"].pk},
                                   "upload", today=DAY, validate_only=True))
        create_many(outcomes, "upload")
    counted = holds()
    assert counted[(orgs["other"].pk, "visits", "visit", 2026, RULE, "waiting")] == 1

    with schema_context("visits"):
        # A soft check confirmed, then corrected by changing the answer.
        waiting = outcomes[0].record
        submit(waiting, {}, "form", confirm=[RULE], today=DAY)
        assert waiting.soft_checks == {RULE: "confirmed"}
    holds()
    with schema_context("visits"):
        submit(Record.objects.get(pk=waiting.pk), {"age1": 40}, "form", today=DAY)
    counted = holds()
    assert counted[(orgs["other"].pk, "visits", "visit", 2026, RULE, "corrected")] == 1

    with schema_context("visits"):
        # A change of owner moves the record to the other organisation's row.
        moving = Record.objects.get(pk=form_pk)
        moving.owning_organisation = orgs["parent"]
        submit(moving, {"owning_organisation_id": orgs["parent"].pk}, "form", today=DAY)
    counted = holds()
    assert (orgs["child"].pk, "visits", "visit", 2026, "logs") not in counted

    with schema_context("visits"):
        # SQL by hand, as a data fix would be: many records changed and deleted at once.
        Record.objects.filter(owning_organisation=orgs["other"]).update(status="in_progress", completed_at=None)
        holds()
        Record.objects.filter(owning_organisation=orgs["other"]).delete()
    holds()


def test_a_soft_check_is_confirmed_or_corrected_and_the_gateway_says_which(orgs, visits_service, complete_visit):
    with schema_context("visits"):
        record = visit(orgs["parent"], {**complete_visit(), **OLDER_PERSON_IN_WORK})
        assert record.soft_checks == {RULE: "waiting"} and record.status == "in_progress"
        submit(record, {}, "form", confirm=[RULE], today=DAY)
        assert Record.objects.get(pk=record.pk).soft_checks == {RULE: "confirmed"}
        # The values it confirmed change, and it fires again: waiting, not corrected.
        submit(record, {"age1": 75}, "form", today=DAY)
        assert Record.objects.get(pk=record.pk).soft_checks == {RULE: "waiting"}
        submit(record, {"work1": 2}, "form", today=DAY)
        assert Record.objects.get(pk=record.pk).soft_checks == {RULE: "corrected"}
        assert record.status == "completed"


def test_the_errors_counted_are_those_of_the_stored_answers(make_organisation, orgs, visits_service, complete_visit):
    council = make_organisation("Borough Council", type="local_authority")
    with schema_context("visits"):
        record = visit(orgs["parent"], {**complete_visit(), "visitmode": 3})  # by video: offered to a prp
        assert record.error_count == 0 and record.status == "completed"
        # A value refused now is not stored, so it is not the record's error.
        refused = submit(record, {"age1": 12, "visitref": "V-2"}, "form", today=DAY)
        assert refused.errors and refused.saved and Record.objects.get(pk=record.pk).error_count == 0
        # A council owns it now, and a council does not visit by video: the stored answer is in error.
        record.owning_organisation = council
        outcome = submit(record, {"owning_organisation_id": council.pk}, "form", today=DAY)
        assert [e["field"] for e in outcome.errors] == ["visitmode"]
        stored = Record.objects.get(pk=record.pk)
        assert stored.error_count == 1 and stored.status == "in_progress" and stored.completed_at is None
    assert holds()[(council.pk, "visits", "visit", 2026, "with_errors")] == 1


def test_completed_at_is_when_it_last_became_complete(orgs, visits_service, complete_visit):
    with schema_context("visits"):
        before = timezone.now()
        record = visit(orgs["parent"], complete_visit())
        first = Record.objects.get(pk=record.pk).completed_at
        assert first is not None and first >= before
        submit(record, {"visitref": "V-2"}, "form", today=DAY)  # still complete: the time stays
        assert Record.objects.get(pk=record.pk).completed_at == first
        submit(record, {"rent": None}, "form", today=DAY)
        assert Record.objects.get(pk=record.pk).completed_at is None


def test_a_statement_that_changes_nothing_counted_writes_no_summary(orgs, visits_service, complete_visit):
    """An assignment, say: the triggers skip groups whose counts do not change."""
    with schema_context("visits"):
        record = visit(orgs["parent"], complete_visit())
        with connection.cursor() as cursor:
            cursor.execute("SELECT ctid::text FROM quality_summary")
            before = cursor.fetchall()
            Record.objects.filter(pk=record.pk).update(provider_reference="changed")
            cursor.execute("SELECT ctid::text FROM quality_summary")
            assert cursor.fetchall() == before
