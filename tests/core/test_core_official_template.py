"""CORE's official bulk-upload template and CORE's file rules (the platform's upload
channel is tested with the visits collection in tests/uploads/ and tests/api/): both
official templates, lettings and sales, import with no errors; CORE's pack words the
refusals with its own rule ids and messages (a blank template, an organisation or
person the uploader cannot use, a managing organisation unrelated to the owner, a
duplicate row without a reference, half of a pair); and an unknown and a forbidden
reference in any of CORE's record fields get the same answer."""

import csv
import io
import json
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils.html import escape
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads import tasks
from cldc.platform.uploads.models import Upload
from cldc.tests.api.api_helpers import Api, problem_of
from cldc.tests.core.test_templates import TEMPLATE_SOFT_CHECKS
from cldc.tests.uploads.test_hostile_uploads import issues_on_changed

BLANK_TEMPLATE = ("Template is blank - The template must be filled in for us to create the logs and check if data "
                  "is correct.")


@pytest.fixture
def council(make_organisation):
    return make_organisation("Upload Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("uploader@example.com", council, role="data_coordinator")


@pytest.fixture
def template_file(official_template_csv):
    def write(tmp_path, record_type, organisation, rows=1, last_row=None, name="upload.csv"):
        path = tmp_path / name
        path.write_bytes(official_template_csv(record_type, organisation, rows, last_row))
        return path

    return write


def upload(path, organisation, record_type="lettings", *extra):
    out = StringIO()
    call_command("cldc", "upload", "--service", "core", "--record-type", record_type, "--version", "2026",
                 "--organisation", f"ORG{organisation.pk}", "--user", "uploader@example.com", *extra, str(path), stdout=out)
    return json.loads(out.getvalue())


def headings_only(official_template_csv, organisation):
    """The official template with its data row taken away."""
    return "".join(official_template_csv("lettings", organisation).decode().splitlines(keepends=True)[:-1]).encode()


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_official_template_imports_with_no_errors(tmp_path, core_service, council, officer, record_type, template_file):
    checked = upload(template_file(tmp_path, record_type, council), council, record_type, "--dry-run")
    assert checked["status"] == "done" and checked["created"] == 1 and checked["rejected"] == 0, checked["errors"]
    assert [i for i in checked["errors"] if i["severity"] == "hard"] == []
    with schema_context("core"):
        assert not Record.objects.exists()  # a dry run stores nothing
    result = upload(template_file(tmp_path, record_type, council), council, record_type)
    assert (result["rows"], result["created"], result["rejected"]) == (1, 1, 0)
    with schema_context("core"):
        record = Record.objects.get()
        # Sales: its price asks a confirmation first (tests/core/test_templates.py, TEMPLATE_SOFT_CHECKS).
        assert record.status == ("in_progress" if TEMPLATE_SOFT_CHECKS[record_type] else "completed")
        assert record.source == "upload" and record.owning_organisation == council
        assert record.assigned_to == officer  # a blank assignee is the person uploading


def test_the_packs_file_rules_are_applied_with_their_own_ids_and_messages(
        tmp_path, core_service, council, officer, make_organisation, template_file):
    unknown = upload(template_file(tmp_path, "lettings", council, last_row={"owning_organisation_id": "ORG999999"}),
                     council)
    # An organisation that does not exist and one the person may not use: the same
    # rule and message, so that a file cannot tell which exist (test_hostile_uploads.py).
    cannot_use = ("bu_owning_org_permitted", "You cannot use this owning organisation: check the reference, "
                                             "and that it is an organisation you submit logs for.")
    assert [(i["rule"], i["message"]) for i in unknown["errors"] if i["field"] == "owning_organisation_id"] == [
        cannot_use]
    stranger = make_organisation("Not Ours Homes")
    refused = upload(template_file(tmp_path, "lettings", stranger), council)
    assert cannot_use in [(i["rule"], i["message"]) for i in refused["errors"]]

    # Two rows with no tenant code (so no reference to match on) but the same
    # duplicate-check answers: CORE's own rule, on the second row. (Not on visits: a
    # visit without its reference, which is not optional, has no duplicate-check answers.)
    one = template_file(tmp_path, "lettings", council, last_row={"tenancycode": ""}).read_bytes()
    two = tmp_path / "twice.csv"
    two.write_bytes(one + one.splitlines(keepends=True)[-1])
    result = upload(two, council)
    assert (result["created"], result["rejected"]) == (1, 1), result["errors"]
    (issue,) = [i for i in result["errors"] if i["rule"] == "bu_duplicate_in_file"]
    assert issue["message"] == "This is a duplicate of a log in your file." and issue["row"] == 10


def test_a_managing_organisation_must_be_related_to_the_owner(tmp_path, core_service, council, officer,
                                                             make_organisation, template_file):
    from cldc.platform.organisations.models import Membership, OrganisationRelationship

    agent = make_organisation("Unrelated Agent Homes")
    Membership.objects.create(user=officer, organisation=agent, role="data_coordinator")  # may act for both
    row = {"managing_organisation_id": f"ORG{agent.pk}"}
    refused = upload(template_file(tmp_path, "lettings", council, last_row=row), council)
    assert [(i["rule"], i["message"]) for i in refused["errors"] if i["severity"] == "hard"] == [
        ("bu_managing_org_related", "This managing organisation does not have a relationship with the owning organisation.")]
    OrganisationRelationship.objects.create(parent=council, child=agent, kind="stock_owner")
    accepted = upload(template_file(tmp_path, "lettings", council, last_row=row), council)
    assert (accepted["created"], accepted["rejected"]) == (1, 0), accepted["errors"]


def test_half_of_a_pair_says_which_question_is_missing(tmp_path, core_service, council, officer, template_file):
    # The household's income is known and given, but not how often it is received.
    result = upload(template_file(tmp_path, "lettings", council, last_row={"net_income_known": "1", "earnings": "500"}),
                    council)
    assert (result["created"], result["rejected"]) == (1, 0), result["errors"]
    assert [(i["column"], i["rule"], i["severity"], i["message"]) for i in result["errors"] if i["field"] == "incfreq"] == [
        ("Field 136", "incfreq_required_with_earnings", "warning", "Select how often the household receives income.")]
    with schema_context("core"):
        record = Record.objects.get()
        assert record.answers["earnings"] == 500 and record.status == "in_progress"


# --- A blank template, in the pack's words ---------------------------------------------------

def test_a_blank_template_is_refused_in_the_packs_words(client_for, core_service, council, officer,
                                                        official_template_csv):
    response = client_for("core", officer).post("/uploads/new/", {
        "record_type": "core:lettings", "year": "2026", "organisation": council.pk, "on_errors": "wait",
        "file": SimpleUploadedFile("logs.csv", headings_only(official_template_csv, council), content_type="text/csv")})
    assert response.status_code == 200
    assert escape(BLANK_TEMPLATE) in response.content.decode()
    with schema_context("core"):
        assert not Upload.objects.exists()


def test_a_blank_template_is_refused_through_the_api_with_the_packs_rule(core_service, council, officer,
                                                                        official_template_csv, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: queued.append(args))
    with schema_context("core"):
        api = Api(create_client(name="Test system", created_by=officer, organisation=council).key, "core")
    response = api.http.post("/api/v1/uploads/", {
        "record_type": "lettings", "version": 2026, "organisation": f"ORG{council.pk}",
        "file": SimpleUploadedFile("logs.csv", headings_only(official_template_csv, council), content_type="text/csv")})
    problem = problem_of(response, 422)
    assert [(e["field"], e["rule"]) for e in problem["errors"]] == [("file", "bu_file_blank")]
    assert problem["detail"].startswith("Template is blank - The template must be filled in")
    assert queued == []


# --- Who exists is not told, in each of CORE's record fields ----------------------------------

def upload_rows(tmp_path, template_csv, organisation, record_type, rows):
    """Upload the official template (lettings or sales) with a row for each of `rows`
    ({variable: text}) from the command line; the (rule, message) of the issues on the
    variables changed, by row number."""
    lines = list(csv.reader(io.StringIO(template_csv(record_type, organisation).decode())))
    definition = registry.get("core").definition(record_type, 2026)
    at = next(i for i, line in enumerate(lines) if line and line[0].strip().lower().startswith("field number"))
    column = {int(n): i for i, n in enumerate(lines[at]) if n.strip().isdigit()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(lines[:-1])
    for changes in rows:
        row = list(lines[-1])
        for variable, value in changes.items():
            (number,) = definition.variables[variable].bulk_upload["fields"]
            row[column[number]] = value
        writer.writerow(row)
    path = tmp_path / f"{record_type}.csv"
    path.write_text(out.getvalue())
    return issues_on_changed(path, "core", record_type, organisation, rows)


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
@pytest.mark.parametrize("record_field", ["owning_organisation", "managing_organisation", "assigned_to"])
def test_an_unknown_and_a_forbidden_reference_get_the_same_answer(tmp_path, core_service, make_organisation,
                                                                  make_person, official_template_csv, record_type,
                                                                  record_field):
    council = make_organisation("Enumerating Council", type="local_authority")
    make_person("enumerate@example.com", council, role="data_coordinator")
    stranger = make_organisation("Somebody Else's Homes")
    make_person("someone@elsewhere.example", stranger)
    variable = registry.get("core").definition(record_type, 2026).record_fields[record_field]
    if record_field == "assigned_to":
        unknown, forbidden = "no-one@nowhere.example", "someone@elsewhere.example"
    else:
        unknown, forbidden = "ORG99999999", f"ORG{stranger.pk}"
    issues = upload_rows(tmp_path, official_template_csv, council, record_type,
                         [{variable: unknown}, {variable: forbidden}])
    assert len(issues) == 2, issues
    first, second = issues.values()
    assert first == second, issues
    ((rule, message),) = first
    assert message.startswith("You cannot ") and re.search("check the (reference|email address)", message), message
