"""Downloads in a real browser: a data coordinator finds Downloads on the service's home
page, picks a file, waits on its progress page and downloads it; axe on each page.
Without JavaScript, the progress page's refresh link shows the file once it is made.
The live server is in this process, so the task runs inline (eager_celery) or, to
watch the page before the file is made, when the test says."""

import csv
import datetime as dt
import re

from django_tenants.utils import schema_context
from playwright.sync_api import expect
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.exports import views
from cldc.platform.exports.tasks import make_download
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit


def a_visit(council, reference):
    with schema_context("visits"):
        submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                      managing_organisation=council),
               {**_complete_visit(), "visitref": reference, "owning_organisation_id": council.pk}, "api",
               today=dt.date(2026, 6, 1))


def ask_for_a_file(page, url, file_format):
    page.goto(url("visits", "/"))
    page.get_by_role("link", name="Downloads", exact=True).click()
    page.wait_for_url(re.compile(r"/downloads/$"))
    page.get_by_role("button", name="Download visits").click()
    page.wait_for_url(re.compile(r"/downloads/new/$"))
    page.get_by_label("2026 to 2027").check()
    page.get_by_label("Home visits").check()
    page.get_by_label(file_format).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Make the file").click()


def test_a_coordinator_picks_waits_for_and_downloads_their_visits(page, url, axe, settings, tmp_path, eager_celery):
    settings.MEDIA_ROOT = tmp_path
    council, person = coordinator("downloads@browser.example", "Browser downloads council", "E06000095")
    a_visit(council, "DOWN-1")
    sign_in(page, url, person)
    page.goto(url("visits", "/downloads/"))
    axe(page)
    page.goto(url("visits", "/downloads/new/"))
    axe(page)
    with page.expect_navigation():
        page.get_by_role("button", name="Make the file").click()  # nothing chosen: told what to choose
    assert "Select the collection year" in page.locator(".govuk-error-summary").inner_text()
    axe(page)

    ask_for_a_file(page, url, "CSV")
    assert re.search(r"/downloads/\d+/$", page.url) and page.locator("#record-count").inner_text() == "1 visit"
    axe(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the file").click()
    assert download.value.suggested_filename == "visits-visit-2026-visits.csv"
    with open(download.value.path(), newline="", encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert [(row["organisation"], row["work1"]) for row in rows] == [(council.name, "In work")]

    page.get_by_role("link", name="Back to your downloads").click()
    assert "Ready" in page.locator("table").inner_text()
    axe(page)
    assert page.failed_requests == []


def test_without_javascript_the_refresh_link_shows_the_file_once_it_is_made(browser, url, settings, tmp_path,
                                                                             eager_celery, monkeypatch):
    settings.MEDIA_ROOT = tmp_path
    council, person = coordinator("downloads-no-js@browser.example", "Browser quiet downloads council", "E06000096")
    a_visit(council, "QUIET-DOWN-1")
    queued = []
    monkeypatch.setattr(views.make_download, "delay", lambda *args: queued.append(args))  # the worker is busy
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, person)
        ask_for_a_file(page, url, "Excel (XLSX)")
        assert "We are making your file" in page.locator("main").inner_text() and len(queued) == 1
        page.get_by_role("link", name="Refresh this page").click()
        assert "We are making your file" in page.locator("main").inner_text()  # still queued
        make_download(*queued[0])  # the worker gets to it
        page.get_by_role("link", name="Refresh this page").click()
        assert page.locator("#record-count").inner_text() == "1 visit"
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the file").click()
        assert download.value.suggested_filename == "visits-visit-2026-visits.xlsx"
    finally:
        context.close()


def test_with_javascript_the_progress_bar_follows_the_worker_and_the_page_shows_the_file(page, url, axe, settings,
                                                                                         tmp_path, eager_celery,
                                                                                         monkeypatch):
    from cldc.platform.exports.models import Download

    settings.MEDIA_ROOT = tmp_path
    council, person = coordinator("downloads-js@browser.example", "Browser watched downloads council", "E06000081")
    a_visit(council, "WATCHED-1")
    a_visit(council, "WATCHED-2")
    queued = []
    monkeypatch.setattr(views.make_download, "delay", lambda *args: queued.append(args))  # the worker is busy
    sign_in(page, url, person)
    ask_for_a_file(page, url, "CSV")
    assert page.locator("#progress-text").inner_text() == "0 of …"
    axe(page)

    with schema_context("visits"):
        Download.objects.get(pk=queued[0][1]).set_progress(1, 2)  # as the worker does, part of the way
    # A locator, not wait_for_function: that evaluates a string, which the pages' CSP refuses.
    expect(page.locator("#progress-text")).to_have_text("1 of 2")
    assert page.locator("#progress-bar").get_attribute("value") is not None
    assert page.evaluate("document.getElementById('progress-bar').value") == 50

    make_download(*queued[0])  # the worker finishes: the page reloads itself
    page.wait_for_selector("#record-count")
    assert page.locator("#record-count").inner_text() == "2 visits"
    assert page.failed_requests == []


def test_support_sets_a_nightly_export(browser, url, axe):
    from django_otp.plugins.otp_totp.models import TOTPDevice
    from test_queries_in_browser import PASSWORD, own_page
    from test_queries_in_browser import sign_in as staff_sign_in

    from cldc.platform.people.models import User

    support = User.objects.create_user("support@schedule.browser.example", PASSWORD, name="Sam Support",
                                       staff_role="support")
    device = TOTPDevice.objects.create(user=support, name="Authenticator app", confirmed=True)
    page = own_page(browser)
    try:
        staff_sign_in(page, url, support, device)
        page.goto(url("visits", "/downloads/"))
        page.get_by_role("link", name="Nightly exports").click()
        axe(page)
        page.get_by_role("button", name="Add a nightly export").click()
        page.get_by_label("Home visits").check()
        page.get_by_label("CSV").check()
        page.get_by_label("At what time?").fill("1.30")
        page.get_by_label("Yes, every day").check()
        page.get_by_role("button", name="Save").click()
        assert "Enter the time as hours and minutes" in page.locator(".govuk-error-summary").inner_text()
        axe(page)
        page.get_by_label("At what time?").fill("01:30")
        page.get_by_role("button", name="Save").click()
        page.wait_for_url(re.compile(r"/downloads/schedule/$"))
        assert "01:30" in page.locator("table").first.inner_text()
        axe(page)
        assert page.failed_requests == []
    finally:
        page.context.close()
