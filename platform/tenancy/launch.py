"""Launching a service: one call creates the tenant and its schema, migrates it,
and seeds its Wagtail site, guidance and staff permissions from the collection
packages it enables."""

import re
from dataclasses import dataclass

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.html import escape
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.content.models import GuidancePage, ServiceBranding, ServiceHomePage, Theme
from cldc.platform.people.roles import CONTENT_ROLES, configure_staff_groups, group_for
from cldc.platform.tenancy.models import Domain, Service
from cldc.platform.windows.seed import seed_windows


class LaunchError(Exception):
    pass


@dataclass
class SeedPage:
    title: str
    slug: str
    body_html: str


def read_seed_page(path):
    """A seed guidance file: the title on line 1, `slug: ...` on line 2, then
    paragraphs separated by blank lines. Plain text a content designer can read."""
    lines = path.read_text(encoding="utf-8").strip().splitlines()
    title, slug_line, body = lines[0].strip(), lines[1].strip(), "\n".join(lines[2:])
    match = re.fullmatch(r"slug:\s*([a-z0-9-]+)", slug_line)
    if not match:
        raise LaunchError(f"{path}: line 2 must be 'slug: some-slug'")
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", body) if p.strip()]
    return SeedPage(title, match.group(1), "".join(f"<p>{escape(p)}</p>" for p in paragraphs))


def launch_service(name, domain, title, collections=(), theme=Theme.GOVUK):
    """Create and seed a service. Raises LaunchError with a message for people."""
    if Service.objects.filter(schema_name=name).exists():
        raise LaunchError(f"A service called {name!r} already exists")
    if Domain.objects.filter(domain=domain).exists():
        raise LaunchError(f"The domain {domain!r} already serves another service")
    unknown = set(collections) - set(registry.collection_names())
    if unknown:
        raise LaunchError(f"Unknown collection {', '.join(sorted(unknown))}; found: {', '.join(registry.collection_names())}")
    service = Service(schema_name=name, name=name, title=title, collections=list(collections))
    service.full_clean(exclude=["schema_name"])
    service.save()  # creates and migrates the schema
    Domain.objects.create(domain=domain, tenant=service, is_primary=True)
    configure_staff_groups()  # the new schema's migrations created Wagtail's permissions
    with schema_context(service.schema_name):
        seed_site(service, domain, theme)
    return service


@transaction.atomic
def seed_site(service, domain, theme):
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page, Site

    root = Page.get_first_root_node()
    for page in root.get_children():  # Wagtail's "Welcome" placeholder
        page.delete()
    Site.objects.all().delete()
    home = root.add_child(
        instance=ServiceHomePage(
            title=service.title,
            slug="home",
            intro=" ".join(registry.get(name).summary for name in service.collections),
        )
    )
    for name in service.collections:
        for path in registry.get(name).files("guidance"):
            seed = read_seed_page(path)
            home.add_child(instance=GuidancePage(title=seed.title, slug=seed.slug, body=seed.body_html))
    seed_windows(service)  # the collection windows each package declares
    site = Site.objects.create(hostname=domain, port=80, root_page=home, is_default_site=True, site_name=service.title)
    ServiceBranding.objects.create(site=site, service_name=service.title, theme=theme)

    # Content roles edit pages, images and documents in this service.
    collection = Collection.get_first_root_node()
    for role in CONTENT_ROLES:
        group = group_for(role)
        for codename in ("add_page", "change_page", "publish_page", "lock_page", "unlock_page"):
            GroupPagePermission.objects.get_or_create(
                group=group, page=home, permission=Permission.objects.get(codename=codename, content_type__app_label="wagtailcore")
            )
        for app_label, model in (("wagtailimages", "image"), ("wagtaildocs", "document")):
            for action in ("add", "change", "choose"):
                GroupCollectionPermission.objects.get_or_create(
                    group=group,
                    collection=collection,
                    permission=Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}"),
                )
    settings_perm = Permission.objects.get(content_type__app_label="content", codename="change_servicebranding")
    for role in CONTENT_ROLES:
        group_for(role).permissions.add(settings_perm)



def ensure_platform_service(domains=("localhost", "127.0.0.1")):
    """The public schema's own entry: it serves the list of services on `localhost`."""
    platform, _ = Service.objects.get_or_create(
        schema_name="public", defaults={"name": "platform", "title": "Case-level data collection"}
    )
    for domain in domains:
        Domain.objects.get_or_create(domain=domain, defaults={"tenant": platform, "is_primary": domain == domains[0]})
    return platform
