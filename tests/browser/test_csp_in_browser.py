"""The Content-Security-Policy in a real browser: every kind of page, as the people who
use it, with the policy enforced (no bypass), and not one violation, seen either in
the console or as a 'securitypolicyviolation' event. A page with an inline script or
style attribute fails here (settings: security headers)."""

import re

from django_tenants.utils import schema_context
from test_downloads_in_browser import a_visit
from test_upload_in_browser import coordinator, upload_file
from test_web_form_in_browser import sign_in
from wagtail.models import Site

from cldc.platform.content.models import ServiceBranding
from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User
from cldc.platform.records.models import Record
from cldc.platform.returns.models import Return
from cldc.platform.uploads.models import Upload

WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
    (event) => window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`));
"""


class PolicyWatch:
    """A browser context with the policy enforced, recording every violation by page."""

    def __init__(self, browser):
        self.context = browser.new_context()  # no bypass_csp: the policy as people's browsers apply it
        self.context.add_init_script(WATCH_VIOLATIONS)
        self.page = self.context.new_page()
        self.violations, self.pages = [], []
        self.page.on("console", lambda message: "Content Security Policy" in message.text
                     and self.violations.append(f"{self.page.url}: console: {message.text}"))

    def visit(self, address, status=200):
        response = self.page.goto(address)
        self.page.wait_for_load_state("load")
        assert (response.status, self.page.url) == (status, address), "the page itself, not a refusal or redirect"
        self.seen(response)
        return response

    def seen(self, response=None):
        if response is not None:
            assert response.headers.get("content-security-policy"), f"{self.page.url} has no policy"
        self.pages.append(self.page.url)
        self.violations += [f"{self.page.url}: {v}" for v in self.page.evaluate("window.__cspViolations || []")]


def test_no_page_breaks_the_content_security_policy(browser, url, axe, tmp_path, eager_celery, visits_template_csv,
                                                     settings):
    settings.MEDIA_ROOT = tmp_path
    council, person = coordinator("csp@browser.example", "Browser policy council", "E06000761")
    watch = PolicyWatch(browser)
    page = watch.page
    try:
        a_visit(council, "CSP-1")
        with schema_context("visits"):
            pk = Record.objects.get(owning_organisation=council).pk
        watch.visit(url("visits", "/sign-in/"))
        watch.visit(url("visits", "/no-such-page/"), status=404)  # the error page
        watch.visit(url("visits", "/api/v1/docs/"))
        sign_in(page, url, person)
        watch.seen()  # home
        for path in ["/logs/", f"/logs/{pk}/", f"/logs/{pk}/page/visit/", f"/logs/{pk}/visit_details/check-answers/",
                     "/uploads/", "/downloads/", "/downloads/new/", "/quality/",
                     f"/quality/records/?record_type=visits:visit&year=2026&organisation={council.pk}&figure=completed",
                     f"/figures/{council.pk}/", "/queries/", "/returns/", "/api-clients/", "/xml/", "/resources/"]:
            watch.visit(url("visits", path))
        axe(page)  # axe is injected without an inline script: it runs under the policy too

        file = tmp_path / "visits.csv"
        file.write_bytes(visits_template_csv(council, rows=({"repairs": 2}, {"repairs": 9})))
        upload_file(page, url, council, file)
        page.wait_for_url(re.compile(r"/uploads/\d+/$"))
        watch.seen()  # an upload's report: its tables of errors

        sign_in(page, url, person, service="core")
        watch.visit(url("core", "/registers/scheme/"))  # a register (CORE's schemes)
        watch.visit(url("core", "/what-to-submit/"))  # guidance, a Wagtail page

        with schema_context("visits"):  # the white-label theme: its colours in a <style> with the nonce
            branding = ServiceBranding.for_site(Site.objects.get(is_default_site=True))
            branding.theme = "whitelabel"
            branding.save()
        watch.visit(url("visits", "/logs/"))
        assert page.locator("link[href$='whitelabel.css']").count() == 1
    finally:
        with schema_context("visits"):
            branding = ServiceBranding.for_site(Site.objects.get(is_default_site=True))
            branding.theme = "govuk"
            branding.save()
            Upload.objects.filter(organisation=council).delete()
            Record.objects.filter(owning_organisation=council).delete()
            Return.objects.filter(organisation=council).delete()  # made when the returns page is read
        watch.context.close()
        Membership.objects.filter(organisation=council).delete()
        with schema_context("visits"):  # the service whose rows name them (core's pages were only read)
            User.objects.filter(pk=person.pk).delete()
            Organisation.objects.filter(pk=council.pk).delete()
    assert watch.violations == []
    assert len(watch.pages) == 23  # every page above was looked at
