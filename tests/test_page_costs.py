"""What a page costs (issue 17): the log list and a form page ask the person's
organisations once a request (policy.remember_for_request), and the service and its
branding once a while (tenancy.middleware, themes.context_processors), so their queries
are pinned; none of these outlives what it may: a person removed from an organisation
loses its logs on their next page, a saved branding shows on the next page, and a host
name removed from a service stops serving it at once."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.content.models import ServiceBranding
from cldc.platform.organisations.models import Membership
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.tenancy.models import Domain

# After the first page has filled the caches: two schema switches, the session, the
# person, the organisations they act for (2) and certify (1), the logs shared with them
# (2), the list's organisations, count and page (3), the navigation (role, returns,
# membership, API keys, Wagtail's permissions: 6), the banners, the window. About ten
# more before (bench/README.md): each part of the page asked the organisations again
# (2 or 3 queries each time), and the service (1) and its branding (2) were read every time.
LOG_LIST_QUERIES = 20
# The same first and last parts, with the log, its check and its question guidance.
FORM_PAGE_QUERIES = 20


@pytest.fixture
def log(orgs, coordinator, visits_service):
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=orgs["parent"],
                        managing_organisation=orgs["parent"])
        submit(record, {"visitdate": "2026-05-04"}, "form", coordinator, today=dt.date(2026, 6, 1))
    return record


def test_the_log_list_makes_no_more_queries_than_pinned(client_for, coordinator, log, django_assert_max_num_queries):
    client = client_for("visits", coordinator)
    assert client.get("/logs/").status_code == 200  # the session and the service's caches, once
    with django_assert_max_num_queries(LOG_LIST_QUERIES):
        assert client.get("/logs/").status_code == 200


def test_a_form_page_makes_no_more_queries_than_pinned(client_for, coordinator, log, django_assert_max_num_queries):
    client = client_for("visits", coordinator)
    assert client.get(f"/logs/{log.pk}/page/visit/").status_code == 200
    with django_assert_max_num_queries(FORM_PAGE_QUERIES):
        assert client.get(f"/logs/{log.pk}/page/visit/").status_code == 200


def test_a_person_removed_from_their_organisation_loses_its_logs_on_their_next_page(client_for, coordinator, log,
                                                                                    orgs):
    client = client_for("visits", coordinator)
    assert client.get(f"/logs/{log.pk}/page/visit/").status_code == 200
    Membership.objects.get(user=coordinator, organisation=orgs["parent"]).end()
    assert client.get(f"/logs/{log.pk}/page/visit/").status_code == 404


def test_a_saved_branding_shows_on_the_next_page(client_for, coordinator, log):
    client = client_for("visits", coordinator)
    assert "Renamed visits service" not in client.get("/logs/").content.decode()
    with schema_context("visits"):
        branding = ServiceBranding.objects.get()
        branding.service_name = "Renamed visits service"
        branding.save()
    assert "Renamed visits service" in client.get("/logs/").content.decode()


def test_a_host_name_removed_from_a_service_stops_serving_it_at_once(client_for, coordinator, log):
    client = client_for("visits", coordinator)
    assert client.get("/logs/").status_code == 200
    Domain.objects.filter(domain="visits.localhost").delete()
    response = client.get("/logs/")
    assert response.status_code == 404 and "There is no service at this address" in response.content.decode()
