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
    assert [(i["rule"], i["message"]) for i in unknown["errors"] if i["field"] == "owning_organisation_id"] == [
        ("bu_owning_org_exists", "The owning organisation code is incorrect.")]
    stranger = make_organisation("Not Ours Homes")
    refused = upload(template_file(tmp_path, "lettings", stranger), council)
    assert ("bu_owning_org_permitted", "You do not have permission to add logs for this owning organisation.") in [
        (i["rule"], i["message"]) for i in refused["errors"]]

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
