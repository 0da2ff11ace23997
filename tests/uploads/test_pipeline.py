"""The upload pipeline from the command line: the official template imports with no
errors, a re-upload changes nothing, a corrected row updates its record, rows that
are the same log are reported, and organisations the person cannot act for are refused."""

import csv
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record

SPEC = registry.get("core").reference_dir / "spec"


@pytest.fixture
def council(make_organisation):
    return make_organisation("Upload Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("uploader@example.com", council, role="data_coordinator")


def template_file(tmp_path, record_type, organisation, rows=1, change=None, name="upload.csv"):
    """The official template with its data row repeated, made to belong to `organisation`."""
    lines = list(csv.reader((SPEC / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    numbers_at = next(i for i, r in enumerate(lines) if r and r[0].strip().lower().startswith("field number"))
    numbers = lines[numbers_at]
    data = lines[numbers_at + 1]
    column = {int(n): i for i, n in enumerate(numbers) if n.strip().isdigit()}
    definition = registry.get("core").definition(record_type, 2026)
    for field_name, value in (("owning_organisation", f"ORG{organisation.pk}"),
                              ("managing_organisation", f"ORG{organisation.pk}"), ("assigned_to", "")):
        (number,) = definition.variables[definition.record_fields[field_name]].bulk_upload["fields"]
        data[column[number]] = value
    out = lines[: numbers_at + 1] + [list(data) for _ in range(rows)]
    for field_number, value in (change or {}).items():
        out[-1][column[field_number]] = value
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(out)
    return path


def upload(path, organisation, record_type="lettings", *extra):
    out = StringIO()
    call_command("cldc", "upload", "--service", "core", "--record-type", record_type, "--version", "2026",
                 "--organisation", f"ORG{organisation.pk}", "--user", "uploader@example.com", *extra, str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_official_template_imports_with_no_errors(tmp_path, core_service, council, officer, record_type):
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


def test_re_uploading_changes_nothing_and_a_correction_updates_the_same_record(tmp_path, core_service, council, officer):
    first = upload(template_file(tmp_path, "lettings", council), council)
    again = upload(template_file(tmp_path, "lettings", council), council)
    assert first["created"] == 1 and (again["created"], again["unchanged"]) == (0, 1)
    # A corrected lead tenant's age updates the record it matches.
    (age_field,) = registry.get("core").definition("lettings", 2026).variables["age1"].bulk_upload["fields"]
    corrected = upload(template_file(tmp_path, "lettings", council, change={age_field: "41"}), council)
    assert (corrected["created"], corrected["updated"]) == (0, 1), corrected["errors"]
    with schema_context("core"):
        (record,) = Record.objects.all()
        assert record.answers["age1"] == 41 and record.revisions.count() == 2


def test_rows_that_are_the_same_log_are_reported(tmp_path, core_service, council, officer):
    result = upload(template_file(tmp_path, "lettings", council, rows=2), council)
    assert (result["created"], result["rejected"]) == (1, 1)
    (group,) = [g for g in result["issues_by_rule"] if g["rule"] == "duplicate_in_file"]
    assert group["count"] == 1 and "the same log as row" in group["message"]


def test_an_organisation_the_person_cannot_act_for_is_refused(tmp_path, core_service, council, officer, make_organisation):
    stranger = make_organisation("Stranger Homes")
    result = upload(template_file(tmp_path, "lettings", stranger), council)
    assert result["rejected"] == 1 and result["created"] == 0
    assert any("You cannot submit logs for the organisation" in i["message"] for i in result["errors"])


def test_an_unreadable_file_fails_with_a_message_and_imports_nothing(tmp_path, core_service, council, officer):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = upload(empty, council)
    assert result["status"] == "failed" and result["message"] == "The selected file is empty."
    with pytest.raises(CommandError, match="No such file|no such file"):
        upload(tmp_path / "missing.csv", council)
