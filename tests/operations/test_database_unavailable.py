"""The database unreachable (PostgreSQL restarting, failed over): every request gets the
service's "unavailable" page with 503 and Retry-After, an API client a 503 problem
detail, never the 500 page or a traceback (cldc.platform.operations.unavailable)."""

import psycopg
import pytest
from django.db import connection
from django.test import Client


@pytest.fixture
def database_fails(monkeypatch):
    """Every new cursor fails as psycopg does when the server has gone; Django wraps the
    error on its way out, as it does in production."""

    def failing(name=None):
        raise psycopg.OperationalError("connection to server at 127.0.0.1 failed: Connection refused")

    with monkeypatch.context() as patched:  # undone before the test database is rolled back
        patched.setattr(connection, "create_cursor", failing)
        yield


def test_a_page_is_503_with_the_unavailable_page_when_the_database_cannot_be_reached(visits_service, database_fails):
    response = Client(HTTP_HOST="visits.localhost", raise_request_exception=False).get("/sign-in/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    page = response.content.decode()
    assert "<h1 class=\"govuk-heading-l\">Sorry, the service is unavailable</h1>" in page
    assert "Traceback" not in page and "Connection refused" not in page


def test_the_api_answers_a_503_problem_when_the_database_cannot_be_reached(visits_service, database_fails):
    response = Client(HTTP_HOST="visits.localhost", raise_request_exception=False).get(
        "/api/v1/records/", HTTP_AUTHORIZATION="Bearer cldc_0a1b2c3d4e5f_key")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "urn:cldc:problem:unavailable" and response["Retry-After"] == "30"


def test_any_other_database_error_is_still_the_500_page(visits_service, monkeypatch):
    def failing(name=None):
        raise psycopg.ProgrammingError("relation does not exist")  # a bug, not an outage

    with monkeypatch.context() as patched:
        patched.setattr(connection, "create_cursor", failing)
        response = Client(HTTP_HOST="visits.localhost", raise_request_exception=False).get("/sign-in/")
    assert response.status_code == 500
    assert "Sorry, there is a problem with the service" in response.content.decode()


def test_an_api_view_losing_the_database_is_left_to_the_503_handler():
    from django.db import OperationalError
    from django.test import RequestFactory

    from cldc.api.middleware import ApiMiddleware

    request = RequestFactory().get("/api/v1/records/")
    # None: not the API's 500 problem; Django's handler500 answers (above).
    assert ApiMiddleware(lambda request: None).process_exception(request, OperationalError("gone")) is None
