"""Signing in on a real service in a real browser, with axe-core on every page."""

import re

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"


def person(email, staff_role="", organisation=None):
    user = User.objects.filter(email=email).first() or User.objects.create_user(
        email, PASSWORD, name="Browser " + email.split("@")[0].title(), staff_role=staff_role
    )
    if organisation:
        Membership.objects.get_or_create(user=user, organisation=organisation)
    return user


def test_a_provider_signs_in_on_a_service(page, url, axe):
    organisation, _ = Organisation.objects.get_or_create(
        name="Browser Homes", defaults={"type": "prp", "regulator_number": "LH9001"}
    )
    person("officer@signing-in.example", organisation=organisation)

    page.goto(url("visits"))
    assert page.evaluate("document.compatMode") == "CSS1Compat"  # nothing before the doctype
    assert page.locator(".govuk-service-navigation__service-name").inner_text() == "Test service visits"
    assert page.locator("h1").inner_text() == "Test service visits"
    assert page.locator(".govuk-header__logotype").count() == 1  # GOV.UK branding
    axe(page)

    page.get_by_role("button", name="Start now").click()
    page.wait_for_url(re.compile(r"/sign-in/"))
    axe(page)

    page.get_by_label("Email address").fill("officer@signing-in.example")
    page.get_by_label("Password").fill("not my password")
    page.get_by_role("button", name="Sign in").click()
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Enter a correct email address and password" in summary.inner_text()
    assert page.title().startswith("Error: Sign in")
    axe(page)

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url("visits", "/"))
    assert "You are signed in as Browser Officer" in page.locator("main").inner_text()
    axe(page)

    page.get_by_role("link", name="Your organisation", exact=True).click()
    assert page.locator("h1").inner_text() == "Browser Homes"
    axe(page)
    assert page.failed_requests == []


def test_the_govuk_fonts_and_assets_load_from_static(page, url):
    page.goto(url("visits", "/sign-in/"))
    page.evaluate("document.fonts.ready")
    assert page.evaluate("document.fonts.check('19px GDS Transport')")
    assert page.evaluate("[...document.fonts].some(f => f.family.includes('GDS Transport') && f.status === 'loaded')")
    assert page.failed_requests == []


def test_staff_set_up_two_factor_and_reach_the_admin(page, url, axe):
    person("support@browser.example", staff_role="support")
    page.goto(url("visits", "/admin/"))
    page.wait_for_url(re.compile(r"/sign-in/"))
    page.get_by_label("Email address").fill("support@browser.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url(re.compile(r"/sign-in/two-factor/set-up/"))
    axe(page)
    page.get_by_text("I cannot scan the QR code").click()
    key = page.get_by_test_id("totp-key").inner_text()
    device = TOTPDevice.objects.get(user__email="support@browser.example", confirmed=False)
    assert key.strip()
    page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(url("visits", "/admin/"))
    assert page.title() == "Dashboard - Wagtail"


def test_sign_in_works_without_javascript(browser, url):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    person("nojs@browser.example")
    page.goto(url("hclic", "/sign-in/"))
    page.get_by_label("Email address").fill("nojs@browser.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(url("hclic", "/"))
    assert "You are signed in" in page.locator("main").inner_text()
    context.close()


def test_a_service_can_choose_the_white_label_theme_in_wagtail_settings(page, url, axe):
    from django_tenants.utils import schema_context

    from cldc.platform.content.models import ServiceBranding

    with schema_context("hclic"):
        branding = ServiceBranding.objects.get()
        branding.theme, branding.brand_colour, branding.accent_colour = "whitelabel", "#4b0082", "#ff8c00"
        branding.service_name, branding.organisation_name = "Partner data returns", "Partner Trust"
        branding.footer_text = "<p>Run by Partner Trust</p>"
        branding.save()
    try:
        page.goto(url("hclic"))
        assert page.locator(".govuk-header__logotype").count() == 0  # no government branding
        assert "GOV.UK" not in page.title()
        assert page.locator(".wl-header").evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(75, 0, 130)"
        assert page.locator(".govuk-service-navigation__service-name").inner_text() == "Partner data returns"
        assert "Run by Partner Trust" in page.locator("footer").inner_text()
        font = page.locator("body").evaluate("e => getComputedStyle(e).fontFamily")
        assert "GDS Transport" not in font
        axe(page)
        # The other service keeps its own look.
        page.goto(url("visits"))
        assert page.locator(".govuk-header__logotype").count() == 1
    finally:
        with schema_context("hclic"):
            branding.theme, branding.service_name = "govuk", "Test service hclic"
            branding.save()
