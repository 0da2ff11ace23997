"""Files in a provider's own layout, and fixing an upload: columns and values matched
once and remembered, nothing stored while rows have errors unless the person chooses,
corrections in bulk and cell by cell, warnings confirmed in bulk, the annotated file,
and every bad file refused on the form with a plain message. Processing runs eagerly
here (a real worker round trip is tested in tests/test_celery.py)."""

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.platform.uploads.models import SavedMapping, Upload

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process


@pytest.fixture
def council(make_organisation):
    return make_organisation("Fixing Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("fixer@example.com", council, role="data_coordinator")


@pytest.fixture
def client(client_for, visits_service, officer):
    return client_for("visits", officer)


def csv_bytes(headers, rows):
    out = io.StringIO()
    csv.writer(out).writerows([headers, *rows])
    return out.getvalue().encode()


def post_file(client, organisation, content, name="visits.csv", on_errors="wait", record_type="visits:visit"):
    return client.post("/uploads/new/", {
        "record_type": record_type, "year": "2026", "organisation": organisation.pk, "on_errors": on_errors,
        "file": SimpleUploadedFile(name, content, content_type="text/csv")})


def upload_of(response):
    return Upload.objects.get(pk=int(re.search(r"/uploads/(\d+)/", response["Location"]).group(1)))


def chosen(form_html, name):
    """The option a select starts on (the page's own suggestion)."""
    select = re.search(rf'<select name="{name}".*?</select>', form_html, re.S).group(0)
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return found.group(1) if found else ""


def accept_page(client, url):
    """Submit a matching page as the service proposes it."""
    page = client.get(url).content.decode()
    names = re.findall(r'<select name="([^"]+)"', page)
    return client.post(url, {name: chosen(page, name) for name in names})


def first_suggestion(form_html, name):
    """The first answer a select suggests (its "Suggested" group)."""
    select = re.search(rf'<select name="{name}".*?</select>', form_html, re.S).group(0)
    return re.search(r'<optgroup label="Suggested">\s*<option value="([^"]*)"', select).group(1)


def calendar_month_is_monthly(client, url):
    """Answer the values page as a person would: "Calendar month" is Monthly (code 4),
    which is suggested first but not chosen for them (it is not an option's words)."""
    page = client.get(url).content.decode()
    names = re.findall(r'<select name="([^"]+)"', page)
    assert all(first_suggestion(page, name) == "4" for name in names)
    return client.post(url, {name: "4" for name in names})


def test_a_provider_layout_is_matched_once_and_re_uploading_it_changes_nothing(client, council, visits_provider_csv):
    content, targets = visits_provider_csv(["OWN-1", "OWN-2"])
    headers = list(targets)
    with schema_context("visits"):
        response = post_file(client, council, content)
        upload = upload_of(response)
        assert response["Location"].endswith(f"/uploads/{upload.pk}/columns/")
        page = client.get(response["Location"]).content.decode()
        notes = headers.index("Our internal notes")
        assert f"Column {chr(65 + notes)}: “Our internal notes”" in page and "We could not match this column" in page
        for index, header in enumerate(headers):  # every proposal is right: the person accepts them
            assert chosen(page, f"column_{index}") == targets[header], header

        response = accept_page(client, f"/uploads/{upload.pk}/columns/")
        upload.refresh_from_db()
        assert upload.status == "values"  # "Calendar month": not worded as our options ("In work" is)
        page = client.get(f"/uploads/{upload.pk}/values/").content.decode()
        assert "“Calendar month” as an answer to" in page and "“In work” as an answer to" not in page
        assert chosen(page, "value_0") == "" and first_suggestion(page, "value_0") == "4"  # Monthly
        response = calendar_month_is_monthly(client, f"/uploads/{upload.pk}/values/")
        upload.refresh_from_db()
        assert (upload.status, upload.created, upload.rejected) == ("done", 2, 0), list(upload.issues.values("row", "message"))

        record = Record.objects.get(answers__visitref="OWN-1")
        assert record.status == "completed" and record.owning_organisation == council and record.source == "upload"
        assert str(record.answers["period"]) == "4" and str(record.answers["work1"]) == "1"
        assert SavedMapping.objects.filter(organisation=council, kind="column").count() == len(headers)

        again = post_file(client, council, content)
        repeat = upload_of(again)
        assert again["Location"].endswith(f"/uploads/{repeat.pk}/")  # no questions this time
        repeat.refresh_from_db()
        assert (repeat.status, repeat.created, repeat.updated, repeat.unchanged) == ("done", 0, 0, 2)
        assert Record.objects.count() == 2 and record.revisions.count() == 1


def test_a_partial_upload_updates_only_its_columns(client, council, visits_provider_csv):
    content, _ = visits_provider_csv()
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{upload.pk}/columns/")
        calendar_month_is_monthly(client, f"/uploads/{upload.pk}/values/")
        record = Record.objects.get()
        before = dict(record.answers)
        partial = csv_bytes(["Visit Ref", "Visit day", "Visit month", "Visit year", "Number of people"],
                            [["OWN-1", *before["visitdate"].split("-")[::-1], "3"]])
        upload = upload_of(post_file(client, council, partial))
        upload.refresh_from_db()
        assert (upload.status, upload.updated) == ("done", 1), list(upload.issues.values("message"))
        record.refresh_from_db()
        assert record.answers["hhmemb"] == 3 and record.answers["repairsdetail"] == before["repairsdetail"]
        assert {k: v for k, v in record.answers.items() if k != "hhmemb"} == {k: v for k, v in before.items() if k != "hhmemb"}


def test_rows_with_errors_store_nothing_until_the_person_chooses(client, council, visits_template_csv):
    content = visits_template_csv(council, rows=({}, {"visitref": "SECOND", "age1": 200}))
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        upload.refresh_from_db()
        assert (upload.status, upload.created, upload.rejected) == ("checked", 1, 1)
        assert not Record.objects.exists()
        page = client.get(f"/uploads/{upload.pk}/").content.decode()
        assert "No visits created yet" in page and "Create the 1 valid visit now" in page

        annotated = client.get(f"/uploads/{upload.pk}/annotated")
        rows = list(csv.reader(io.StringIO(b"".join(annotated.streaming_content).decode("utf-8-sig"))))
        heading = next(r for r in rows if r and r[0].lower().startswith("field number"))
        errors_at = next(i for i, h in enumerate(heading) if h.startswith("Errors: Field 13"))  # person 1's age
        assert rows[-2][errors_at] == "" and "age" in rows[-1][errors_at].lower()

        client.post(f"/uploads/{upload.pk}/create-valid/")
        upload.refresh_from_db()
        assert (upload.status, upload.created, upload.rejected) == ("done", 1, 1) and Record.objects.count() == 1

        # Correct the failing cell in the browser, then check again: the second visit is created.
        (issue,) = upload.issues.filter(severity="hard", cell__isnull=False)
        form = client.get(f"/uploads/{upload.pk}/rows/{issue.row}/").content.decode()
        assert 'value="200"' in form
        client.post(f"/uploads/{upload.pk}/rows/{issue.row}/", {f"cell_{issue.cell}": "42"})
        client.post(f"/uploads/{upload.pk}/check-again/")
        upload.refresh_from_db()
        assert (upload.status, upload.created, upload.unchanged, upload.rejected) == ("done", 1, 1, 0)
        assert Record.objects.count() == 2


def test_one_correction_fixes_every_row_with_the_same_value(client, council, visits_template_csv):
    content = visits_template_csv(council, rows=({"period": "Calendar month"},))
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        upload.refresh_from_db()
        assert upload.status == "checked" and upload.issues.filter(field="period", value="Calendar month").exists()
        page = client.get(f"/uploads/{upload.pk}/values/").content.decode()
        assert "“Calendar month” as an answer to" in page
        calendar_month_is_monthly(client, f"/uploads/{upload.pk}/values/")
        upload.refresh_from_db()
        assert (upload.status, upload.created) == ("done", 1)
        assert str(Record.objects.get().answers["period"]) == "4"
        assert SavedMapping.objects.filter(kind="value", variable="period", source="calendar month", target="4").exists()


def test_warnings_of_a_kind_are_confirmed_at_once(client, council, visits_template_csv):
    content = visits_template_csv(council, rows=({"age1": 70, "work1": 1},))
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        upload.refresh_from_db()
        warnings = set(upload.issues.filter(severity="soft").values_list("rule", flat=True))
        assert warnings == {"older_person_in_work_1"}
        record = Record.objects.get()
        assert record.status == "in_progress"  # unconfirmed warnings
        for warning in sorted(warnings):
            client.post(f"/uploads/{upload.pk}/confirm/", {"rule": warning})
        upload.refresh_from_db()
        record.refresh_from_db()
        assert set(upload.confirmed_rules) == warnings and (upload.updated, record.status) == (1, "completed")
        assert not upload.issues.filter(severity="soft").exists()
        assert client.post(f"/uploads/{upload.pk}/confirm/", {"rule": "no_such_rule"}).status_code == 404


DATE_HEADERS = ["Visit reference", "Date of visit - day DD", "Date of visit - month MM", "Date of visit - year YY"]


def test_formula_cells_are_refused_with_a_message(client, council):
    rows = [["=cmd|' /C calc'!A0", "5", "5", "2026"]]
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, csv_bytes(DATE_HEADERS, rows)))
        upload.refresh_from_db()
        assert (upload.status, upload.rejected) == ("checked", 1) and not Record.objects.exists()
        (issue,) = upload.issues.filter(rule="formula_cell")
        assert issue.cell == 0 and "run it as a formula" in issue.message


