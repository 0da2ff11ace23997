"""A supported-housing lettings log completed in a real browser, as a housing officer
would: the scheme and location chosen from those the council holds (docs/registers.md),
the local authority filled from the location and shown as such; axe on the scheme,
location and check-your-answers pages, and on the scheme pages a coordinator keeps."""

import datetime as dt

from django_tenants.utils import schema_context
from form_driver import FormDriver
from test_core_web_form_in_browser import plan_for, record, set_up_log
from test_web_form_in_browser import person, sign_in

from cldc.platform.organisations.models import DataSharingAgreement, Organisation
from cldc.platform.records.models import Record
from cldc.platform.registers.models import Entry
from cldc.tests.core.schemes import make_scheme


def test_a_supported_housing_log_is_completed_choosing_its_scheme_and_location(page, url, axe):
    council, _ = Organisation.objects.get_or_create(
        name="Browser Supported Housing Council", defaults={"type": "local_authority", "ons_code": "E06000575"})
    DataSharingAgreement.objects.get_or_create(organisation=council, defaults={
        "accepted_by_name": "Browser data protection officer", "accepted_on": dt.date(2026, 4, 1)})
    officer = person("supported-officer@browser.example", council, role="data_coordinator")
    plan = plan_for("lettings")  # the official template's letting, in the City of London, at A1 1AA
    scheme, (location, _) = make_scheme(council, service_name="Browser Hope House", locations=(
        {"name": "Main building", "postcode": "A1 1AA", "local_authority": plan["la"]},
        {"name": "Annexe", "postcode": "A1 1AB", "local_authority": plan["la"]}))
    pk = None
    try:
        sign_in(page, url, officer, service="core")
        pk = set_up_log(page, url, "lettings", council)
        supported = {**plan, "needstype": 2, "scheme_id": scheme.code, "location_id": location.pk,
                     "sheltered": 7, "household_charge": 0}
        driver = FormDriver(page, supported).complete()
        assert "This log is completed" in page.locator("main").inner_text()
        log = record(pk)
        assert log.status == "completed"
        assert log.answers["scheme_id"] == scheme.code and log.answers["location_id"] == str(location.pk)
        assert log.answers["la"] == plan["la"]  # from the location: the question is general needs only
        assert [step for step, _, _ in driver.answered][:3] == ["needs_type", "scheme", "location"]

        page.goto(url("core", f"/logs/{pk}/page/scheme/"))
        assert page.locator("select[name=scheme_id] option:checked").inner_text() == f"Browser Hope House ({scheme.code})"
        axe(page)
        page.goto(url("core", f"/logs/{pk}/page/location/"))
        assert page.locator("input[name=location_id]").count() == 2
        axe(page)
        page.goto(url("core", f"/logs/{pk}/setup/check-answers/"))
        row = page.locator(".govuk-summary-list__row", has=page.get_by_text("Local authority", exact=True))
        assert "City of London" in row.inner_text() and "From the location" in row.inner_text()
        axe(page)

        page.goto(url("core", "/"))
        page.get_by_role("link", name="Schemes", exact=True).click()
        axe(page)
        page.get_by_role("link", name="Browser Hope House").click()
        assert "Main building" in page.locator("main").inner_text()
        axe(page)
        page.get_by_role("link", name="Deactivate scheme").click()
        axe(page)
        assert page.failed_requests == []
    finally:
        with schema_context("core"):
            if pk:
                Record.objects.filter(pk=pk).delete()
            Entry.objects.filter(parent=scheme).delete()
            Entry.objects.filter(pk=scheme.pk).delete()
