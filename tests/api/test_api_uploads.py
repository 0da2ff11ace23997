"""File uploads through the API, end to end: the same Upload model, Celery task and
pipeline as the web bulk upload. The task is queued by the API and run here, in this
process, as the worker would run it."""

import kombu.exceptions
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from api_helpers import problem_of
from cldc.platform.records.models import Record
from cldc.platform.uploads import tasks
from cldc.platform.uploads.models import Upload


@pytest.fixture
def queued(monkeypatch):
    """The tasks the API queues, instead of a broker: run them with run_queued()."""
    sent = []
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: sent.append(args))
    return sent


def run_queued(queued):
    for args in queued:
        tasks.process_upload(*args)  # the task itself, as a worker runs it
    queued.clear()


def post_file(api, organisation, content, name="visits.csv", **fields):
    data = {"record_type": "visit", "version": 2026, "organisation": f"ORG{organisation.pk}",
            "file": SimpleUploadedFile(name, content, content_type="text/csv"), **fields}
    return api.http.post("/api/v1/uploads/", data)


@pytest.fixture
def council(make_organisation, orgs):
    """A local authority, the parent's child (whose client may see its uploads)."""
    return make_organisation("Upload Borough Council", type="local_authority", parent=orgs["parent"])


@pytest.fixture
def officer(make_person, council):
    return make_person("officer@council.example", council, role="data_coordinator")


@pytest.fixture
def api(api_for, council, officer):
    return api_for(service="visits", organisation=council, created_by=officer)


def test_an_upload_is_queued_processed_and_reported(api, council, queued, visits_template_csv, officer):
    response = post_file(api, council, visits_template_csv(council, rows=({}, {})))
    assert response.status_code == 202, response.json()
    body = response.json()
    assert body["status"] == "received" and response["Location"] == body["url"]
    assert queued == [("visits", body["id"])]
    run_queued(queued)
    report = api.http.get(body["url"]).json()
    # One valid row, one the same visit again: checked, and nothing stored until the file is fixed.
    assert (report["status"], report["total_rows"], report["created"], report["rejected"]) == ("checked", 2, 1, 1)
    assert report["progress"] == 100
    assert [g["rule"] for g in report["issues_by_rule"] if g["severity"] == "hard"] == ["duplicate_in_file"]
    errors = api.http.get(body["errors_url"]).json()
    hard = [(e["row"], e["rule"], e["column"]) for e in errors["results"] if e["severity"] == "hard"]
    assert len(hard) == 1 and hard[0][1] == "duplicate_in_file" and hard[0][2].startswith("Field ")
    with schema_context("visits"):
        assert not Record.objects.exists()  # a file with errors stores nothing unless asked

    fixed = post_file(api, council, visits_template_csv(council))
    run_queued(queued)
    report = api.http.get(fixed.json()["url"]).json()
    assert (report["status"], report["created"], report["rejected"]) == ("done", 1, 0)
    with schema_context("visits"):
        record = Record.objects.get()
        assert record.status == "completed" and record.owning_organisation == council
        assert record.source == "upload" and record.assigned_to == officer  # on behalf of the key's maker


def test_a_dry_run_stores_nothing(api, council, queued, visits_template_csv):
    response = post_file(api, council, visits_template_csv(council), dry_run="true")
    run_queued(queued)
    report = api.http.get(response.json()["url"]).json()
    assert report["dry_run"] is True and report["created"] == 1 and report["status"] == "done"
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_file_naming_an_organisation_the_client_does_not_act_for_is_refused(api, council, orgs, queued,
                                                                              visits_template_csv):
    problem = problem_of(post_file(api, council, visits_template_csv(orgs["other"])), 422)
    # The rule, as for a file uploaded in the web service (cldc.platform.records.references)
    assert {e["rule"] for e in problem["errors"]} == {"owning_organisation_permitted"}
    assert problem["errors"][0]["message"].startswith("Row ")
    problem = problem_of(post_file(api, orgs["other"], visits_template_csv(council)), 422)
    assert problem["errors"][0]["field"] == "organisation"
    assert queued == []
    with schema_context("visits"):
        assert not Upload.objects.exists()


def test_files_the_api_cannot_take(api, council, queued, settings, visits_template_csv):
    problem = problem_of(post_file(api, council, b"%PDF-1.4 not a spreadsheet"), 422)
    assert problem["errors"][0]["rule"] == "file_unreadable"
    problem = problem_of(post_file(api, council, b""), 400)
    assert problem["errors"][0]["field"] == "file"
    settings.CLDC_UPLOAD_MAX_BYTES = 100
    problem = problem_of(post_file(api, council, visits_template_csv(council)), 413)
    assert problem["errors"][0]["rule"] == "file_size"
    json_body = api.post("uploads/", {"record_type": "visit"})
    assert problem_of(json_body, 415)["type"] == "urn:cldc:problem:unsupported-media-type"
    assert queued == []


def test_another_organisations_upload_is_404(api_for, api, council, orgs, queued, visits_template_csv):
    response = post_file(api, council, visits_template_csv(council))
    upload = response.json()
    stranger = api_for(service="visits", organisation=orgs["other"])
    problem_of(stranger.http.get(upload["url"]), 404)
    problem_of(stranger.http.get(upload["errors_url"]), 404)
    parents = api_for(service="visits", organisation=orgs["parent"])
    assert parents.http.get(upload["url"]).status_code == 200  # its parent's client


def test_an_upload_needs_the_keys_maker_to_be_active(api, council, officer, queued, visits_template_csv):
    officer.is_active = False
    officer.save()
    problem = problem_of(post_file(api, council, visits_template_csv(council)), 403)
    assert "person who made this API key" in problem["detail"] and queued == []


def test_with_the_queue_down_an_upload_is_kept_and_said_to_be_waiting_then_sent_when_polled(
        api, council, visits_template_csv, monkeypatch):
    def queue_down(*args, **kwargs):  # what Celery raises when it cannot reach the broker (Redis)
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:1. Connection refused.")

    with monkeypatch.context() as patched:
        patched.setattr(tasks.process_upload, "delay", queue_down)
        response = post_file(api, council, visits_template_csv(council))
        assert response.status_code == 202, response.json()
        body = response.json()
        assert (body["status"], body["message"]) == ("received", tasks.WAITING_FOR_QUEUE)
        assert api.http.get(body["url"]).json()["message"] == tasks.WAITING_FOR_QUEUE  # still down

    sent = []
    monkeypatch.setattr(tasks.process_upload, "delay", lambda *args: sent.append(args))  # the queue is back
    assert api.http.get(body["url"]).json()["message"] == ""
    assert sent == [("visits", body["id"])]
