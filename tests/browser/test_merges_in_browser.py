"""Support merges one organisation into another in a real browser: from the merged
organisation's page, choose the organisation and date (a mistake first, told on its
field), check the answers (what moves: people, relationships), change one from the
check page, confirm, and read the result on the absorbing organisation's page. axe on
every page. Everything the test commits is deleted at the end."""

import datetime as dt
import re

from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context
from test_banners_and_resources_in_browser import fill_date
from test_queries_in_browser import PASSWORD, own_page
from test_queries_in_browser import sign_in as staff_sign_in

from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User


def test_support_merge_an_organisation_through_check_your_answers(browser, url, axe):
    merge_date = dt.date.today() - dt.timedelta(days=10)
    merging = Organisation.objects.create(name="Browser Merging Homes", type="local_authority", ons_code="E06000552")
    absorbing = Organisation.objects.create(name="Browser Absorbing Housing", type="local_authority",
                                            ons_code="E06000553")
    owner = Organisation.objects.create(name="Browser Stock Owner", type="local_authority", ons_code="E06000554")
    OrganisationRelationship.objects.create(parent=owner, child=merging, kind="stock_owner")
    provider = User.objects.create_user("provider@merges.browser.example", PASSWORD, name="Pat Provider")
    Membership.objects.create(user=provider, organisation=merging, role="data_provider")
    support = User.objects.create_user("support@merges.browser.example", PASSWORD, name="Sam Support",
                                       staff_role="support")
    device = TOTPDevice.objects.create(user=support, name="Authenticator app", confirmed=True)
    page = own_page(browser)
    try:
        staff_sign_in(page, url, support, device)
        page.goto(url("visits", f"/organisations/{merging.pk}/"))
        axe(page)
        page.get_by_role("link", name="Merge into another organisation").click()
        page.wait_for_url(re.compile(rf"/organisations/{merging.pk}/merge/$"))
        axe(page)
        fill_date(page, "Merge date", merge_date)
        page.get_by_role("button", name="Continue").click()  # no organisation chosen: told on its field
        assert "Select the organisation it merged into" in page.locator(".govuk-error-summary").inner_text()
        assert page.get_by_role("group", name="Merge date").get_by_label("Year").input_value() == str(merge_date.year)
        axe(page)

        page.get_by_label("Which organisation did it merge into?").select_option(label="Browser Absorbing Housing")
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(rf"/organisations/{merging.pk}/merge/check/$"))
        summary = page.locator(".govuk-summary-list").inner_text()
        assert "Browser Absorbing Housing" in summary and f"{merge_date.day} {merge_date:%B %Y}" in summary
        assert "1 people become members of Browser Absorbing Housing" in summary
        assert "Browser Stock Owner → Browser Absorbing Housing" in summary  # the relationship passing on
        axe(page)
        page.get_by_role("link", name="Change merge date").click()  # back to the form, nothing lost
        assert page.get_by_label("Which organisation did it merge into?").input_value() == str(absorbing.pk)
        page.get_by_role("button", name="Continue").click()
        page.wait_for_url(re.compile(rf"/organisations/{merging.pk}/merge/check/$"))
        merging.refresh_from_db()
        assert merging.absorbing_organisation_id is None  # nothing until it is confirmed

        page.get_by_role("button", name="Merge organisations").click()
        page.wait_for_url(url("visits", f"/organisations/{absorbing.pk}/"))
        done = page.locator(".govuk-notification-banner--success").inner_text()
        assert "Browser Merging Homes merged into Browser Absorbing Housing" in done and "1 people moved" in done
        assert "Browser Merging Homes" in page.locator(".govuk-summary-list").first.inner_text()
        axe(page)
        assert page.failed_requests == []
        merging.refresh_from_db()
        assert (merging.absorbing_organisation_id, merging.merge_date) == (absorbing.pk, merge_date)
        assert OrganisationRelationship.objects.filter(parent=owner, child=absorbing, starts_on=merge_date).exists()
    finally:
        page.context.close()
        organisations = [merging.pk, absorbing.pk, owner.pk]
        with schema_context("visits"):  # the only service they used: its rows that name them go with them
            OrganisationRelationship.objects.filter(parent__in=organisations).delete()
            Membership.objects.filter(organisation__in=organisations).delete()
            User.objects.filter(pk__in=[provider.pk, support.pk]).delete()  # the device with its person
            Organisation.objects.filter(pk=merging.pk).delete()  # before the one it merged into
            Organisation.objects.filter(pk__in=organisations).delete()
