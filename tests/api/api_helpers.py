"""Helpers for the API tests: a JSON client for a service's API, and a check of the
one error shape."""

import json

from django.test import Client

from cldc.tests.conftest import SERVICES


class Api:
    """A test client for one service's API, with a key (or none)."""

    def __init__(self, key=None, service="visits", client=None):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {key}"} if key else {}
        self.http = Client(HTTP_HOST=SERVICES[service], **headers)
        self.key, self.client = key, client

    def get(self, path, **kwargs):
        return self.http.get(f"/api/v1/{path}", **kwargs)

    def post(self, path, body, **kwargs):
        return self.http.post(f"/api/v1/{path}", json.dumps(body), content_type="application/json", **kwargs)

    def patch(self, path, body, **kwargs):
        return self.http.patch(f"/api/v1/{path}", json.dumps(body), content_type="application/json", **kwargs)

    def delete(self, path, **kwargs):
        return self.http.delete(f"/api/v1/{path}", **kwargs)


def problem_of(response, status):
    """The problem detail of a response, after checking its status and content type."""
    assert response.status_code == status, (response.status_code, response.content[:2000])
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert set(body) == {"type", "title", "status", "detail", "instance", "errors"}
    assert body["status"] == status and body["type"].startswith("urn:cldc:problem:")
    return body
