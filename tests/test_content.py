"""Content designers edit each service's pages and branding in its own Wagtail admin."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform.content.models import ServiceHomePage


@pytest.mark.parametrize("role", ["content_designer", "collection_admin"])
def test_content_roles_edit_pages_and_branding(client_for, make_person, core_service, role):
    client = client_for("core", make_person(f"{role}@example.com", staff_role=role))
    with schema_context("core"):
        home = ServiceHomePage.objects.get()
    assert client.get(f"/admin/pages/{home.pk}/edit/").status_code == 200
    assert client.get(f"/admin/pages/add/content/guidancepage/{home.pk}/").status_code == 200
    response = client.get("/admin/settings/content/servicebranding/", follow=True)
    assert response.status_code == 200 and "White label" in response.content.decode()


def test_support_and_analysts_do_not_edit_pages(client_for, make_person, core_service):
    with schema_context("core"):
        home = ServiceHomePage.objects.get()
    support = client_for("core", make_person("support@example.com", staff_role="support"))
    assert support.get(f"/admin/pages/{home.pk}/edit/").status_code in (302, 403)
    analyst = client_for("core", make_person("analyst@example.com", staff_role="analyst"))
    assert analyst.get("/admin/").status_code in (302, 403)


def test_a_published_change_shows_without_a_deploy(client_for, core_service):
    with schema_context("core"):
        home = ServiceHomePage.objects.get()
        home.intro = "Updated by a content designer"
        home.save_revision().publish()
    assert "Updated by a content designer" in client_for("core").get("/").content.decode()
    assert "Updated by a content designer" not in client_for("hclic").get("/").content.decode()
