"""Queries to providers in a real browser: an analyst raises a query about one answer of
a visit, the provider finds it on their home page, answers it and corrects the answer
through the visit's own page, and the analyst finds it in the list and resolves it;
axe on every page of the queries app, and on the home and visit pages that show them."""

import datetime as dt
import re

from django.core import mail
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User
from cldc.platform.queries.models import Query
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit

PASSWORD = "correct-horse-battery-staple"
MESSAGE = "Rent of £900 a month for one room: please confirm"


def sign_in(page, url, person, device=None):
    page.goto(url("visits", "/sign-in/"))
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if device is not None:  # staff pass two-factor first
        page.wait_for_url(re.compile(r"/sign-in/two-factor/"))
        page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(url("visits", "/"))


def own_page(browser):
    """A page in a browser context of its own (one person each), noting every failed request."""
    page = browser.new_context().new_page()
    page.failed_requests = []
    page.on("response", lambda r: r.status >= 400 and page.failed_requests.append(f"{r.status} {r.url}"))
    return page


def test_an_analyst_raises_a_query_the_provider_answers_and_corrects_and_the_analyst_resolves_it(browser, url, axe):
    council = Organisation.objects.create(name="Browser Queries Council", type="local_authority", ons_code="E06000417")
    provider = User.objects.create_user("provider@queries.browser.example", PASSWORD, name="Pat Provider")
    Membership.objects.create(user=provider, organisation=council, role="data_provider")
    analyst = User.objects.create_user("analyst@queries.browser.example", PASSWORD, name="Ann Analyst",
                                       staff_role="analyst")
    device = TOTPDevice.objects.create(user=analyst, name="Authenticator app", confirmed=True)
    with schema_context("visits"):
        log = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council),
                     {**_complete_visit(), "visitref": "QUERY-1", "rent": 900, "owning_organisation_id": council.pk},
                     "api", today=dt.date(2026, 6, 1)).record
    analyst_page, provider_page = own_page(browser), own_page(browser)
    try:
        # The analyst raises a query about the rent, from the visit's page.
        page = analyst_page
        sign_in(page, url, analyst, device)
        page.goto(url("visits", f"/logs/{log.pk}/"))
        axe(page)
        page.get_by_role("link", name="Raise a query about this visit").click()
        page.wait_for_url(re.compile(rf"/logs/{log.pk}/queries/new/$"))
        axe(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the query").click()  # no words: said on the field
        assert "Enter your query" in page.locator(".govuk-error-summary").inner_text()
        axe(page)
        page.get_by_label("Which answer is the query about?").select_option(label="Rent: £900.00")
        page.get_by_label("Your query").fill(MESSAGE)
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the query").click()
        assert re.search(r"/queries/\d+/$", page.url) and page.locator("#query-message").inner_text() == MESSAGE
        pk = int(page.url.rstrip("/").split("/")[-1])
        assert page.locator("#answer-then").inner_text() == "£900.00"
        axe(page)
        assert [message.to for message in mail.outbox if f"/queries/{pk}/" in message.body] == [[provider.email]]

        # The provider finds it on their home page, answers it and corrects the answer.
        page = provider_page
        sign_in(page, url, provider)
        assert "1 open query about your visits" in page.locator(".govuk-notification-banner").inner_text()
        axe(page)
        page.get_by_role("link", name=f"Query {pk}: visit {log.pk}, Rent").click()
        page.wait_for_url(re.compile(rf"/queries/{pk}/$"))
        axe(page)
        page.get_by_label("Your answer").fill("A typing slip: it is £90 a month. Corrected.")
        with page.expect_navigation():
            page.get_by_role("button", name="Send your answer").click()
        assert "Your answer has been sent" in page.locator(".govuk-notification-banner").inner_text()
        assert "Answered" in page.locator("main .govuk-tag").first.inner_text()
        axe(page)
        page.get_by_role("link", name="correct the answer").click()
        page.wait_for_url(re.compile(rf"/logs/{log.pk}/page/rent/"))
        page.get_by_label("How much rent does the household pay each period?").fill("90")
        with page.expect_navigation():
            page.get_by_role("button", name="Save and continue").click()
        page.wait_for_url(re.compile(rf"/queries/{pk}/$"))
        assert page.locator("#answer-now").inner_text() == "£90.00 Changed since the query was raised"
        assert "Changed the answer: Pat Provider" in page.locator("#query-history").inner_text()
        axe(page)

        # The analyst finds it among the answered queries and resolves it.
        page = analyst_page
        page.goto(url("visits", "/"))
        page.get_by_role("navigation", name="Account").get_by_role("link", name="Queries", exact=True).click()
        page.wait_for_url(re.compile(r"/queries/$"))
        axe(page)
        page.get_by_label("Status").select_option(label="Answered")
        page.get_by_label("Organisation").select_option(label=council.name)
        with page.expect_navigation():
            page.get_by_role("button", name="Apply filters").click()
        assert page.locator(f"#query-{pk}").count() == 1
        axe(page)
        page.get_by_role("link", name=f"Query {pk}", exact=True).click()
        page.wait_for_url(re.compile(rf"/queries/{pk}/$"))
        assert "A typing slip: it is £90 a month. Corrected." in page.locator("#query-history").inner_text()
        with page.expect_navigation():
            page.get_by_role("button", name="Resolve the query").click()
        assert "Resolved" in page.locator("main .govuk-tag").first.inner_text()
        assert page.get_by_role("button", name="Reopen the query").count() == 1
        axe(page)
        with schema_context("visits"):
            query = Query.objects.get(pk=pk)
            kinds = list(query.events.values_list("kind", "by__email"))
        assert query.status == "resolved" and kinds == [
            ("raised", analyst.email), ("replied", provider.email), ("resolved", analyst.email)]
        assert analyst_page.failed_requests == [] and provider_page.failed_requests == []
    finally:
        analyst_page.context.close()
        provider_page.context.close()


def post_records(page, ids):
    """Post log ids to the many-logs page, as a page that finds logs (a data-quality
    figure) does with its own form, with the CSRF token of the page it is on."""
    with page.expect_navigation():
        page.evaluate("""([action, ids]) => {
            const form = Object.assign(document.createElement('form'), {method: 'post', action});
            const field = (name, value) => form.appendChild(Object.assign(document.createElement('input'),
                                                                          {type: 'hidden', name, value}));
            field('csrfmiddlewaretoken', document.querySelector('input[name=csrfmiddlewaretoken]').value);
            ids.forEach(id => field('records', id));
            document.body.appendChild(form).submit();
        }""", ["/queries/new-many/", [str(pk) for pk in ids]])


def test_an_analyst_raises_one_query_on_each_of_several_visits(browser, url, axe):
    council = Organisation.objects.create(name="Browser Many Queries Council", type="local_authority",
                                          ons_code="E06000418")
    analyst = User.objects.create_user("analyst@many-queries.browser.example", PASSWORD, name="Al Analyst",
                                       staff_role="analyst")
    device = TOTPDevice.objects.create(user=analyst, name="Authenticator app", confirmed=True)
    with schema_context("visits"):
        logs = [submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council),
                       {**_complete_visit(), "visitref": f"MANY-{n}", "owning_organisation_id": council.pk},
                       "api", today=dt.date(2026, 6, 1)).record for n in (1, 2)]
    page = own_page(browser)
    try:
        sign_in(page, url, analyst, device)
        page.goto(url("visits", "/queries/"))  # any page with a form: its CSRF token
        post_records(page, [log.pk for log in logs])
        assert page.get_by_role("heading", level=1).inner_text() == "Raise a query about 2 visits"
        assert page.locator("#queried-logs").inner_text().split("\n") == [f"Visit {log.pk}" for log in logs]
        axe(page)
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the queries").click()  # no words: said on the field
        assert "Enter your query" in page.locator(".govuk-error-summary").inner_text()
        axe(page)
        page.get_by_label("Your query").fill("Both visits on one day: please check the dates")
        with page.expect_navigation():
            page.get_by_role("button", name="Raise the queries").click()
        assert "2 queries raised" in page.locator(".govuk-notification-banner").inner_text()
        with schema_context("visits"):
            raised = sorted(Query.objects.filter(record__in=logs).values_list("record_id", "raised_by__email"))
        assert raised == [(log.pk, analyst.email) for log in logs]
        assert page.failed_requests == []
    finally:
        page.context.close()


