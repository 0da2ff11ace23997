"""The web pages where coordinators manage their organisation's API keys and the
suppliers they authorise, and support manages all of them. Other organisations'
keys are 404; a new key is shown once."""

import re
from datetime import timedelta

import pytest
from django_tenants.utils import schema_context

from api_helpers import Api
from cldc.api.models import ApiClient, Supplier, SupplierAuthorisation

KEY = re.compile(r"cldc_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}")


@pytest.fixture
def web(client_for, coordinator):
    return client_for("visits", coordinator)


def test_a_coordinator_creates_a_key_and_sees_it_once(web, orgs):
    page = web.get("/api-clients/new/")
    assert page.status_code == 200 and "Parent Homes" in page.content.decode() and "Other Housing" not in page.content.decode()
    response = web.post("/api-clients/new/", {"name": "Housing system (live)", "organisation": orgs["parent"].pk,
                                              "lifetime": "30"})
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    (key,) = set(KEY.findall(response.content.decode()))
    assert Api(key, "visits").get("records/").status_code == 200
    listing = web.get("/api-clients/").content.decode()
    assert "Housing system (live)" in listing and key not in listing and key.split("_")[1] in listing
    with schema_context("visits"):
        client = ApiClient.objects.get()
        assert client.organisation == orgs["parent"]
        assert abs(client.expires_at - client.created_at - timedelta(days=30)) < timedelta(minutes=1)


def test_a_coordinator_cannot_make_keys_for_other_organisations(web, orgs):
    response = web.post("/api-clients/new/", {"name": "Sneaky", "organisation": orgs["other"].pk, "lifetime": "365"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    with schema_context("visits"):
        assert not ApiClient.objects.exists()


def test_a_coordinator_revokes_a_key_and_it_stops_working(web, api_for, orgs):
    api = api_for(organisation=orgs["parent"])
    assert web.get(f"/api-clients/{api.client.pk}/revoke/").status_code == 200
    assert web.post(f"/api-clients/{api.client.pk}/revoke/").status_code == 302
    assert api.get("records/").json()["detail"] == "This API key has been revoked"
    assert web.get(f"/api-clients/{api.client.pk}/revoke/").status_code == 404  # once only


def test_other_organisations_keys_are_404(web, api_for, orgs, visits_supplier):
    others = api_for(organisation=orgs["other"])
    childs = api_for(organisation=orgs["child"])  # a parent's coordinator manages its own organisation only
    suppliers = api_for(supplier=visits_supplier)
    for api in (others, childs, suppliers):
        assert web.get(f"/api-clients/{api.client.pk}/revoke/").status_code == 404
        assert web.post(f"/api-clients/{api.client.pk}/revoke/").status_code == 404
    assert "Other Housing" not in web.get("/api-clients/").content.decode()
    with schema_context("visits"):
        assert not ApiClient.objects.filter(revoked_at__isnull=False).exists()


def test_people_who_coordinate_nothing_have_no_keys_page(client_for, make_person, orgs):
    provider = client_for("visits", make_person("provider@parent.example", orgs["parent"]))
    assert provider.get("/api-clients/").status_code == 404
    assert provider.get("/api-clients/new/").status_code == 404
    assert "API keys" not in provider.get("/logs/").content.decode()


def test_the_navigation_offers_the_page_to_coordinators(web):
    assert 'href="/api-clients/"' in web.get("/logs/").content.decode()


def test_a_coordinator_authorises_a_supplier_and_withdraws_it(web, api_for, orgs, visits_supplier):
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record

    with schema_context("visits"):
        record = submit(Record(collection="visits", record_type="visit", version=2026,
                               owning_organisation=orgs["child"], managing_organisation=orgs["child"]),
                        {"visitref": "S1"}, source="form").record
    vendor = api_for(supplier=visits_supplier)
    assert vendor.get(f"records/{record.pk}/").status_code == 404
    response = web.post("/api-clients/suppliers/authorise/", {"organisation": orgs["parent"].pk,
                                                              "supplier": visits_supplier.pk})
    assert response.status_code == 302
    assert vendor.get(f"records/{record.pk}/").status_code == 200  # the parent's child too
    again = web.post("/api-clients/suppliers/authorise/", {"organisation": orgs["parent"].pk,
                                                           "supplier": visits_supplier.pk})
    assert "already authorises" in again.content.decode()
    with schema_context("visits"):
        authorisation = SupplierAuthorisation.objects.get()
    assert "Homes Software Ltd" in web.get("/api-clients/").content.decode()
    assert web.post(f"/api-clients/suppliers/authorisations/{authorisation.pk}/withdraw/").status_code == 302
    assert vendor.get(f"records/{record.pk}/").status_code == 404
    other = web.post("/api-clients/suppliers/authorise/", {"organisation": orgs["other"].pk,
                                                           "supplier": visits_supplier.pk})
    assert "Select a valid choice" in other.content.decode()


def test_support_manages_every_key_and_adds_suppliers(client_for, make_person, api_for, orgs):
    support = client_for("visits", make_person("support@example.com", staff_role="support"))
    assert support.post("/api-clients/suppliers/new/", {"name": "Acme Housing Systems", "contact": "dev@acme.example"}
                        ).status_code == 302
    with schema_context("visits"):
        acme = Supplier.objects.get(name="Acme Housing Systems")
    response = support.post("/api-clients/new/", {"name": "Acme live", "supplier": acme.pk, "lifetime": "365"})
    assert KEY.search(response.content.decode())
    both = support.post("/api-clients/new/", {"name": "Both", "supplier": acme.pk, "organisation": orgs["other"].pk,
                                              "lifetime": "365"})
    assert "not both" in both.content.decode()
    others = api_for(organisation=orgs["other"])
    assert support.post(f"/api-clients/{others.client.pk}/revoke/").status_code == 302
    listing = support.get("/api-clients/").content.decode()
    assert "Acme live" in listing and "Other Housing" in listing
