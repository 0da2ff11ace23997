"""CORE's bulk-upload checks that the pipeline makes itself (`pipeline:` rules in
rules/<record_type>/bulk_upload.yaml, run by cldc.platform.uploads.pipeline_checks):
the cells of a template row as the file gives them, before they become answers; the
uploader's role; and whole files. Each rule fires on a row (or file) in CORE's id and
message, on the cell it is about, and a near miss does not fire it. Every case goes
through the upload pipeline (`cldc upload --dry-run`, as the web runs it)."""

import csv
import io
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils.html import escape
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.models import Upload
from cldc.tests.api.api_helpers import Api
from cldc.tests.core.test_one_pack_every_channel import given, row_answers
from cldc.tests.uploads.test_upload_fixes import post_file, upload_of

UPLOADER = "uploader@example.com"


@pytest.fixture
def council(make_organisation):
    return make_organisation("Cells Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person(UPLOADER, council, role="data_coordinator")


def with_cells(content, cells=None, extra=None, drop_fields=(), headings=True):
    """The template CSV `content` with the data row's cells changed by field number
    (`cells`), `extra` cells appended right of the last column ({heading: value}; the
    heading goes in the "Field number" row), fields removed, or without its heading rows."""
    lines = list(csv.reader(io.StringIO(content.decode("utf-8"))))
    at = next(i for i, r in enumerate(lines) if r and r[0].strip().lower().startswith("field number"))
    column = {int(n): i for i, n in enumerate(lines[at]) if n.strip().isdigit()}
    for number, value in (cells or {}).items():
        lines[at + 1][column[number]] = value
    for heading, value in (extra or {}).items():
        for i, line in enumerate(lines):
            line.append(heading if i == at else value if i > at else "")
    gone = {column[n] for n in drop_fields}
    lines = [[cell for i, cell in enumerate(line) if i not in gone] for line in lines]
    if not headings:
        lines = lines[at + 1:]
    text = io.StringIO()
    csv.writer(text).writerows(lines)
    return text.getvalue().encode("utf-8")


def upload(tmp_path, content, organisation, record_type, user=UPLOADER, dry_run=True):
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    out = StringIO()
    call_command("cldc", "upload", "--service", "core", "--record-type", record_type, "--version", "2026",
                 "--organisation", f"ORG{organisation.pk}", "--user", user, *(["--dry-run"] if dry_run else []),
                 str(path), stdout=out)
    return json.loads(out.getvalue())


def issues_of(result, rule):
    """{column: message} of the rule's issues (each on row 9, the template's first data row)."""
    found = [e for e in result["errors"] if e["rule"] == rule]
    assert all(e["row"] == 9 for e in found), found
    return {e["column"]: e["message"] for e in found}


def message(record_type, rule_id, **params):
    rule = next(r for r in registry.get("core").rule_pack(record_type, 2026).rules if r.id == rule_id)
    return rule.render({}, params)


# (record type, rule, cells that fire it, the columns it is on, the message's parameters, a near miss)
ROW_CASES = [
    ("lettings", "bu_startdate_parts_present__day", {8: ""}, [8], {"question": "tenancy start date (day)."}, {8: "01"}),
    ("lettings", "bu_startdate_parts_present__month", {9: ""}, [9], {"question": "tenancy start date (month)."}, {9: "04"}),
    ("lettings", "bu_startdate_parts_present", {10: ""}, [10], {"question": "tenancy start date (year)."}, {10: "2026"}),
    ("lettings", "bu_startdate_parts_present__year_digits", {10: "026"}, [10], {}, {10: "2026"}),
    ("lettings", "bu_address_fields", {18: "ABC", 19: ""}, [19], {"question": "address line 1."}, {18: "123", 19: ""}),
    ("lettings", "bu_address_fields__town_or_city", {18: "UPRN 1", 21: ""}, [21], {"question": "town or city."},
     {18: "UPRN 1", 21: "Leeds"}),
    ("lettings", "bu_address_fields__postcode_part_1", {18: "1234567890123", 23: ""}, [23],
     {"question": "part 1 of postcode."}, {18: "123456789012", 23: ""}),
    ("lettings", "bu_address_fields__postcode_part_2", {18: "x", 24: ""}, [24], {"question": "part 2 of postcode."},
     {18: "", 24: ""}),
    ("lettings", "bu_age_format_1", {41: "20 years"}, [41], {"person_num": 1}, {41: "r"}),
    ("lettings", "bu_age_format_2", {48: "X", 49: "M"}, [48], {"person_num": 2}, {48: "R", 49: "M"}),
    ("lettings", "bu_access_needs_one_type", {95: "1"}, [94, 95], {}, {95: "0"}),
    ("lettings", "bu_access_needs_no_with_others", {98: "1"}, [94, 98], {}, {94: "", 98: "1"}),
    ("lettings", "bu_access_needs_dont_know_with_others", {99: "1"}, [94, 99], {}, {94: "", 99: "1"}),
    ("lettings", "bu_access_needs_no_and_dont_know", {94: "", 98: "1", 99: "1"}, [98, 99], {}, {94: "", 98: "1"}),
    ("lettings", "bu_condition_effects_without_illness", {100: "2"}, [101], {}, {100: "1"}),
    ("lettings", "bu_all_charges_given_others", {143: ""}, [142, 144, 145], {}, {143: "0"}),
    ("lettings", "bu_all_charges_given_brent__cell", {142: ""}, [142], {"sentence_fragment": "basic rent"}, {142: "0"}),
    ("lettings", "bu_all_charges_given_scharge__cell", {143: ""}, [143], {"sentence_fragment": "service charge"}, {143: "0"}),
    ("lettings", "bu_all_charges_given_pscharge__cell", {144: ""}, [144], {"sentence_fragment": "personal service charge"}, {144: "0"}),
    ("lettings", "bu_all_charges_given_supcharg__cell", {145: ""}, [145], {"sentence_fragment": "support charge"}, {145: "0"}),
    ("sales", "bu_saledate_parts__day", {1: ""}, [1], {"question": "sale completion date (day)."}, {1: "04"}),
    ("sales", "bu_saledate_parts__month", {2: ""}, [2], {"question": "sale completion date (month)."}, {2: "09"}),
    ("sales", "bu_saledate_parts__year", {3: ""}, [3], {"question": "sale completion date (year)."}, {3: "2026"}),
    ("sales", "bu_saledate_parts", {3: "202"}, [3], {}, {3: "2026"}),
    ("sales", "bu_buyer1_not_child", {35: "9", 29: "15"}, [35], {}, {35: "8", 29: "15"}),
    ("sales", "bu_buyer1_not_child__over_16", {35: "9"}, [29, 35], {}, {35: "9", 29: "15"}),
    ("sales", "bu_nationality_codes", {34: "XYZ"}, [34], {}, {34: "FRA"}),
    ("sales", "bu_mortlen_format", {103: "10 years"}, [103], {}, {103: "R"}),
    ("sales", "bu_mortlen_format__discounted_ownership", {133: "ten"}, [133], {}, {133: "11"}),
    ("sales", "bu_service_charge_format", {107: "-100"}, [107], {}, {107: "100.50"}),
    ("sales", "bu_service_charge_format__staircasing", {125: "£100"}, [125], {}, {125: "100"}),
    ("sales", "bu_service_charge_format__discounted_ownership", {136: "none"}, [136], {}, {136: "r"}),
    ("sales", "bu_service_charge_format__newservicecharges", {126: "n/a"}, [126], {}, {126: "12.5"}),
]


@pytest.mark.parametrize("record_type, rule, fires, columns, params, near_miss", ROW_CASES,
                         ids=[f"{case[0]}-{case[1]}" for case in ROW_CASES])
def test_a_check_of_a_rows_cells_fires_on_its_cells_in_cores_words_and_a_near_miss_does_not(
        tmp_path, core_service, council, officer, official_template_csv,
        record_type, rule, fires, columns, params, near_miss):
    template = official_template_csv(record_type, council)
    found = issues_of(upload(tmp_path, with_cells(template, fires), council, record_type), rule)
    assert found == {f"Field {n}": message(record_type, rule, **params) for n in columns}
    assert issues_of(upload(tmp_path, with_cells(template, near_miss), council, record_type), rule) == {}


def test_a_cell_a_check_faults_gets_no_second_error_from_the_conversion_or_the_gateway(
        tmp_path, core_service, council, officer, official_template_csv):
    """An age of "20 years" is CORE's one message, not also the gateway's "must be a number";
    a year of three digits is not also the conversion's "must be a year as YY or YYYY"; an
    unknown nationality is not also the gateway's unknown option."""
    template = official_template_csv("lettings", council)
    result = upload(tmp_path, with_cells(template, {41: "20 years", 10: "026"}), council, "lettings")
    on = {}
    for error in result["errors"]:
        on.setdefault(error["field"], []).append((error["column"], error["rule"]))
    assert on["age1"] == [("Field 41", "bu_age_format_1")]
    assert on["startdate"] == [("Field 10", "bu_startdate_parts_present__year_digits")]
    assert result["rejected"] == 1
    # A nationality that is no country: CORE's words, not also the gateway's "Enter a valid value".
    sales = upload(tmp_path, with_cells(official_template_csv("sales", council), {34: "XYZ"}), council, "sales")
    assert [(e["column"], e["rule"]) for e in sales["errors"] if e["field"] == "nationality_all"] == [
        ("Field 34", "bu_nationality_codes")]


@pytest.mark.parametrize("record_type, assignee_field", [("lettings", 3), ("sales", 6)])
def test_a_support_user_must_name_the_person_each_row_is_assigned_to(
        tmp_path, core_service, council, officer, make_person, official_template_csv, record_type, assignee_field):
    make_person("helper@example.com", staff_role="support")
    template = official_template_csv(record_type, council)  # field 3 (or 6) blank: the uploader, by default
    rule = "bu_assigned_user_for_support_upload"
    what = {"lettings": "letting", "sales": "sales"}[record_type]
    as_support = upload(tmp_path, template, council, record_type, user="helper@example.com")
    assert issues_of(as_support, rule) == {f"Field {assignee_field}": (
        f"You must answer what is the CORE username of the account this {what} log should be assigned to?")}
    # Near misses: the same file from the organisation's own officer, and a support user naming someone.
    assert issues_of(upload(tmp_path, template, council, record_type), rule) == {}
    named = with_cells(template, {assignee_field: UPLOADER})
    assert issues_of(upload(tmp_path, named, council, record_type, user="helper@example.com"), rule) == {}


# --- Whole files --------------------------------------------------------------------------------------


def refused(result, record_type, rule):
    """The file was refused with the rule's message (nothing read past it)."""
    return result["status"] == "failed" and result["message"] == message(
        record_type, rule, **({"guidance_link": "/uploads/"} if rule == "bu_file_no_headers" else {}))


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_whole_file_checks_refuse_the_file_in_cores_words_and_near_misses_pass(
        tmp_path, core_service, council, officer, official_template_csv, record_type):
    template = official_template_csv(record_type, council)
    year_field, date_fields = {"lettings": (10, (8, 9, 10)), "sales": (3, (1, 2, 3))}[record_type]

    def check(content):
        return upload(tmp_path, content, council, record_type)

    assert not any(refused(check(template), record_type, rule) for rule in (
        "bu_file_no_headers", "bu_file_field_count", "bu_file_too_many_columns", "bu_file_wrong_year"))

    # Without its heading rows, the file's first row is data.
    assert refused(check(with_cells(template, headings=False)), record_type, "bu_file_no_headers")

    # A field number missing; the near miss, all of them (above).
    numbers = [int(n) for n in next(r for r in csv.reader(io.StringIO(template.decode()))
                                    if r and r[0].lower().startswith("field number"))[1:] if n.strip()]
    assert refused(check(with_cells(template, drop_fields=[max(numbers)])), record_type, "bu_file_field_count")

    # Data right of the last field number; the near miss: a column the annotated file adds.
    assert refused(check(with_cells(template, extra={"": "surplus"})), record_type, "bu_file_too_many_columns")
    annotated = check(with_cells(template, extra={"Errors": "You must answer the age"}))
    assert not refused(annotated, record_type, "bu_file_too_many_columns") and annotated["status"] != "failed"

    # The first row's date in 2025/26; the near miss, the last day of 2026/27.
    assert refused(check(with_cells(template, {year_field: "2025"})), record_type, "bu_file_wrong_year")
    last_day = dict(zip(date_fields, ("31", "3", "2027")))
    assert not refused(check(with_cells(template, last_day)), record_type, "bu_file_wrong_year")


def test_a_providers_own_headings_are_headings(tmp_path, core_service, council, officer, provider_layout_csv):
    """The near miss of bu_file_no_headers: a housing system's own layout is not refused."""
    content, _ = provider_layout_csv()
    result = upload(tmp_path, content, council, "lettings")
    assert result["status"] != "failed", result["message"]


# --- Duplicates of stored logs --------------------------------------------------------------------


def test_a_row_without_a_reference_is_checked_against_logs_stored_through_other_channels(
        tmp_path, core_service, council, officer, official_template_csv):
    """`pipeline: duplicate_stored` (CORE's bu_duplicate_log) looks at every stored log, not
    only at the file's rows: here logs a housing system sent through the API."""
    content = official_template_csv("lettings", council, last_row={"tenancycode": ""})
    answers = given(row_answers(content, "lettings", tmp_path), "lettings")
    with schema_context("core"):
        api = Api(create_client(name="Housing system", created_by=officer, organisation=council).key, service="core")

    def send():
        response = api.post("records/", {"record_type": "lettings", "version": 2026, "organisation": f"ORG{council.pk}",
                                         "answers": {**answers, "assigned_to_id": officer.email}})
        assert response.status_code == 201, response.json()
        return response.json()["id"]

    first = send()
    # One stored log answers the duplicate check as the row does: the row is that log.
    once = upload(tmp_path, content, council, "lettings", dry_run=False)
    assert (once["created"], once["rejected"]) == (0, 0) and once["unchanged"] + once["updated"] == 1, once["errors"]
    assert issues_of(once, "bu_duplicate_log") == {}
    # Two do: the row could be either, so it is refused in CORE's words and nothing is created.
    second = send()
    twice = upload(tmp_path, content, council, "lettings", dry_run=False)
    assert (twice["created"], twice["rejected"]) == (0, 1)
    (refusal,) = [e for e in twice["errors"] if e["rule"] == "bu_duplicate_log"]
    assert refusal["message"].startswith(f"This is a duplicate log. It has the same answers to the duplicate check as "
                                         f"log {min(first, second)}, {max(first, second)}.")
    with schema_context("core"):
        assert Record.objects.count() == 2
    # The near miss: another lead tenant's age is another letting, created.
    other = with_cells(content, {41: "21"})
    third = upload(tmp_path, other, council, "lettings", dry_run=False)
    assert third["created"] == 1 and issues_of(third, "bu_duplicate_log") == {}, third["errors"]


# --- In the browser ------------------------------------------------------------------------------


def test_the_upload_pages_show_a_refused_file_on_its_field_and_a_cells_error_on_its_row_and_field(
        client_for, core_service, council, officer, official_template_csv, eager_celery):

    client = client_for("core", officer)
    template = official_template_csv("lettings", council)
    refused_page = post_file(client, council, with_cells(template, drop_fields=[147]), record_type="core:lettings")
    assert refused_page.status_code == 200  # the form again, with the reason, and nothing kept
    assert escape(message("lettings", "bu_file_field_count")) in refused_page.content.decode()
    with schema_context("core"):
        assert not Upload.objects.exists()

    with schema_context("core"):
        checked = upload_of(post_file(client, council, with_cells(template, {41: "20 years"}), record_type="core:lettings"))
        (issue,) = checked.issues.filter(rule="bu_age_format_1")
        assert (issue.row, issue.column, issue.field) == (9, "Field 41", "age1")
    page = client.get(f"/uploads/{checked.pk}/").content.decode()
    assert "Age of person 1 must be a number or the letter R" in page and "Field 41" in page
