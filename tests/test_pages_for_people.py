"""What every page does for the people who use it, whatever page it is: personal data
is never kept by a browser or proxy, and an unknown address inside a service is the
service's own 404 page, never Django's debug page with the URL map."""

from datetime import date, timedelta

import pytest
from django.test import override_settings


@pytest.fixture
def person(make_organisation, make_person):
    return make_person("officer@example.com", make_organisation("Riverside Homes"))


@pytest.mark.parametrize("path", ["/", "/logs/", "/uploads/", "/account/", "/organisations/"])
def test_pages_for_a_signed_in_person_are_not_stored(client_for, person, path):
    response = client_for("core", person).get(path, follow=True)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"].split(", ")


def test_api_answers_are_not_stored(client_for, db):
    response = client_for("core").get("/api/v1/records/")
    assert response.status_code == 401 and "no-store" in response["Cache-Control"].split(", ")


def test_an_unknown_address_in_a_service_is_its_own_404_page(client_for, person):
    """With debug off (as `make run` now serves the demo), never the URL map."""
    with override_settings(DEBUG=False):
        response = client_for("core", person).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "Page not found" in page and "Test service core" in page
    assert "URLconf" not in page and "sign-in/two-factor/" not in page


def test_the_uploads_page_offers_uploading_only_to_those_who_may(client_for, person, make_person):
    analyst = make_person("analyst@example.com", staff_role="analyst")
    assert "Upload logs" in client_for("core", person).get("/uploads/").content.decode()
    assert "Upload logs" not in client_for("core", analyst).get("/uploads/").content.decode()


def test_the_home_page_offers_what_a_person_came_to_do_and_the_deadlines(client_for, person, make_person, core_service):
    from django_tenants.utils import schema_context

    from cldc.platform.windows.models import CollectionWindow

    with schema_context("core"):
        window = CollectionWindow.objects.filter(collection="core", record_type="lettings").order_by("-version").first()
        window.opens_on, window.submission_deadline = date.today() - timedelta(days=30), date(2099, 6, 7)
        window.new_logs_end = window.editing_end = date(2099, 12, 31)
        window.save()
    page = client_for("core", person).get("/").content.decode()
    for offer in ("Create a new log", "Upload logs from a file", "Your logs", "Bulk uploads"):
        assert offer in page
    assert '<a href="/uploads/new/" role="button"' in page  # the upload form itself, not the list of uploads
    deadline = f"Lettings, {window.version} to {window.version + 1}: submit by 7 June 2099"
    assert deadline in page
    assert deadline in client_for("core").get("/").content.decode()  # anyone may know the deadline
    assert deadline in client_for("core", person).get("/logs/").content.decode()
    with schema_context("core"):  # once the deadline has passed, what is still possible
        window.submission_deadline, window.editing_end = date.today() - timedelta(days=1), date(2099, 12, 31)
        window.save()
    assert (f"Lettings, {window.version} to {window.version + 1}: the deadline was "
            f"{window.submission_deadline:%-d %B %Y}; you can change logs until 31 December 2099") in (
        client_for("core", person).get("/").content.decode())
    analyst_page = client_for("core", make_person("analyst@example.com", staff_role="analyst")).get("/").content.decode()
    assert "Create a new log" not in analyst_page and "Logs" in analyst_page


def test_the_set_up_page_and_the_search_use_each_service_s_own_words(client_for, make_organisation, make_person):
    """H-CLIC's pages once said CORE's "Which organisation owns this property?" and
    "tenant code, property reference or postcode"."""
    council = make_organisation("Hilltop Council", type="local_authority")
    officer = make_person("officer@hilltop.example", council)
    hclic_set_up = client_for("hclic", officer).get("/logs/new/").content.decode()
    hclic_logs = client_for("hclic", officer).get("/logs/").content.decode()
    assert "property" not in hclic_set_up and "Which organisation owns this case?" in hclic_set_up
    assert "Search by case ID or case reference" in hclic_logs and "tenant code" not in hclic_logs
    core_logs = client_for("core", officer).get("/logs/").content.decode()
    assert "Search by log ID, tenant code, property reference, postcode or purchaser code" in core_logs
    # A record type's set-up page asks in its definition's words.
    core_set_up = client_for("core", officer).get("/logs/new/?record_type=core:lettings").content.decode()
    assert "Which user are you creating this log for?" in core_set_up
