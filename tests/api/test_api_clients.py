"""API clients and their keys: stored hashed and shown once, refused precisely when
expired, revoked, unknown or from another service; rate-limited with a clear 429;
every call recorded."""

import hashlib
from datetime import timedelta

import pytest

from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.api.keys import client_for_key
from cldc.api.models import ApiCall, ApiClient

from api_helpers import Api, problem_of


def test_a_key_is_stored_only_as_its_prefix_and_digest(api_for, orgs):
    api = api_for(organisation=orgs["parent"])
    scheme, prefix, secret = api.key.split("_", 2)
    assert scheme == "cldc" and len(secret) >= 40
    with schema_context("visits"):
        client = ApiClient.objects.get(pk=api.client.pk)
        stored = [str(getattr(client, f.attname)) for f in ApiClient._meta.concrete_fields]
        assert client.prefix == prefix and client.key_hash == hashlib.sha256(api.key.encode()).hexdigest()
        assert not any(secret in value for value in stored)
        assert client_for_key(api.key) == client
        assert client_for_key(api.key[:-1] + ("A" if api.key[-1] != "A" else "B")) is None  # one character off
        assert client.expires_at - timezone.now() > timedelta(days=364)  # a year by default


def test_the_api_answers_with_a_key_and_refuses_without_one(api_for, orgs):
    assert api_for(organisation=orgs["parent"]).get("records/").status_code == 200
    missing = problem_of(Api(service="visits").get("records/"), 401)
    assert missing["type"] == "urn:cldc:problem:not-authenticated" and "Bearer" in missing["detail"]
    unknown = problem_of(Api("cldc_0123456789ab_notakey", "visits").get("records/"), 401)
    assert unknown["type"] == "urn:cldc:problem:invalid-key"
    wrong_scheme = Api(service="visits")
    wrong_scheme.http.defaults["HTTP_AUTHORIZATION"] = "Token abc"
    assert problem_of(wrong_scheme.get("records/"), 401)["type"] == "urn:cldc:problem:invalid-key"
    assert Api(service="visits").get("records/")["WWW-Authenticate"] == 'Bearer realm="api"'


def test_an_expired_or_revoked_key_gets_a_401_that_says_so(api_for, orgs):
    expired = api_for(organisation=orgs["parent"])
    revoked = api_for(organisation=orgs["parent"])
    with schema_context("visits"):
        ApiClient.objects.filter(pk=expired.client.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        ApiClient.objects.filter(pk=revoked.client.pk).update(revoked_at=timezone.now())
    problem = problem_of(expired.get("records/"), 401)
    assert (problem["type"], problem["detail"]) == ("urn:cldc:problem:key-expired", "This API key has expired")
    problem = problem_of(revoked.get("records/"), 401)
    assert (problem["type"], problem["detail"]) == ("urn:cldc:problem:key-revoked", "This API key has been revoked")


def test_a_key_works_only_on_the_service_it_was_made_for(api_for, orgs, hclic_service):
    visits_key = api_for(organisation=orgs["parent"]).key
    problem = problem_of(Api(visits_key, service="hclic").get("records/"), 401)
    assert problem["type"] == "urn:cldc:problem:invalid-key"
    assert api_for(service="hclic", organisation=orgs["parent"]).get("records/").status_code == 200


@pytest.mark.parametrize("query", ["key={key}", "page=1&api_key={key}", "token=Bearer%20{key}"])
def test_a_key_sent_in_a_url_is_revoked_and_refused(api_for, orgs, query):
    api = api_for(organisation=orgs["parent"])
    anonymous = Api(service="visits")
    problem = problem_of(anonymous.get("records/?" + query.format(key=api.key)), 401)
    assert problem["type"] == "urn:cldc:problem:key-in-url" and "revoked" in problem["detail"]
    with schema_context("visits"):
        api.client.refresh_from_db()
        assert api.client.is_revoked
    assert problem_of(api.get("records/"), 401)["type"] == "urn:cldc:problem:key-revoked"
    # A key this service does not know gets the same answer: the URL tells nothing.
    unknown = problem_of(anonymous.get("records/?key=cldc_0123456789ab_not-a-real-secret"), 401)
    assert unknown == {**problem, "instance": unknown["instance"]}


def test_a_client_over_its_rate_limit_gets_a_429_with_retry_after(api_for, orgs, settings):
    settings.CLDC_API_RATE_LIMIT = "3/minute"
    busy, other = api_for(organisation=orgs["parent"]), api_for(organisation=orgs["parent"])
    assert [busy.get("records/").status_code for _ in range(3)] == [200, 200, 200]
    response = busy.get("records/")
    problem = problem_of(response, 429)
    assert problem["type"] == "urn:cldc:problem:rate-limited" and "Try again in" in problem["detail"]
    assert 1 <= int(response["Retry-After"]) <= 60
    assert other.get("records/").status_code == 200  # the limit is per client


def test_every_call_is_recorded_with_its_client_organisation_and_result(api_for, orgs):
    api = api_for(organisation=orgs["parent"])
    created = api.post("records/", {"record_type": "visit", "version": 2026, "organisation": f"ORG{orgs['parent'].pk}",
                                    "answers": {"visitref": "VISIT-1"}})
    assert created.status_code == 201
    api.get("records/999999999/")
    with schema_context("visits"):
        ApiClient.objects.filter(pk=api.client.pk).update(revoked_at=timezone.now())
    api.get("records/")
    Api(service="visits").get("records/")  # no key: nobody to name
    with schema_context("visits"):
        calls = list(ApiCall.objects.order_by("at").values_list("client", "organisation", "method", "endpoint", "status_code"))
        assert calls == [
            (api.client.pk, orgs["parent"].pk, "POST", "/api/v1/records/", 201),
            (api.client.pk, None, "GET", "/api/v1/records/999999999/", 404),
            (api.client.pk, None, "GET", "/api/v1/records/", 401),
        ]
        assert all(call.duration_ms >= 0 for call in ApiCall.objects.all())
        assert ApiClient.objects.get(pk=api.client.pk).last_used_at is not None
