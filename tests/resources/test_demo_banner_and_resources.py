"""The demo has a banner, shown before sign-in, and the years up to the one open today (else the
latest) released."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.cli.demo import banner_and_resources
from cldc.platform.notices.models import Banner
from cldc.platform.resources.models import Release


def test_the_demo_adds_a_banner_and_releases_the_year_open_today(visits_service, client_for):
    lines = banner_and_resources(visits_service, today=dt.date.today())
    assert len(lines) == 2
    with schema_context("visits"):
        assert list(Release.objects.values_list("collection", "version")) == [("visits", 2026)]
        assert Banner.objects.get().before_sign_in
    assert banner_and_resources(visits_service, today=dt.date.today()) == []  # again: nothing more
    assert "demo service" in client_for("visits").get("/resources/").content.decode()
    assert "2026 to 2027" in client_for("visits").get("/resources/").content.decode()