BAD_FILES = {
    "empty": (b"", "The selected file is empty"),
    "header only": (b"Visit reference,Rent\r\n", "no rows of data"),
    "renamed": (b"%PDF-1.7\n" + bytes(range(256)) * 4, "PDF"),
    "binary junk": (bytes(range(256)) * 8, "not"),
    "duplicate headers": (b"Visit reference,Rent,Visit reference\r\nA,1,B\r\n", "is in columns A and C"),
    "mixed encodings": ("Visit reference,Notes\r\nA,caf\u00e9\r\n".encode() + "B,caf\u00e9\r\n".encode("cp1252"), "encoding"),
}


@pytest.mark.parametrize("case", BAD_FILES)
def test_bad_files_are_refused_on_the_form_and_nothing_is_kept(client, council, case):
    content, message = BAD_FILES[case]
    with schema_context("visits"):
        response = post_file(client, council, content)
        assert response.status_code == 200
        page = response.content.decode()
        assert "govuk-error-summary" in page and message.lower() in page.lower(), page[:3000]
        assert not Upload.objects.exists()


def test_an_oversized_file_is_refused(client, council, settings):
    settings.CLDC_UPLOAD_MAX_BYTES = 1024 * 1024
    with schema_context("visits"):
        response = post_file(client, council, b"Visit reference\r\n" + b"A\r\n" * 600_000)
        assert "must be smaller than 1 MB" in response.content.decode() and not Upload.objects.exists()


