"""Fixtures for the API tests: organisations (a parent, its child, an unrelated one),
API clients of each kind with their keys, and a JSON client for a service's API."""

import pytest
from django.core.cache import cache
from django_tenants.utils import schema_context

from api_helpers import Api
from cldc.api.keys import create_client
from cldc.api.models import Supplier, SupplierAuthorisation


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counts live in Redis (the test run's own database), not in the
    rolled-back transaction: start each test with none."""
    cache.clear()
    yield


@pytest.fixture
def api_for(db, coordinator):
    """api_for(organisation=... | supplier=..., service="visits", created_by=person): a
    new client of that service (the test collection's unless said), made by the parent's
    coordinator unless said, and an Api that calls with its key."""

    def make(service="visits", created_by=None, **fields):
        with schema_context(service):
            new = create_client(name="Test system", created_by=created_by or coordinator, **fields)
        return Api(new.key, service, new.client)

    return make


@pytest.fixture
def visits_supplier(visits_service):
    with schema_context("visits"):
        return Supplier.objects.create(name="Homes Software Ltd", contact="api@homes-software.example")


@pytest.fixture
def authorise(coordinator):
    """authorise(organisation, supplier, service="visits"): the organisation lets the
    supplier (of that service) act for it."""

    def grant(organisation, supplier, service="visits"):
        with schema_context(service):
            return SupplierAuthorisation.objects.create(organisation=organisation, supplier=supplier,
                                                        granted_by=coordinator)

    return grant
