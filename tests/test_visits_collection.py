"""The platform's test collection (tests/packages/visits/) is what the platform's
channel tests stand on, so it is checked first: it lints clean, its rule cases pass,
and its complete visit is complete and stored alike through the API and bulk upload."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.rules.cases import failure, load_cases
from cldc.tests.api.api_helpers import Api

pytestmark = pytest.mark.usefixtures("eager_celery")
DERIVED = {"adults": 1, "weekly_rent": 120}


@pytest.fixture
def council(make_organisation):
    return make_organisation("Visiting Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("visitor@council.example", council, role="data_coordinator")


def stored(service):
    with schema_context(service.schema_name):
        return [(r.answers, r.derived, r.status) for r in Record.objects.order_by("pk")]


def uploaded(client, organisation, content):
    """The upload a file posted on the upload form made (processed: tasks run eagerly)."""
    from cldc.platform.uploads.models import Upload

    response = client.post("/uploads/new/", {
        "record_type": "visits:visit", "year": "2026", "organisation": organisation.pk, "on_errors": "wait",
        "file": SimpleUploadedFile("visits.csv", content, content_type="text/csv")})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Upload.objects.get(pk=int(re.search(r"/uploads/(\d+)/", response.url).group(1)))


def test_it_lints_clean_and_every_rule_case_passes(capsys):
    call_command("cldc", "lint", "--collection", "visits")
    call_command("cldc", "cases", "--collection", "visits")
    assert capsys.readouterr().out.splitlines() == [
        "1 definitions checked, 0 problems",
        "20 cases, 0 failed; coverage: every running rule has a firing case and a near miss"]
    assert all(failure(registry.get("visits"), case) is None for case in load_cases(registry.get("visits")))


def test_the_complete_visit_is_complete_through_the_api(visits_service, council, officer, complete_visit):
    with schema_context(visits_service.schema_name):
        api = Api(create_client(name="Visits system", created_by=officer, organisation=council).key, service="visits")
    created = api.post("records/", {"record_type": "visit", "version": 2026, "organisation": f"ORG{council.pk}",
                                    "answers": complete_visit()})
    assert created.status_code == 201, created.json()
    (answers, derived, status), = stored(visits_service)
    assert (status, derived) == ("completed", DERIVED)
    assert answers["age2"] == 12 and answers["needs_mental"] == 0  # a box left unticked beside a ticked one


@pytest.mark.parametrize("layout", ["headings", "template"])
def test_the_complete_visit_uploads_as_complete(visits_service, client_for, council, officer, visits_csv,
                                                visits_template_csv, layout):
    rows = ({}, {"visitref": "V-2"})
    content = visits_csv(rows=rows) if layout == "headings" else visits_template_csv(council, rows=rows)
    with schema_context(visits_service.schema_name):
        upload = uploaded(client_for("visits", officer), council, content)
        assert (upload.layout, [i.message for i in upload.issues.all()], upload.created) == (
            {"headings": "headers", "template": "template"}[layout], [], 2)
    assert [(status, derived) for _, derived, status in stored(visits_service)] == [("completed", DERIVED)] * 2


def test_a_housing_systems_own_layout_is_matched_and_stored_as_the_complete_visit(
        visits_service, client_for, council, officer, visits_provider_csv, complete_visit):
    content, targets = visits_provider_csv(["OWN-1"])
    client = client_for("visits", officer)
    with schema_context(visits_service.schema_name):
        upload = uploaded(client, council, content)
        page = client.get(f"/uploads/{upload.pk}/columns/").content.decode()
        proposed = dict(re.findall(r'<select name="column_(\d+)".*?(?:<option value="([^"]*)"[^>]*selected|</select>)',
                                   page, re.S))
        assert [proposed.get(str(i)) or "" for i in range(len(targets))] == list(targets.values())
        client.post(f"/uploads/{upload.pk}/columns/", {f"column_{i}": t for i, t in enumerate(targets.values())})
        upload.refresh_from_db()
        assert (upload.status, upload.unmatched) == ("values", {"11": {"calendar month": ["Calendar month", 1]}})  # column L, one row
        client.post(f"/uploads/{upload.pk}/values/", {"value_0": "4"})
        upload.refresh_from_db()
        assert (upload.status, upload.created) == ("done", 1), list(upload.issues.values("message"))
    (answers, derived, status), = stored(visits_service)
    expected = {k: v for k, v in complete_visit().items() if k not in ("needs_mobility",)}
    assert {k: answers.get(k) for k in expected} == {**expected, "visitref": "OWN-1", "rent": 520}
    assert (status, derived) == ("completed", DERIVED)