def test_blank_lines_keep_their_row_numbers(client, council):
    rows = [["T-1001", "5", "5", "2026"], [], ["T-1003", "40", "5", "2026"]]
    with schema_context("visits"):
        SavedMapping.objects.create(organisation=council, collection="visits", record_type="visit", kind="column",
                                    source="visit reference", target="visitref")
        upload = upload_of(post_file(client, council, csv_bytes(DATE_HEADERS, rows)))
        upload.refresh_from_db()
        (issue,) = upload.issues.filter(field="visitdate", row=4)  # the 40th of May
        assert upload.total_rows == 2 and not upload.issues.filter(row=3).exists()  # row 3 is blank


def test_other_organisations_cannot_steer_an_upload(client, council, client_for, make_organisation, make_person,
                                                   visits_provider_csv):
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, visits_provider_csv()[0]))
        stranger = client_for("visits", make_person("nosy@example.com", make_organisation("Nosy Homes"),
                                                  role="data_coordinator"))
        for url in ("columns/", "values/", "rows/2/", "annotated"):
            assert stranger.get(f"/uploads/{upload.pk}/{url}").status_code == 404
        assert stranger.post(f"/uploads/{upload.pk}/create-valid/").status_code == 404



def test_the_annotated_file_corrected_in_a_spreadsheet_uploads_again(client, council, visits_template_csv,
                                                                     visits_provider_csv):
    content = visits_template_csv(council, rows=({}, {"visitref": "SECOND", "age1": 200}))
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, content))
        annotated = b"".join(client.get(f"/uploads/{upload.pk}/annotated").streaming_content).decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(annotated)))
        rows[-1] = ["42" if cell == "200" else cell for cell in rows[-1]]  # the person's correction
        out = io.StringIO()
        csv.writer(out).writerows(rows)
        again = upload_of(post_file(client, council, out.getvalue().encode(), name="visits-errors.csv"))
        again.refresh_from_db()
        assert (again.status, again.created, again.rejected) == ("done", 2, 0), list(again.issues.values("message"))

        # In a provider's own layout, the added columns are not questions to match.
        content, _ = visits_provider_csv()
        first = upload_of(post_file(client, council, content))
        accept_page(client, f"/uploads/{first.pk}/columns/")
        headers, *data = list(csv.reader(io.StringIO(content.decode())))
        out = io.StringIO()
        csv.writer(out).writerows([headers + ["Errors", "Warnings"], *[row + ["", ""] for row in data]])
        response = post_file(client, council, out.getvalue().encode())
        assert not response["Location"].endswith("/columns/")


def test_while_an_upload_is_processed_its_pages_lead_back_to_its_progress(client, council, visits_provider_csv):
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, visits_provider_csv()[0]))
        Upload.objects.filter(pk=upload.pk).update(status="processing")
        for url in ("columns/", "values/"):
            assert client.get(f"/uploads/{upload.pk}/{url}")["Location"].endswith(f"/uploads/{upload.pk}/")


def test_an_every_row_answers_error_names_its_question_in_plain_words():
    from cldc.platform import registry
    from cldc.platform.uploads.fixes import answer_field

    definition = registry.get("visits").definition("visit", 2026)
    assert answer_field(definition.questions["visitmode"]).error_messages["required"] == "Select how the visit was made"
    assert answer_field(definition.questions["period"]).error_messages["required"] == "Select the rent period"
    assert answer_field(definition.questions["visitref"]).error_messages["required"] == "Enter the visit reference"
