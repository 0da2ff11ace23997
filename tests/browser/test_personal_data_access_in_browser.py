"""Access to personal data in a real browser: a coordinator reads a visit's answers, and
support find the access from the service's home page, filter it without JavaScript and
see who and which visit, never the answers; axe on the page."""

import datetime as dt
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context
from test_queries_in_browser import PASSWORD, own_page
from test_queries_in_browser import sign_in as staff_sign_in
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.audit.models import PersonalDataAccess
from cldc.platform.people.models import User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit

REFERENCE = "AUDIT-BROWSER-REF-1"


def test_support_see_who_read_a_visit_s_personal_answers_with_and_without_javascript(browser, url, axe):
    council, person = coordinator("audit@browser.example", "Browser audit council", "E06000719")
    support = User.objects.filter(email="support@audit.browser.example").first() or User.objects.create_user(
        "support@audit.browser.example", PASSWORD, name="Sam Support", staff_role="support")
    device, _ = TOTPDevice.objects.get_or_create(user=support, confirmed=True, defaults={"name": "Authenticator app"})
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                        managing_organisation=council)
        submit(record, {**_complete_visit(), "visitref": REFERENCE, "owning_organisation_id": council.pk}, "api",
               today=dt.date(2026, 6, 1))
    page = own_page(browser)
    quiet = browser.new_context(java_script_enabled=False)
    try:
        sign_in(page, url, person)
        page.goto(url("visits", f"/logs/{record.pk}/review/"))
        assert REFERENCE in page.content()
        page.context.close()

        page = own_page(browser)
        staff_sign_in(page, url, support, device)
        page.get_by_role("link", name="Access to personal data").click()
        page.wait_for_url(re.compile(r"/personal-data-access/$"))
        table = page.locator("#accesses").inner_text()
        assert "audit@browser.example" in table and f"Visit {record.pk}" in table and REFERENCE not in table
        axe(page)

        quiet.add_cookies(page.context.cookies())  # the same session, without JavaScript
        plain = quiet.new_page()
        plain.goto(url("visits", "/personal-data-access/"))
        plain.get_by_label("Organisation").select_option(label=council.name)
        plain.get_by_role("button", name="Apply filters").click()
        plain.wait_for_url(re.compile(r"organisation="))
        assert plain.locator("#access-count").inner_text() == "1 access matching your filters"
        plain.get_by_label("From (YYYY-MM-DD)").fill("yesterday")
        plain.get_by_role("button", name="Apply filters").click()
        assert "Enter the date from as year-month-day" in plain.locator(".govuk-error-summary").inner_text()
        assert page.failed_requests == []
    finally:
        quiet.close()
        page.context.close()
        PersonalDataAccess.objects.filter(person__in=[person, support]).delete()
        with schema_context("visits"):
            Record.objects.filter(pk=record.pk).delete()
