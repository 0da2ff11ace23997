"""The upload pipeline from the command line: a file in the template's layout imports
with no errors, a re-upload changes nothing, a corrected row updates its record, rows
that are the same record are reported, and organisations the person cannot act for are
refused. CORE's own template and file rules: tests/core/test_core_official_template.py."""

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
def template_file(visits_template_csv):
    """template_file(tmp_path, organisation, rows=({},)): a file of complete visits in the
    template's layout, one per dict of changes in `rows`."""
    def write(tmp_path, organisation, rows=({},), name="upload.csv"):
        path = tmp_path / name
        path.write_bytes(visits_template_csv(organisation, rows))
        return path

    return write


def upload(path, organisation, *extra):
    out = StringIO()
    call_command("cldc", "upload", "--service", "visits", "--record-type", "visit", "--version", "2026",
                 "--organisation", f"ORG{organisation.pk}", "--user", "uploader@example.com", *extra, str(path), stdout=out)
    return json.loads(out.getvalue())


def test_a_template_file_imports_with_no_errors(tmp_path, visits_service, council, officer, template_file):
    checked = upload(template_file(tmp_path, council), council, "--dry-run")
    assert checked["status"] == "done" and checked["created"] == 1 and checked["rejected"] == 0, checked["errors"]
    assert checked["errors"] == []
    with schema_context("visits"):
        assert not Record.objects.exists()  # a dry run stores nothing
    result = upload(template_file(tmp_path, council), council)
    assert (result["rows"], result["created"], result["rejected"]) == (1, 1, 0)
    with schema_context("visits"):
        record = Record.objects.get()
        assert record.status == "completed" and record.source == "upload" and record.owning_organisation == council
        assert record.assigned_to == officer  # a blank assignee is the person uploading


def test_re_uploading_changes_nothing_and_a_correction_updates_the_same_record(tmp_path, visits_service, council, officer, template_file):
    first = upload(template_file(tmp_path, council), council)
    again = upload(template_file(tmp_path, council), council)
    assert first["created"] == 1 and (again["created"], again["unchanged"]) == (0, 1)
    # A corrected person 1's age updates the record it matches.
    corrected = upload(template_file(tmp_path, council, rows=[{"age1": "41"}]), council)
    assert (corrected["created"], corrected["updated"]) == (0, 1), corrected["errors"]
    with schema_context("visits"):
        (record,) = Record.objects.all()
        assert record.answers["age1"] == 41 and record.revisions.count() == 2


def test_rows_that_are_the_same_record_are_reported_in_its_own_noun(tmp_path, visits_service, council, officer, template_file):
    result = upload(template_file(tmp_path, council, rows=({}, {})), council)
    assert (result["created"], result["rejected"]) == (1, 1)
    (group,) = [g for g in result["issues_by_rule"] if g["rule"] == "duplicate_in_file"]
    assert group["count"] == 1 and group["message"] == (
        "This row is the same visit as row 9 (the same reference). Remove one of them.")


def test_rows_without_a_reference_that_answer_the_duplicate_check_alike_get_the_packs_rule(
        tmp_path, visits_service, council, officer, template_file):
    # Two rows with no visit reference (so no reference to match on) but the same
    # duplicate-check answers: the pack's own rule (`pipeline: duplicate_in_file`), on the second row.
    result = upload(template_file(tmp_path, council, rows=({"visitref": None}, {"visitref": None})), council)
    assert (result["created"], result["rejected"]) == (1, 1), result["errors"]
    (issue,) = [i for i in result["errors"] if i["rule"] == "duplicate_in_file"]
    assert issue["message"] == "This visit is in your file twice." and issue["row"] == 10


def test_an_organisation_the_person_cannot_act_for_is_refused(tmp_path, visits_service, council, officer, make_organisation, template_file):
    stranger = make_organisation("Stranger Homes")
    result = upload(template_file(tmp_path, stranger), council)
    assert result["rejected"] == 1 and result["created"] == 0
    assert any(i["rule"] == "owning_organisation_permitted" for i in result["errors"])


def test_an_unreadable_file_fails_with_a_message_and_imports_nothing(tmp_path, visits_service, council, officer, template_file):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = upload(empty, council)
    assert result["status"] == "failed" and result["message"] == "The selected file is empty."
    with pytest.raises(CommandError, match="No such file|no such file"):
        upload(tmp_path / "missing.csv", council)


def test_a_provider_layout_needs_its_columns_matched_once_then_uploads_from_the_command_line(
        tmp_path, visits_service, council, officer, visits_provider_csv):
    from cldc.platform.uploads.models import SavedMapping

    content, targets = visits_provider_csv(["CLI-1"])
    path = tmp_path / "export.csv"
    path.write_bytes(content)
    first = upload(path, council)
    assert first["status"] == "mapping"  # a person must settle the doubtful columns, on the upload's page
    unsettled = {c["header"] for c in first["columns_to_match"]}
    assert "Our internal notes" in unsettled and "Visit Ref" not in unsettled
    with schema_context("visits"):  # what the person confirmed on the web, once
        for header, target in targets.items():
            SavedMapping.objects.create(organisation=council, collection="visits", record_type="visit",
                                        kind="column", source=" ".join(header.split()).casefold(), target=target)
    second = upload(path, council)
    assert second["status"] == "values" and "calendar month" in json.dumps(second["values_to_match"])
    with schema_context("visits"):
        SavedMapping.objects.create(organisation=council, collection="visits", record_type="visit", kind="value",
                                    variable="period", source="calendar month", target="4")
    third = upload(path, council)
    assert (third["status"], third["created"], third["rejected"]) == ("done", 1, 0), third["errors"]
    with schema_context("visits"):
        assert Record.objects.get().answers["visitref"] == "CLI-1"


