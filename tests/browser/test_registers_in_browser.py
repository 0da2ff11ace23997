"""CORE's location question and a scheme's history in a real browser (docs/registers.md):
a scheme of more than 19 locations is asked as a select, enhanced to an accessible
autocomplete with JavaScript and a plain select without; a scheme's only location is
chosen for the officer and shown so on check your answers; a coordinator reads a scheme's
history on its page. axe on each page; everything committed is deleted at the end."""

import datetime as dt

from django_tenants.utils import schema_context
from form_driver import choose
from test_core_web_form_in_browser import record, set_up_log
from test_web_form_defects_in_browser import answer
from test_web_form_in_browser import person, save, sign_in

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User
from cldc.platform.records.models import Record
from cldc.platform.registers import declaration
from cldc.platform.registers.choices import label
from cldc.platform.registers.models import Entry
from cldc.platform.registers.store import save_entry
from cldc.tests.core.schemes import make_scheme

MANY = [{"name": f"Flat {n}"} for n in range(20)]


def a_council(name, code, email):
    council = Organisation.objects.create(name=name, type="local_authority", ons_code=code)
    return council, person(email, council, role="data_coordinator")


def clean_up(council, officer):
    with schema_context("core"):
        Record.objects.filter(owning_organisation=council).delete()
        Entry.objects.filter(owner=council, parent__isnull=False).delete()
        Entry.objects.filter(owner=council).delete()  # their histories with them
        Membership.objects.filter(organisation=council).delete()
        User.objects.filter(pk=officer.pk).delete()
        Organisation.objects.filter(pk=council.pk).delete()


def supported_log(page, url, council, officer, scheme):
    """A supported-housing log with its scheme chosen on the scheme page; returns its id."""
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"needstype": 2, "startdate": "2026-05-04", "renewal": 0}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/scheme/"))
    page.locator("select[name=scheme_id]").select_option(value=scheme.code)
    save(page)
    return pk


def test_many_locations_are_an_autocomplete_and_the_only_one_is_chosen_for_them(page, url, axe):
    council, officer = a_council("Browser Many Locations Council", "E06000556", "many-locations@browser.example")
    try:
        many, locations = make_scheme(council, service_name="Browser Big Scheme", locations=MANY)
        single, (only,) = make_scheme(council, service_name="Browser Small Scheme")
        sign_in(page, url, officer, service="core")
        pk = supported_log(page, url, council, officer, many)
        assert page.url.endswith(f"/logs/{pk}/page/location/")
        box = page.get_by_role("combobox", name="Which location is this letting for?")
        assert box.is_visible() and not page.locator("select[name=location_id]").is_visible()
        axe(page)
        choose(page, box, label(locations[7]))
        save(page)
        assert record(pk).answers["location_id"] == locations[7].code

        pk = supported_log(page, url, council, officer, single)  # a scheme of one location: none to choose
        assert "/page/location/" not in page.url and record(pk).answers["location_id"] == only.code
        page.goto(url("core", f"/logs/{pk}/setup/check-answers/"))
        row = page.locator(".govuk-summary-list__row", has=page.get_by_text("Location", exact=True))
        assert "Station Road" in row.inner_text() and "The scheme's only location" in row.inner_text()
        assert row.get_by_role("link").count() == 0
        axe(page)
        assert page.failed_requests == []
    finally:
        clean_up(council, officer)


def test_without_javascript_many_locations_are_a_select(browser, url):
    council, officer = a_council("Browser Quiet Locations Council", "E06000557", "quiet-locations@browser.example")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        many, locations = make_scheme(council, service_name="Browser Quiet Scheme", locations=MANY)
        sign_in(page, url, officer, service="core")
        pk = supported_log(page, url, council, officer, many)
        page.get_by_label("Which location is this letting for?").select_option(label=label(locations[12]))
        save(page)
        assert record(pk).answers["location_id"] == locations[12].code
    finally:
        context.close()
        clean_up(council, officer)


def test_a_coordinator_reads_a_scheme_s_history(page, url, axe):
    council, officer = a_council("Browser History Council", "E06000558", "history@browser.example")
    try:
        scheme, _ = make_scheme(council, service_name="Browser Old Name")
        register = declaration.register("core", "scheme")
        with schema_context("core"):
            save_entry(register, Entry.objects.get(pk=scheme.pk), None, council, None,
                       {**scheme.answers, "service_name": "Browser New Name"}, officer)
        sign_in(page, url, officer, service="core")
        page.goto(url("core", f"/registers/scheme/{scheme.pk}/"))
        assert page.get_by_role("heading", name="History", exact=True).is_visible()
        today = dt.date.today()
        change = page.get_by_role("heading", name=f"Changed on {today.day} {today:%B %Y}", exact=False)
        assert "by Browser History" in change.inner_text()
        row = page.locator("tr").filter(has_text="Browser New Name")  # the change (its adding shows "Not given" before)
        assert row.locator("th, td").all_inner_texts() == ["Scheme name", "Browser Old Name", "Browser New Name"]
        axe(page)
        assert page.failed_requests == []
    finally:
        clean_up(council, officer)
