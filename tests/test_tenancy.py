"""Services as tenants: each has its own schema, Wagtail site and pages, and
nothing of one is visible from another."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tenants.utils import schema_context

import cldc
from cldc.platform.content.models import GuidancePage, ServiceBranding, ServiceHomePage


def test_each_service_has_its_own_name_and_home_page(client_for):
    core = client_for("core").get("/")
    hclic = client_for("hclic").get("/")
    assert core.status_code == hclic.status_code == 200
    assert "Test service core" in core.content.decode()
    assert "Test service hclic" in hclic.content.decode()
    assert "Test service hclic" not in core.content.decode()


def test_each_service_has_its_own_wagtail_site_and_guidance(core_service, hclic_service):
    from wagtail.models import Site

    for service, guidance in ((core_service, "what-to-submit"), (hclic_service, "quarterly-returns")):
        with schema_context(service.schema_name):
            site = Site.objects.get()
            assert site.hostname == service.get_primary_domain().domain
            assert isinstance(site.root_page.specific, ServiceHomePage)
            assert GuidancePage.objects.filter(slug=guidance).exists()
            assert ServiceBranding.for_site(site).service_name == service.title


def test_pages_of_one_service_are_invisible_from_another(core_service, client_for):
    with schema_context("core"):
        home = ServiceHomePage.objects.get()
        home.add_child(instance=GuidancePage(title="Only in CORE", slug="only-in-core", body="<p>CORE only</p>"))
    assert client_for("core").get("/only-in-core/").status_code == 200
    response = client_for("hclic").get("/only-in-core/")
    assert response.status_code == 404
    with schema_context("hclic"):
        assert not GuidancePage.objects.filter(slug="only-in-core").exists()


def test_object_permissions_of_one_service_are_invisible_from_another(make_person):
    """guardian is per tenant: object ids repeat across schemas, so a shared
    guardian would leak a grant on object 3 in one service to object 3 in another."""
    from guardian.shortcuts import assign_perm, get_perms

    from guardian.models import UserObjectPermission
    from wagtail.models import Page

    person = make_person("collaborator@example.com")
    with schema_context("core"):
        core_page = Page.objects.get(slug="what-to-submit")
        assign_perm("wagtailcore.change_page", person, core_page)
        assert "change_page" in get_perms(person, core_page)
    with schema_context("hclic"):
        same_id = Page.objects.get(pk=core_page.pk)  # the hclic page with the same id
        assert "change_page" not in get_perms(person, same_id)
        assert not UserObjectPermission.objects.filter(user=person).exists()


def test_cache_keys_are_tenant_aware(db):
    with schema_context("core"):
        cache.set("site-root-paths", "core value", 30)
    with schema_context("hclic"):
        assert cache.get("site-root-paths") is None
        cache.set("site-root-paths", "hclic value", 30)
    with schema_context("core"):
        assert cache.get("site-root-paths") == "core value"
        cache.delete("site-root-paths")
    with schema_context("hclic"):
        cache.delete("site-root-paths")


def test_unknown_host_gets_a_404_page(db, client):
    response = client.get("/", HTTP_HOST="nothing-here.localhost")
    assert response.status_code == 404
    assert "There is no service at this address" in response.content.decode()


def test_the_platform_lists_its_services(db, client):
    response = client.get("/", HTTP_HOST="localhost")
    assert response.status_code == 200
    assert "Test service core" in response.content.decode()
    assert "Test service hclic" in response.content.decode()


def test_unknown_page_in_a_service_gets_a_themed_404(client_for):
    response = client_for("core").get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Test service core" in response.content.decode()


def test_launch_refuses_duplicates_and_unknown_collections(db):
    with pytest.raises(CommandError, match="already exists"):
        call_command("cldc", "launch", "core", "--domain", "other.localhost", "--title", "Again")
    with pytest.raises(CommandError, match="already serves"):
        call_command("cldc", "launch", "newone", "--domain", "core.localhost", "--title", "Clash")
    with pytest.raises(CommandError, match="Unknown collection"):
        call_command("cldc", "launch", "newtwo", "--domain", "x.localhost", "--title", "X", "--collection", "nope")


def test_launch_creates_and_seeds_a_service_in_one_command(db):
    """The real command line, in its own process: a schema migration cannot run
    inside the test's transaction, and the launch commits, so this test sees it."""
    from django.test import Client

    from cldc.platform.tenancy.models import Service

    manage = Path(cldc.__file__).resolve().parent / "manage.py"
    result = subprocess.run(
        [sys.executable, str(manage), "cldc", "launch", "pilot", "--domain", "pilot.localhost",
         "--title", "Pilot collection", "--collection", "core"],
        env={**os.environ, "CLDC_DB_NAME": connection.settings_dict["NAME"]},
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "Launched 'Pilot collection' at http://pilot.localhost/" in result.stdout

    service = Service.objects.get(schema_name="pilot")
    assert service.collections == ["core"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM information_schema.schemata WHERE schema_name = 'pilot'")
        assert cursor.fetchone()
    response = Client(HTTP_HOST="pilot.localhost").get("/")
    assert response.status_code == 200 and "Pilot collection" in response.content.decode()
    assert Client(HTTP_HOST="pilot.localhost").get("/what-to-submit/").status_code == 200
