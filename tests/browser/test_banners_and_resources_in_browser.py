"""Banners and collection resources in a real browser: support write a banner through
check your answers (a mistake first, then a change from the check page), a data
coordinator sees it on the service's pages and dismisses it for good; support release a
year's resources and someone not signed in finds the paper form. axe on every page."""

import datetime as dt
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context
from test_queries_in_browser import PASSWORD, own_page
from test_queries_in_browser import sign_in as staff_sign_in
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.notices.models import Banner
from cldc.platform.people.models import User
from cldc.platform.resources.models import Release

TITLE = "Submit your visits by **30 June**"


def fill_date(page, legend, day):
    group = page.get_by_role("group", name=legend)
    group.get_by_label("Day").fill(str(day.day))
    group.get_by_label("Month").fill(str(day.month))
    group.get_by_label("Year").fill(str(day.year))


def test_support_add_a_banner_that_a_coordinator_sees_and_dismisses(browser, url, axe):
    today = dt.date.today()
    support = User.objects.create_user("support@banners.browser.example", PASSWORD, name="Sam Support",
                                       staff_role="support")
    device = TOTPDevice.objects.create(user=support, name="Authenticator app", confirmed=True)
    council, person = coordinator("banners@browser.example", "Browser banners council", "E06000951")
    page = own_page(browser)
    try:
        staff_sign_in(page, url, support, device)
        page.get_by_role("link", name="Notification banners").click()
        page.wait_for_url(re.compile(r"/banners/$"))
        axe(page)
        page.get_by_role("button", name="Add a banner").click()
        page.get_by_label("What should the banner say?").fill(TITLE + " <script>alert('x')</script>")
        page.get_by_label("Link to a page (optional)").fill("What is changing")
        page.get_by_label("What should the page say? (optional)").fill("## The deadline\n\nIt is **30 June**.")
        fill_date(page, "When should the banner start showing?", today)
        fill_date(page, "When should it stop showing?", today - dt.timedelta(days=1))
        page.get_by_label("No").check()
        page.get_by_role("button", name="Continue").click()
        summary = page.locator(".govuk-error-summary").inner_text()
        assert "The end date must be the same as or after the start date" in summary
        assert "The banner text must not contain HTML" in summary
        assert page.get_by_label("Link to a page (optional)").input_value() == "What is changing"  # nothing lost
        axe(page)
        page.get_by_label("What should the banner say?").fill(TITLE)
        fill_date(page, "When should it stop showing?", today + dt.timedelta(days=10))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/banners/check/$"))
        assert page.locator(".govuk-notification-banner__heading").last.inner_html().count("<strong>30 June</strong>") == 1
        axe(page)
        page.get_by_role("link", name="Change the end date").click()  # change an answer from the check page
        assert page.get_by_label("What should the banner say?").input_value() == TITLE
        fill_date(page, "When should it stop showing?", today + dt.timedelta(days=20))
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(r"/banners/check/$"))
        assert (today + dt.timedelta(days=20)).strftime("%B") in page.locator(".govuk-summary-list").inner_text()
        page.get_by_role("button", name="Save banner").click()
        page.wait_for_url(re.compile(r"/banners/$"))
        assert "The banner is added" in page.locator(".govuk-notification-banner--success").inner_text()
        axe(page)
        assert page.failed_requests == []
    finally:
        page.context.close()

    page = own_page(browser)
    try:
        sign_in(page, url, person)
        page.goto(url("visits", "/uploads/"))
        banner = page.get_by_role("region", name="Important").filter(has_text="Submit your visits by")
        assert banner.locator("strong").inner_text() == "30 June"
        axe(page)
        banner.get_by_role("link", name="What is changing").click()
        assert page.get_by_role("heading", name="The deadline").is_visible()
        axe(page)
        page.go_back()
        banner.get_by_role("button", name="Dismiss this banner").click()
        page.wait_for_url(url("visits", "/uploads/"))
        assert page.get_by_text("Submit your visits by").count() == 0
        page.goto(url("visits", "/"))
        assert page.get_by_text("Submit your visits by").count() == 0  # dismissed once, for good
        axe(page)
        assert page.failed_requests == []
    finally:
        page.context.close()
        with schema_context("visits"):
            # Every page of the service would show it to the browser tests after this one.
            Banner.objects.filter(title=TITLE).delete()  # its dismissals with it


def test_support_release_a_years_resources_that_everyone_finds(browser, url, axe):
    support = User.objects.create_user("support@resources.browser.example", PASSWORD, name="Sam Support",
                                       staff_role="support")
    device = TOTPDevice.objects.create(user=support, name="Authenticator app", confirmed=True)
    with schema_context("visits"):
        Release.objects.filter(collection="visits").delete()
    page = own_page(browser)
    try:
        staff_sign_in(page, url, support, device)
        page.get_by_role("link", name="Collection resources").click()
        page.wait_for_url(re.compile(r"/resources/$"))
        assert "Not released" in page.get_by_role("heading", name=re.compile("2026 to 2027")).inner_text()
        axe(page)
        page.get_by_role("button", name="Release the 2026 to 2027 resources").click()
        axe(page)
        page.get_by_role("button", name="Release them").click()
        page.wait_for_url(re.compile(r"/resources/$"))
        axe(page)
        page.context.close()

        page = own_page(browser)
        page.goto(url("visits", "/"))
        page.get_by_role("link", name="Collection resources").click()
        assert page.get_by_role("heading", name="2026 to 2027").is_visible()
        axe(page)
        paper_form = page.get_by_role("link", name="Visit paper form, 2026 to 2027 (PDF)")
        fetched = page.evaluate("""async (href) => {
            const response = await fetch(href);
            return [response.status, response.headers.get("content-type"), (await response.text()).slice(0, 4)];
        }""", paper_form.get_attribute("href"))  # the browser's own request: *.localhost resolves only there
        assert fetched == [200, "application/pdf", "%PDF"]
        assert page.failed_requests == []
    finally:
        page.context.close()
        with schema_context("visits"):
            Release.objects.filter(collection="visits").delete()
