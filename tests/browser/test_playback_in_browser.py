"""An organisation's figures in a real browser with JavaScript off: a coordinator finds
them from the service's home page, picks one of their organisations, and sees each
chart drawn (bars as long as their numbers say) with its table. axe needs JavaScript:
it checks the same pages in a browser with it on."""

import datetime as dt
import re

from django_tenants.utils import schema_context
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.organisations.models import Organisation, OrganisationRelationship
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit


def visits(organisation, *days, rent=100):
    with schema_context("visits"):
        for number, day in enumerate(days):
            submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                          managing_organisation=organisation),
                   {**_complete_visit(), "visitref": f"PLAY-{organisation.pk}-{number}", "visitdate": day,
                    "owning_organisation_id": organisation.pk, "rent": rent, "period": 1},
                   "api", today=dt.date(2026, 12, 1))


def test_a_coordinator_sees_their_figures_drawn_and_in_tables_without_javascript(browser, page, url, axe):
    council, person = coordinator("playback@browser.example", "Browser playback council", "E06000089")
    council.region = "south_east"
    council.save()
    agency, _ = Organisation.objects.get_or_create(name="Browser playback agency",
                                                   defaults={"type": "prp", "regulator_number": "LH9701"})
    OrganisationRelationship.objects.get_or_create(parent=council, child=agency, kind="supporting")
    visits(council, "2026-04-10", "2026-05-02", "2026-05-20", "2026-05-28", rent=150)
    for number in range(5):  # similar councils: enough to compare with
        peer, _ = Organisation.objects.get_or_create(
            name=f"Browser playback peer {number}",
            defaults={"type": "local_authority", "ons_code": f"E0798{number:04d}", "region": "south_east"})
        visits(peer, "2026-06-01", rent=100 + 10 * number)

    context = browser.new_context(java_script_enabled=False)
    quiet = context.new_page()
    try:
        sign_in(quiet, url, person)
        quiet.goto(url("visits", "/"))
        quiet.get_by_role("link", name="Your organisation's figures").click()
        assert quiet.locator("#organisations").inner_text().split("\n") == [agency.name, council.name]
        quiet.get_by_role("link", name=council.name).click()
        quiet.wait_for_url(re.compile(rf"/figures/{council.pk}/$"))
        assert quiet.locator("h1").inner_text() == f"Figures for {council.name}"
        assert "4 of 4 visits completed (100%)" in quiet.locator("#completion-summary").inner_text()

        charts = quiet.locator(".cldc-bar-chart")
        tables = quiet.locator("table.govuk-table")
        assert charts.count() == tables.count() == 5
        captions = [tables.nth(i).locator("caption").inner_text() for i in range(5)]
        assert captions == ["Visits by status", "Visits by month of date of visit", "Visits by how the visit was made",
                            "Visits by repairs reported", "Average weekly rent"]
        by_month = charts.nth(1)
        assert by_month.is_visible()
        april, may = (by_month.locator(".cldc-bar-chart__bar").nth(i).bounding_box()["width"] for i in (0, 1))
        assert april > 0 and abs(may / april - 3) < 0.05  # one visit in April, three in May: drawn to scale
        rows = tables.nth(1).locator("tbody tr")
        assert [rows.nth(i).inner_text().split("\t") for i in (0, 1)] == [["April 2026", "1"], ["May 2026", "3"]]
        comparison = tables.nth(4).locator("tbody").inner_text()
        assert "Your organisation\t150.00" in comparison and "Median of 5 similar organisations\t120.00" in comparison
        assert quiet.locator("body.js-enabled").count() == 0  # the page's own script did not run
    finally:
        context.close()

    sign_in(page, url, person)
    page.goto(url("visits", "/figures/"))
    axe(page)
    page.goto(url("visits", f"/figures/{council.pk}/"))
    axe(page)
    assert page.failed_requests == []