def test_without_javascript_a_provider_answers_a_query_from_their_home_page(browser, url):
    council = Organisation.objects.create(name="Browser Quiet Queries Council", type="local_authority",
                                          ons_code="E06000419")
    provider = User.objects.create_user("provider@quiet-queries.browser.example", PASSWORD, name="Quinn Provider")
    Membership.objects.create(user=provider, organisation=council, role="data_provider")
    analyst = User.objects.create_user("analyst@quiet-queries.browser.example", PASSWORD, name="Ava Analyst",
                                       staff_role="analyst")
    with schema_context("visits"):
        log = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council),
                     {**_complete_visit(), "visitref": "QUIET-1", "owning_organisation_id": council.pk},
                     "api", today=dt.date(2026, 6, 1)).record
        query = Query.objects.create(record=log, message="Is the date right?", raised_by=analyst)
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, url, provider)
        page.get_by_role("link", name=f"Query {query.pk}: visit {log.pk}").click()
        page.wait_for_url(re.compile(rf"/queries/{query.pk}/$"))
        page.get_by_label("Your answer").fill("Yes: 4 May")
        page.get_by_role("button", name="Send your answer").click()
        page.wait_for_url(re.compile(rf"/queries/{query.pk}/$"))
        assert "Yes: 4 May" in page.locator("#query-history").inner_text()
        with schema_context("visits"):
            assert Query.objects.get(pk=query.pk).status == "answered"
    finally:
        context.close()
