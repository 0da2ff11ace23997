"""Moving a visit into the next collection year in a real browser: from the visit's
page, the move page shows what needs a new answer, and one button moves it; axe on
each page. Without JavaScript, the same button works (a plain form POST).

The visits collection gets a 2027 version for these tests only (tests/records/
visits_next_year.py); its window and the visits moved into it are committed, as browser tests' data is, and
removed after each test so that other pages do not show them."""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.windows.models import CollectionWindow
from cldc.tests.conftest import _complete_visit
from cldc.tests.records.visits_next_year import open_next_year, register_next_year

MOVE = "Move this visit to the 2027 to 2028 collection year"


@pytest.fixture
def next_year(tmp_path, monkeypatch):
    register_next_year(tmp_path, monkeypatch)
    window = open_next_year()
    yield
    with schema_context("visits"):
        CollectionWindow.objects.filter(pk=window.pk).delete()
        # The visits moved into 2027, committed: the next tests' pages know no 2027.
        Record.objects.filter(collection="visits", version=2027).delete()


def a_visit(council, reference):
    """A 2026 visit paid every 4 weeks (3): a code 2027 splits into 5 and 6."""
    with schema_context("visits"):
        return submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                             managing_organisation=council),
                      {**_complete_visit(), "visitref": reference, "period": 3}, "api",
                      today=dt.date(2026, 6, 1)).record


def test_a_coordinator_sees_what_moving_does_and_moves_the_visit(page, url, axe, next_year):
    council, person = coordinator("moving@browser.example", "Browser moving council", "E06000071")
    visit = a_visit(council, "MOVE-1")
    sign_in(page, url, person)
    page.goto(url("visits", f"/logs/{visit.pk}/"))
    page.get_by_role("link", name=MOVE).click()
    page.wait_for_url(re.compile(r"/move/$"))
    assert page.get_by_role("heading", level=1).inner_text() == MOVE
    needs = page.locator("#needs-answer").inner_text()
    assert "Rent period" in needs and "choose “Every 4 weeks” (5) or “Every 28 days” (6)" in needs
    assert "What needs repairing" in page.locator("#no-longer-asked").inner_text()
    axe(page)
    page.get_by_text("Answers that stay as they are").click()  # opens the details
    assert "Person 2's age" in page.locator("#kept").inner_text()
    axe(page)

    with page.expect_navigation():
        page.get_by_role("button", name="Move this visit to 2027 to 2028").click()
    assert re.search(rf"/logs/{visit.pk}/$", page.url)
    assert "Visit moved to the 2027 to 2028 collection year." in page.locator("main").inner_text()
    axe(page)
    with schema_context("visits"):
        assert Record.objects.get(pk=visit.pk).version == 2027
    assert page.failed_requests == []


def test_without_javascript_the_button_moves_the_visit(browser, url, next_year):
    council, person = coordinator("moving-no-js@browser.example", "Browser quiet moving council", "E06000072")
    visit = a_visit(council, "MOVE-2")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, person)
        page.goto(url("visits", f"/logs/{visit.pk}/move/"))
        page.get_by_role("button", name="Move this visit to 2027 to 2028").click()
        page.wait_for_url(re.compile(rf"/logs/{visit.pk}/$"))
        assert "Visit moved to the 2027 to 2028 collection year." in page.locator("main").inner_text()
    finally:
        context.close()
    with schema_context("visits"):
        assert Record.objects.get(pk=visit.pk).version == 2027
