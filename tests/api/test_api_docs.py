"""The readable API reference at /api/v1/docs/ and its worked example. The example is
the collection package's (here the test collection's, tests/packages/visits/examples/),
sent here exactly as the page shows it, and it creates a completed visit. (CORE's own
example: tests/core/test_core_api_reference.py.)"""

import json

import pytest
import yaml
from django.test import Client
from django.utils.html import escape
from django_tenants.utils import schema_context

from api_helpers import SERVICES, Api, problem_of
from cldc.api.examples import examples
from cldc.platform import registry

EXAMPLE = registry.get("visits").file("example", record_type="visit", version=2026)
CHANGE = registry.get("visits").file("example_change", record_type="visit", version=2026)


def page(service="visits", **extra):
    response = Client(HTTP_HOST=SERVICES[service]).get("/api/v1/docs/", **extra)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    return response


@pytest.fixture
def example_owner(make_organisation, make_person):
    """The council the example names (by ONS code), and its coordinator."""
    owner = make_organisation("Example Borough Council", type="local_authority",
                              ons_code=json.loads(EXAMPLE.read_text())["organisation"])
    return owner, make_person("council@example.com", owner, role="data_coordinator")


def test_the_worked_example_creates_a_completed_log_then_changes_it_safely(api_for, example_owner):
    owner, coordinator = example_owner
    api = api_for(organisation=owner, created_by=coordinator)

    created = api.http.post("/api/v1/records/", EXAMPLE.read_bytes(), content_type="application/json")
    assert created.status_code == 201, created.json()
    record = created.json()
    assert (record["status"], record["errors"], record["warnings"], record["missing"]) == ("completed", [], [], [])
    assert created["ETag"] == '"1"' and created["Location"] == record["url"]  # as the page says

    read = api.http.get(created["Location"])
    assert read.status_code == 200 and read["ETag"] == '"1"'
    sent = json.loads(EXAMPLE.read_text())["answers"]
    assert {name: read.json()["answers"].get(name) for name in sent} == sent

    changed = api.http.patch(created["Location"], CHANGE.read_bytes(), content_type="application/json",
                             HTTP_IF_MATCH='"1"')
    assert changed.status_code == 200, changed.json()
    assert changed["ETag"] == '"2"' and changed.json()["status"] == "completed"
    assert changed.json()["answers"] | json.loads(CHANGE.read_text())["answers"] == changed.json()["answers"]

    stale = api.http.patch(created["Location"], CHANGE.read_bytes(), content_type="application/json",
                           HTTP_IF_MATCH='"1"')
    assert problem_of(stale, 412)["type"] == "urn:cldc:problem:stale-record"


def test_the_reference_lists_every_operation_of_the_openapi_document(visits_service):
    html = page().content.decode()
    document = yaml.safe_load(Api(service="visits").get("schema/").content)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert f'id="{operation["operationId"]}"' in html, operation["operationId"]
            assert f"<code>{path}</code>" in html
    for slug in ("invalid-request", "validation-failed", "stale-record", "rate-limited", "key-expired"):
        assert f"<code>{slug}</code>" in html


def test_the_reference_shows_the_example_exactly_and_links_what_it_names(visits_service):
    html = page().content.decode()
    assert f'<code>{escape(EXAMPLE.read_text(encoding="utf-8"))}</code>' in html
    assert f'<code>{escape(CHANGE.read_text(encoding="utf-8"))}</code>' in html
    assert 'href="/api-clients/"' in html and 'href="/api/v1/schema/"' in html
    assert "curl -i -X POST http://visits.localhost/api/v1/records/" in html
    for found in Api(service="visits").get("definitions/").json():
        for url in (found["rules_url"], found["schema_url"]):
            assert f'href="{url.removeprefix("http://visits.localhost")}"' in html
    assert "600 calls a minute" in html and "up to 1,000 records" in html
    assert "Keys expire after 30 days, 6 months or 1 year" in html


def test_the_example_files_download_byte_for_byte(visits_service):
    for path, url in ((EXAMPLE, "/api/v1/docs/examples/visits/visit/2026.json"),
                      (CHANGE, "/api/v1/docs/examples/visits/visit/2026-change.json")):
        response = Client(HTTP_HOST=SERVICES["visits"]).get(url)
        assert response.status_code == 200 and response["Content-Type"] == "application/json"
        assert b"".join(response.streaming_content) == path.read_bytes()
    problem_of(Client(HTTP_HOST=SERVICES["visits"]).get("/api/v1/docs/examples/visits/visit/1999.json"), 404)


def test_the_reference_follows_the_settings(visits_service, settings):
    settings.CLDC_API_RATE_LIMIT = "50/hour"
    assert "50 calls an hour" in page().content.decode()


def test_the_reference_takes_the_services_theme(visits_service):
    from cldc.platform.content.models import ServiceBranding

    assert "govuk/base.html" in {t.name for t in page().templates}
    with schema_context("visits"):
        branding = ServiceBranding.objects.get()
        branding.theme, branding.service_name = "whitelabel", "Partner data returns"
        branding.save()
    response = page()
    assert "whitelabel/base.html" in {t.name for t in response.templates}
    assert "govuk-header__logotype" not in response.content.decode()
    assert "Partner data returns" in response.content.decode()


def test_a_service_without_an_example_has_its_reference_all_the_same(hclic_service):
    with schema_context("hclic"):
        assert examples(hclic_service) == []
    html = page("hclic").content.decode()
    assert 'id="example"' not in html and 'href="/api/v1/definitions/hclic/' in html
    assert 'href="/api/v1/definitions/visits/' not in html and 'href="/api/v1/definitions/core/' not in html


def test_the_api_keys_pages_link_to_the_reference(client_for, example_owner):
    _, coordinator = example_owner
    assert 'href="/api/v1/docs/"' in client_for("visits", coordinator).get("/api-clients/").content.decode()
