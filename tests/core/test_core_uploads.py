"""CORE's bulk upload, in CORE's own words and rules (the platform's upload channel is
tested with the visits collection in tests/uploads/): a row without a tenant code
matched to its log by CORE's duplicate check (bu_duplicate_log; here, not on visits,
until the visits reference is optional: a visit without one has no duplicate-check
answers); a row's unanswered questions told as CORE's bu_not_answered; and CORE's
messages naming places the service has."""

import csv
import io
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.tests.core.test_core_api import core_api
from tests.uploads.test_upload_fixes import post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process
LETTINGS = "core:lettings"


@pytest.fixture
def council(make_organisation):
    return make_organisation("Trying Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("trier@example.com", council, role="data_coordinator")


@pytest.fixture
def client(client_for, core_service, officer):
    return client_for("core", officer)


# --- Rows without a reference ---------------------------------------------------------------------


def test_re_uploading_a_row_without_a_reference_matches_its_log_by_the_duplicate_check(
        client, council, official_template_csv):
    content = official_template_csv("lettings", council, last_row={"tenancycode": ""})
    with schema_context("core"):
        first = upload_of(post_file(client, council, content, record_type=LETTINGS))
        first.refresh_from_db()
        assert (first.status, first.created) == ("done", 1)
        again = upload_of(post_file(client, council, content, record_type=LETTINGS))
        again.refresh_from_db()
        assert (again.status, again.created, again.unchanged) == ("done", 0, 1)
        assert Record.objects.count() == 1

        # Two logs answer the duplicate check alike: the row could be either, so it is
        # reported before anything is created.
        twin = Record.objects.get()
        twin.pk = None
        twin.save()
        third = upload_of(post_file(client, council, content, record_type=LETTINGS))
        third.refresh_from_db()
        assert (third.status, third.created, third.rejected) == ("checked", 0, 1)
        (issue,) = third.issues.filter(severity="hard")
        # In the pack's words (CORE's bu_duplicate_log), with which logs and what to do.
        assert (issue.rule, issue.field) == ("bu_duplicate_log", "tenancycode")
        assert issue.message == (
            f"This is a duplicate log. It has the same answers to the duplicate check as log "
            f"{', '.join(str(pk) for pk in sorted(Record.objects.values_list('pk', flat=True)))}. "
            "Fill in “Tenant code” so that we know which log it is, or remove the row if the log is there already.")
        assert Record.objects.count() == 2


# --- A log made in progress: what it still lacks (bu_not_answered) ---------------------------------

NOT_ANSWERED = {("ethnic_group", "Field 45", "You must answer lead tenant’s ethnic group"),
                ("nationality_all_group", "Field 46", "You must answer lead tenant’s nationality")}


def test_a_row_made_in_progress_is_told_each_unanswered_question_on_its_field_and_a_complete_row_nothing(
        client, council, officer, official_template_csv):
    with schema_context("core"):
        complete = upload_of(post_file(client, council, official_template_csv("lettings", council),
                                       record_type=LETTINGS))
        complete.refresh_from_db()
        assert (complete.status, complete.created) == ("done", 1)
        assert not complete.issues.filter(rule="bu_not_answered").exists()  # the near miss

        lacking = upload_of(post_file(client, council, official_template_csv(
            "lettings", council, last_row={"tenancycode": "T-LACKING", "ethnic": "", "nationality_all": ""}),
            record_type=LETTINGS))
        lacking.refresh_from_db()
        # Made in progress, as CORE lets an uploader make it, and told what it lacks, on each question's field.
        assert (lacking.status, lacking.created) == ("done", 1)
        assert lacking.imported_rows.get().record.status == "in_progress"
        told = lacking.issues.filter(rule="bu_not_answered")
        assert {(i.field, i.column, i.message) for i in told} == NOT_ANSWERED
        assert len({i.row for i in told}) == 1 and {i.severity for i in told} == {"warning"}  # the one row, a warning

        page = client.get(f"/uploads/{lacking.pk}/").content.decode()
        annotated = client.get(f"/uploads/{lacking.pk}/annotated")
        rows = list(csv.reader(io.StringIO(b"".join(annotated.streaming_content).decode("utf-8-sig"))))
        heading = next(r for r in rows if r and r[0].lower().startswith("field number"))
        errors = api_errors(officer, council, lacking)
    for _, column, message in NOT_ANSWERED:
        assert message in page
        (at,) = [i for i, h in enumerate(heading) if h.startswith(f"Warnings: {column} (column ")]
        assert rows[-1][at] == message
        assert {"field": field_of(message), "column": column, "rule": "bu_not_answered", "severity": "warning",
                "message": message}.items() <= errors[message].items()


def field_of(message):
    return next(field for field, _, said in NOT_ANSWERED if said == message)


def api_errors(person, organisation, upload):
    """The upload's row problems as the API lists them, by message."""
    api = core_api(person, organisation=organisation)
    listed = api.get(f"uploads/{upload.pk}/errors/").json()["results"]
    return {e["message"]: e for e in listed}


# --- Messages and the pages that show them ------------------------------------------------------------


def test_a_message_that_sends_people_somewhere_names_a_place_the_service_has(client):
    page = client.get("/uploads/").content.decode()
    headings = set(re.findall(r'<h2 class="govuk-heading-m">([^<]+)</h2>', page))
    places = set()
    for record_type in ("lettings", "sales"):
        for rule in registry.get("core").rule_pack(record_type, 2026).rules:
            for place in re.findall(r"available from ‘([^’]+)’", rule.message or ""):
                places.add(place)
    assert places and places <= headings, (places, headings)
