"""The bulk-upload pages: upload a file, see its progress and every error in one
place; other organisations' uploads are 404. Processing runs eagerly here (a real
worker round trip is tested in tests/test_celery.py)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record


pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process


@pytest.fixture
def council(make_organisation):
    return make_organisation("Upload Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("uploader@example.com", council, role="data_coordinator")


def post_file(client, organisation, content, name="visits.csv", dry_run=False, on_errors="wait"):
    data = {"record_type": "visits:visit", "year": "2026", "organisation": organisation.pk,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
            "on_errors": "check_only" if dry_run else on_errors}
    return client.post("/uploads/new/", data)


def test_upload_a_file_and_see_the_result(client_for, visits_service, council, officer, visits_template_csv):
    client = client_for("visits", officer)
    assert 'enctype="multipart/form-data"' in client.get("/uploads/new/").content.decode()
    # What needs repairing, though no repairs were reported: told, not stored (no error).
    response = post_file(client, council, visits_template_csv(council, rows=[{"repairs": 2}]))
    assert response.status_code == 302
    pk = int(re.search(r"/uploads/(\d+)/", response.url).group(1))
    page = client.get(response.url).content.decode()
    assert '<dd class="govuk-summary-list__value" id="count-created">1</dd>' in page
    assert "govuk-notification-banner--success" in page and "1 visit created, 0 updated." in page
    assert "Every error, by row" in page and "Not stored: you answered" in page and ">Error<" not in page
    assert client.get(f"/uploads/{pk}/status.json").json() == {"status": "done", "processed": 1, "total": 1, "progress": 100}
    with schema_context("visits"):
        assert Record.objects.get().status == "completed"
    assert "visits.csv" in client.get("/uploads/").content.decode()


def test_errors_are_grouped_by_rule_and_listed_by_row(client_for, visits_service, council, officer, visits_template_csv):
    client = client_for("visits", officer)
    # A second visit (its own reference) whose age is not a number.
    content = visits_template_csv(council, rows=[{}, {"age1": "two hundred", "visitref": "ANOTHER-1"}])
    response = post_file(client, council, content)
    page = client.get(response.url).content.decode()
    assert '<dd class="govuk-summary-list__value" id="count-rejected">1</dd>' in page
    assert '<dd class="govuk-summary-list__value" id="count-created">1</dd>' in page  # the valid row is imported
    assert "Errors and warnings by rule and column" in page and "must be a number" in page
    assert "Every error, by row" in page


def test_other_organisations_uploads_are_404(client_for, make_person, make_organisation, visits_service, council, officer,
                                            visits_template_csv):
    response = post_file(client_for("visits", officer), council, visits_template_csv(council), dry_run=True)
    pk = int(re.search(r"/uploads/(\d+)/", response.url).group(1))
    stranger = client_for("visits", make_person("stranger@example.com", make_organisation("Stranger Homes")))
    assert stranger.get(f"/uploads/{pk}/").status_code == 404
    assert stranger.get(f"/uploads/{pk}/status.json").status_code == 404
    with schema_context("visits"):
        assert not Record.objects.exists()  # the check-only upload stored nothing


def test_progress_starts_from_nothing_even_with_a_count_left_in_the_cache(client_for, visits_service, council, officer,
                                                                         monkeypatch):
    from django.core.cache import cache

    from cldc.platform.uploads import tasks, views
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.progress import progress_key

    queued = []
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: queued.append(args))  # not run: still queued
    with schema_context("visits"):
        upload = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=council,
                                       user=officer, filename="old.csv", path="", status="done", processed_rows=7)
        cache.set(progress_key(upload), 30)  # left by an earlier database with the same ids
        views.start(upload, "visits")
        status = client_for("visits", officer).get(f"/uploads/{upload.pk}/status.json").json()
        assert (status["status"], status["processed"], queued) == ("received", 0, [("visits", upload.pk)])


def test_corrections_are_re_uploaded_after_new_logs_close_while_editing_is_open(client_for, visits_service, council,
                                                                                  officer, visits_template_csv):
    from datetime import date, timedelta

    from django.utils.html import escape

    from cldc.platform.windows.models import CollectionWindow, long_date

    client = client_for("visits", officer)
    post_file(client, council, visits_template_csv(council))
    with schema_context("visits"):  # new records closed yesterday, for every record type
        CollectionWindow.objects.filter(version=2026).update(submission_deadline=date.today() - timedelta(days=1),
                                                             new_logs_end=date.today() - timedelta(days=1))
        window = CollectionWindow.objects.get(collection="visits", record_type="visit", version=2026)
    assert 'value="2026"' in client.get("/uploads/new/").content.decode()  # still open for changes
    corrected = post_file(client, council, visits_template_csv(council, rows=[{"age1": "41"}]))
    assert corrected.status_code == 302, corrected.content.decode()
    assert '<dd class="govuk-summary-list__value" id="count-updated">1</dd>' in client.get(corrected.url).content.decode()
    with schema_context("visits"):
        assert Record.objects.get().answers["age1"] == 41
    # A new row in that year: the gateway's one message, on the row.
    new = post_file(client, council, visits_template_csv(council, rows=[{"visitref": "NEW-1"}]))
    page = client.get(new.url).content.decode()
    assert '<dd class="govuk-summary-list__value" id="count-rejected">1</dd>' in page
    assert escape(f"You can no longer create visits for the 2026 to 2027 collection year. The deadline was "
                  f"{long_date(window.submission_deadline)}.") in page
    with schema_context("visits"):
        assert Record.objects.count() == 1


def test_a_service_with_one_type_of_record_does_not_ask_it(client_for, visits_service, council, officer):
    """Home visits are one type: the form said "Select the type of ..." to a person who had no choice."""
    client = client_for("visits", officer)
    form = client.get("/uploads/new/").content.decode()
    assert 'type="hidden" name="record_type" value="visits:visit"' in form and 'type="radio" name="record_type"' not in form
    response = client.post("/uploads/new/", {"record_type": "visits:visit", "year": "2026", "organisation": council.pk,
                                             "file": SimpleUploadedFile("visits.csv", b"Visit reference\r\nV-1\r\n"),
                                             "on_errors": "check_only"})
    assert response.status_code == 302, response.content.decode()[:2000]