# --- One rule in every channel: whom a row names, the window, what is not stored ---------

ASSIGNEE_REFUSED = ("assigned_to_permitted", "You cannot assign this visit to this person: check the email address, "
                                                "and that they are in the owning or managing organisation.")


def test_an_assignee_whose_membership_has_ended_is_refused(tmp_path, visits_service, council, officer, make_person,
                                                          template_file):
    """A current member of the owning or managing organisation, as in every channel
    (cldc.platform.records.references): an ended membership names no one."""
    leaver = make_person("leaver@example.com", council)
    leaver.memberships.get().end()
    refused = upload(template_file(tmp_path, council, rows=[{"assigned_to_id": "leaver@example.com"}]), council)
    assert (refused["created"], refused["rejected"]) == (0, 1)
    assert [(i["rule"], i["message"]) for i in refused["errors"] if i["field"] == "assigned_to_id"] == [ASSIGNEE_REFUSED]
    nobody = upload(template_file(tmp_path, council, rows=[{"assigned_to_id": "nobody@example.com"}]),
                    council)  # an address no one has: told the same
    assert [(i["rule"], i["message"]) for i in nobody["errors"] if i["field"] == "assigned_to_id"] == [ASSIGNEE_REFUSED]
    make_person("stayer@example.com", council)
    accepted = upload(template_file(tmp_path, council, rows=[{"assigned_to_id": "Stayer@Example.com"}]), council)
    assert (accepted["created"], accepted["rejected"]) == (1, 0), accepted["errors"]
    with schema_context("visits"):
        assert Record.objects.get().assigned_to.email == "stayer@example.com"


def close_editing():
    """The collection window as support staff close it: no new records since the day
    before yesterday, no changes since yesterday."""
    from datetime import date, timedelta

    from cldc.platform.windows.models import CollectionWindow

    with schema_context("visits"):
        window = CollectionWindow.objects.get(collection="visits", record_type="visit", version=2026)
        window.new_logs_end, window.editing_end = date.today() - timedelta(days=2), date.today() - timedelta(days=1)
        window.save()
        return window


def closed_messages(window):
    from cldc.platform.windows.models import long_date

    return (f"You cannot change this visit any more. Visits for the 2026 to 2027 collection year could be changed "
            f"until {long_date(window.editing_end)}.",
            f"You can no longer create visits for the 2026 to 2027 collection year. The deadline was "
            f"{long_date(window.submission_deadline)}.")


def test_cldc_upload_changes_no_log_once_the_editing_window_has_closed(tmp_path, visits_service, council, officer,
                                                                       template_file):
    assert upload(template_file(tmp_path, council), council)["created"] == 1
    changes_closed, new_logs_closed = closed_messages(close_editing())
    corrected = upload(template_file(tmp_path, council, rows=[{"age1": "41"}]), council)
    assert (corrected["updated"], corrected["rejected"]) == (0, 1)
    assert [(i["rule"], i["message"]) for i in corrected["errors"] if i["severity"] == "hard"] == [
        ("window_closed", changes_closed)]
    also_new = upload(template_file(tmp_path, council, rows=({}, {"visitref": "NEW-1"})), council, "--create-valid")
    assert (also_new["created"], also_new["unchanged"], also_new["rejected"]) == (0, 1, 1)
    assert [(i["row"], i["message"]) for i in also_new["errors"] if i["rule"] == "window_closed"] == [
        (10, new_logs_closed)]
    with schema_context("visits"):
        (record,) = Record.objects.all()
        assert record.answers["age1"] == 42 and record.revisions.count() == 1


def test_a_re_upload_through_the_pipeline_is_refused_once_the_editing_window_has_closed(
        tmp_path, visits_service, council, officer, template_file):
    """The pipeline itself (a web upload's run, its "check again" or "create the valid
    rows now"), whatever the person chose for rows with errors: the gateway refuses."""
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.importer import Importer
    from cldc.platform.uploads.report import summary

    def run(path, **choices):
        with schema_context("visits"):
            made = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=council,
                                         user=officer, filename=path.name, path=str(path), **choices)
            return summary(Importer(made).run())

    assert run(template_file(tmp_path, council))["created"] == 1
    changes_closed, _ = closed_messages(close_editing())
    corrected = template_file(tmp_path, council, rows=[{"age1": "41"}], name="corrected.csv")
    for choices in ({}, {"create_valid_now": True}, {"dry_run": True}):
        result = run(corrected, **choices)
        assert (result["updated"], result["rejected"]) == (0, 1), choices
        assert [(i["rule"], i["message"]) for i in result["errors"] if i["severity"] == "hard"] == [
            ("window_closed", changes_closed)]
    assert run(template_file(tmp_path, council))["unchanged"] == 1  # changing nothing is no change
    with schema_context("visits"):
        assert Record.objects.get().answers["age1"] == 42


def test_an_answer_the_other_answers_route_away_is_not_stored_and_the_person_is_told(
        tmp_path, visits_service, council, officer, template_file):
    # The household reported no repairs, yet the row says what needs repairing.
    result = upload(template_file(tmp_path, council, rows=[{"repairs": "2"}]), council)
    assert (result["created"], result["rejected"]) == (1, 0), result["errors"]
    (told,) = [i for i in result["errors"] if i["field"] == "repairsdetail"]
    assert told == {
        "row": 9, "column": "Field 8", "cell": told["cell"], "field": "repairsdetail", "rule": "not_applicable",
        "severity": "warning",
        "message": "Not stored: you answered “What repairs did they report?”, but also “No” to “Did the household "
                   "report any repairs?”."}
    with schema_context("visits"):
        answers = Record.objects.get().answers
        assert answers["repairs"] == 2 and "repairsdetail" not in answers
