"""What every page does for the people who use it, whatever page it is: personal data
is never kept by a browser or proxy, and an unknown address inside a service is the
service's own 404 page, never Django's debug page with the URL map."""

import pytest
from django.test import override_settings


@pytest.fixture
def person(make_organisation, make_person):
    return make_person("officer@example.com", make_organisation("Riverside Homes"))


@pytest.mark.parametrize("path", ["/", "/logs/", "/uploads/", "/account/", "/organisations/"])
def test_pages_for_a_signed_in_person_are_not_stored(client_for, person, path):
    response = client_for("core", person).get(path, follow=True)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"


def test_api_answers_are_not_stored(client_for, db):
    response = client_for("core").get("/api/v1/records/")
    assert response.status_code == 401 and response["Cache-Control"] == "no-store"


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
