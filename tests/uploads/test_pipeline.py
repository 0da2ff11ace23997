"""The upload pipeline from the command line: the official template imports with no
errors, a re-upload changes nothing, a corrected row updates its record, rows that
are the same log are reported, and organisations the person cannot act for are refused."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record



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
        assert record.status == "completed" and record.source == "upload" and record.owning_organisation == council
        assert record.assigned_to == officer  # a blank assignee is the person uploading


def test_re_uploading_changes_nothing_and_a_correction_updates_the_same_record(tmp_path, core_service, council, officer, template_file):
    first = upload(template_file(tmp_path, "lettings", council), council)
    again = upload(template_file(tmp_path, "lettings", council), council)
    assert first["created"] == 1 and (again["created"], again["unchanged"]) == (0, 1)
    # A corrected lead tenant's age updates the record it matches.
    corrected = upload(template_file(tmp_path, "lettings", council, last_row={"age1": "41"}), council)
    assert (corrected["created"], corrected["updated"]) == (0, 1), corrected["errors"]
    with schema_context("core"):
        (record,) = Record.objects.all()
        assert record.answers["age1"] == 41 and record.revisions.count() == 2


def test_rows_that_are_the_same_log_are_reported(tmp_path, core_service, council, officer, template_file):
    result = upload(template_file(tmp_path, "lettings", council, rows=2), council)
    assert (result["created"], result["rejected"]) == (1, 1)
    (group,) = [g for g in result["issues_by_rule"] if g["rule"] == "duplicate_in_file"]
    assert group["count"] == 1 and "the same log as row" in group["message"]


def test_an_organisation_the_person_cannot_act_for_is_refused(tmp_path, core_service, council, officer, make_organisation, template_file):
    stranger = make_organisation("Stranger Homes")
    result = upload(template_file(tmp_path, "lettings", stranger), council)
    assert result["rejected"] == 1 and result["created"] == 0
    assert any(i["rule"] == "bu_owning_org_permitted" for i in result["errors"])


def test_an_unreadable_file_fails_with_a_message_and_imports_nothing(tmp_path, core_service, council, officer, template_file):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = upload(empty, council)
    assert result["status"] == "failed" and result["message"] == "The selected file is empty."
    with pytest.raises(CommandError, match="No such file|no such file"):
        upload(tmp_path / "missing.csv", council)


def test_a_provider_layout_needs_its_columns_matched_once_then_uploads_from_the_command_line(
        tmp_path, core_service, council, officer, provider_layout_csv):
    from cldc.platform.uploads.models import SavedMapping

    content, targets = provider_layout_csv(["CLI-1"])
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    first = upload(path, council)
    assert first["status"] == "mapping"  # a person must settle the doubtful columns, on the upload's page
    unsettled = {c["header"] for c in first["columns_to_match"]}
    assert "Our internal notes" in unsettled and "Tenant code" not in unsettled
    with schema_context("core"):  # what the person confirmed on the web, once
        for header, target in targets.items():
            SavedMapping.objects.create(organisation=council, collection="core", record_type="lettings",
                                        kind="column", source=" ".join(header.split()).casefold(), target=target)
    second = upload(path, council)
    assert second["status"] == "values" and "weekly" in json.dumps(second["values_to_match"])
    with schema_context("core"):
        SavedMapping.objects.create(organisation=council, collection="core", record_type="lettings", kind="value",
                                    variable="period", source="weekly", target="1")
    third = upload(path, council)
    assert (third["status"], third["created"], third["rejected"]) == ("done", 1, 0), third["errors"]
    with schema_context("core"):
        assert Record.objects.get().answers["tenancycode"] == "CLI-1"


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
    # duplicate-check answers: CORE's own rule, on the second row.
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


# --- One rule in every channel: whom a row names, the window, what is not stored ---------

ASSIGNEE_REFUSED = ("bu_assigned_user_related", "You cannot assign this log to this person: check the email address, "
                                                "and that they are in the owning or managing organisation.")


def test_an_assignee_whose_membership_has_ended_is_refused(tmp_path, core_service, council, officer, make_person,
                                                          template_file):
    """A current member of the owning or managing organisation, as in every channel
    (cldc.platform.records.references): an ended membership names no one."""
    leaver = make_person("leaver@example.com", council)
    leaver.memberships.get().end()
    refused = upload(template_file(tmp_path, "lettings", council, last_row={"assigned_to_id": "leaver@example.com"}),
                     council)
    assert (refused["created"], refused["rejected"]) == (0, 1)
    assert [(i["rule"], i["message"]) for i in refused["errors"] if i["field"] == "assigned_to_id"] == [ASSIGNEE_REFUSED]
    nobody = upload(template_file(tmp_path, "lettings", council, last_row={"assigned_to_id": "nobody@example.com"}),
                    council)  # an address no one has: told the same
    assert [(i["rule"], i["message"]) for i in nobody["errors"] if i["field"] == "assigned_to_id"] == [ASSIGNEE_REFUSED]
    make_person("stayer@example.com", council)
    accepted = upload(template_file(tmp_path, "lettings", council, last_row={"assigned_to_id": "Stayer@Example.com"}),
                      council)
    assert (accepted["created"], accepted["rejected"]) == (1, 0), accepted["errors"]
    with schema_context("core"):
        assert Record.objects.get().assigned_to.email == "stayer@example.com"


def close_editing(record_type="lettings"):
    """The collection window as support staff close it: no new logs since the day
    before yesterday, no changes since yesterday."""
    from datetime import date, timedelta

    from cldc.platform.windows.models import CollectionWindow

    with schema_context("core"):
        window = CollectionWindow.objects.get(collection="core", record_type=record_type, version=2026)
        window.new_logs_end, window.editing_end = date.today() - timedelta(days=2), date.today() - timedelta(days=1)
        window.save()
        return window


def closed_messages(window):
    from cldc.platform.windows.models import long_date

    return (f"You cannot change this log any more. Logs for the 2026 to 2027 collection year could be changed until "
            f"{long_date(window.editing_end)}.",
            f"You can no longer create logs for the 2026 to 2027 collection year. The deadline was "
            f"{long_date(window.submission_deadline)}.")


def test_cldc_upload_changes_no_log_once_the_editing_window_has_closed(tmp_path, core_service, council, officer,
                                                                       template_file):
    assert upload(template_file(tmp_path, "lettings", council), council)["created"] == 1
    changes_closed, new_logs_closed = closed_messages(close_editing())
    corrected = upload(template_file(tmp_path, "lettings", council, last_row={"age1": "41"}), council)
    assert (corrected["updated"], corrected["rejected"]) == (0, 1)
    assert [(i["rule"], i["message"]) for i in corrected["errors"] if i["severity"] == "hard"] == [
        ("window_closed", changes_closed)]
    also_new = upload(template_file(tmp_path, "lettings", council, rows=2, last_row={"tenancycode": "NEW-1"}), council,
                      "lettings", "--create-valid")
    assert (also_new["created"], also_new["unchanged"], also_new["rejected"]) == (0, 1, 1)
    assert [(i["row"], i["message"]) for i in also_new["errors"] if i["rule"] == "window_closed"] == [
        (10, new_logs_closed)]
    with schema_context("core"):
        (record,) = Record.objects.all()
        assert record.answers["age1"] == 20 and record.revisions.count() == 1


def test_a_re_upload_through_the_pipeline_is_refused_once_the_editing_window_has_closed(
        tmp_path, core_service, council, officer, template_file):
    """The pipeline itself (a web upload's run, its "check again" or "create the valid
    rows now"), whatever the person chose for rows with errors: the gateway refuses."""
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.importer import Importer
    from cldc.platform.uploads.report import summary

    def run(path, **choices):
        with schema_context("core"):
            made = Upload.objects.create(collection="core", record_type="lettings", version=2026, organisation=council,
                                         user=officer, filename=path.name, path=str(path), **choices)
            return summary(Importer(made).run())

    assert run(template_file(tmp_path, "lettings", council))["created"] == 1
    changes_closed, _ = closed_messages(close_editing())
    corrected = template_file(tmp_path, "lettings", council, last_row={"age1": "41"}, name="corrected.csv")
    for choices in ({}, {"create_valid_now": True}, {"dry_run": True}):
        result = run(corrected, **choices)
        assert (result["updated"], result["rejected"]) == (0, 1), choices
        assert [(i["rule"], i["message"]) for i in result["errors"] if i["severity"] == "hard"] == [
            ("window_closed", changes_closed)]
    assert run(template_file(tmp_path, "lettings", council))["unchanged"] == 1  # changing nothing is no change
    with schema_context("core"):
        assert Record.objects.get().answers["age1"] == 20


def test_an_answer_the_other_answers_route_away_is_not_stored_and_the_person_is_told(
        tmp_path, core_service, council, officer, template_file):
    # No one in the household has links to the armed forces, yet the row says whether
    # the person was injured serving in them.
    result = upload(template_file(tmp_path, "lettings", council, last_row={"armedforces": "2"}), council)
    assert (result["created"], result["rejected"]) == (1, 0), result["errors"]
    (told,) = [i for i in result["errors"] if i["field"] == "reservist"]
    assert told == {
        "row": 9, "column": "Field 92", "cell": told["cell"], "field": "reservist", "rule": "not_applicable",
        "severity": "warning",
        "message": "Not stored: you answered “Was the person seriously injured or ill as a result of serving in the UK "
                   "armed forces?”, but also “No” to “Does anybody in the household have any links to the UK armed "
                   "forces?”."}
    with schema_context("core"):
        answers = Record.objects.get().answers
        assert answers["armedforces"] == 2 and "reservist" not in answers and "leftreg" not in answers


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
