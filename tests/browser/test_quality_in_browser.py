"""Data quality in a real browser: a data coordinator finds Data quality on the home page,
sorts by a figure and follows a figure to the visits behind it; axe on each page, the
error state included. Without JavaScript, sorting and drill-down are plain links."""

import datetime as dt
import re

from django_tenants.utils import schema_context
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit


def visits(council, references, **kwargs):
    with schema_context("visits"):
        for reference in references:
            submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                          managing_organisation=council),
                   {**_complete_visit(), "visitref": reference, "owning_organisation_id": council.pk,
                    "visitmode": 2, **kwargs}, "api", today=dt.date(2026, 6, 1))


def test_a_coordinator_sorts_the_figures_and_follows_one_to_its_visits(page, url, axe):
    council, person = coordinator("quality@browser.example", "Browser quality council", "E06000097")
    visits(council, ["QUAL-1", "QUAL-2"])
    visits(council, ["QUAL-3"], rent=None)  # in progress
    sign_in(page, url, person)
    page.goto(url("visits", "/"))
    page.get_by_role("link", name="Data quality", exact=True).click()
    page.wait_for_url(re.compile(r"/quality/$"))
    axe(page)
    page.get_by_role("link", name="In progress", exact=True).click()
    page.wait_for_url(re.compile(r"sort=in_progress&order=desc"))
    assert page.locator("#figures th[aria-sort=descending]").inner_text() == "In progress"
    row = page.locator("#figures tbody tr", has_text="Browser quality council")
    assert [" ".join(cell.split()) for cell in row.locator("td").all_inner_texts()][:3] == [
        "3 started, Browser quality council", "2 completed, Browser quality council",
        "1 in progress, Browser quality council"]
    axe(page)
    row.get_by_role("link", name="2 completed, Browser quality council").click()
    page.wait_for_url(re.compile(r"/quality/records/"))
    assert page.locator("#record-count").inner_text() == "2 visits"
    axe(page)
    page.get_by_role("link", name="Back to data quality").click()
    page.goto(url("visits", "/quality/?record_type=visits:visit&year=1999"))
    assert "Select the collection year" in page.locator(".govuk-error-summary").inner_text()
    axe(page)
    assert page.failed_requests == []


def test_without_javascript_sorting_and_drill_down_are_links(browser, url):
    council, person = coordinator("quality-no-js@browser.example", "Browser quiet quality council", "E06000098")
    visits(council, ["QUIET-QUAL-1"])
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, url, person)
    page.goto(url("visits", "/quality/"))
    page.get_by_role("link", name="Completed", exact=True).click()
    assert "sort=completed" in page.url
    page.locator("#figures tbody tr", has_text="Browser quiet quality council").get_by_role(
        "link", name="1 started, Browser quiet quality council").click()
    assert page.locator("#record-count").inner_text() == "1 visit"
    context.close()
