"""The address search in a real browser (docs/places.md, platform/forms/address_search.py):
with OS Places and postcodes.io stood in for by the local server replaying their
documented responses (tests/places/), a housing officer finds the property by postcode
and building number, chooses it, and sees the address, UPRN and local authority filled
in, to change or keep; without the search, the page says so and the address is typed.
No JavaScript is needed; axe clean on every page."""

import pytest
from test_core_web_form_in_browser import record, set_up_log
from test_web_form_defects_in_browser import answer
from test_web_form_in_browser import check_page, council, officer, save, sign_in  # noqa: F401 (fixtures)

from cldc.tests.places.conftest import ADDRESS_KEY, replay_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def lookups(settings, replay_server):  # noqa: F811
    base = f"http://127.0.0.1:{replay_server.server_address[1]}"
    settings.CLDC_POSTCODE_LOOKUP_URL = settings.CLDC_ADDRESS_SEARCH_URL = base
    settings.CLDC_ADDRESS_SEARCH_KEY = ADDRESS_KEY
    return replay_server


def test_an_address_found_by_postcode_fills_the_address_uprn_and_local_authority(page, url, axe, council,  # noqa: F811
                                                                                 officer, lookups):
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"needstype": 1}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/address_search/"))
    check_page(page, axe)
    page.get_by_label("Postcode").fill("SW1A 2AA")
    page.get_by_label("Building name or number (optional)").fill("10")
    page.get_by_role("button", name="Find address").click()
    page.wait_for_url("**/address-search/?*")
    assert page.get_by_role("radio").count() == 1  # narrowed to number 10
    check_page(page, axe)
    page.get_by_role("button", name="Use this address").click()  # nothing chosen: said on the radios
    assert "Select an address, or enter the address manually" in page.locator(".govuk-error-summary").inner_text()
    check_page(page, axe)
    page.get_by_label("10 Downing Street, London, SW1A 2AA").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Use this address").click()
    banners = page.locator(".govuk-notification-banner").all_inner_texts()
    assert any("The address was filled in from the one you chose: 10 Downing Street, London, SW1A 2AA" in b
               for b in banners)
    assert any("Westminster was filled in as the local authority from the postcode. You can change it." in b
               for b in banners)
    assert page.get_by_label("Address line 1").input_value() == "10 Downing Street"
    check_page(page, axe)
    stored = record(pk).answers
    assert (stored["uprn"], stored["postcode_full"], stored["la"]) == ("100023336956", "SW1A 2AA", "E09000033")
    save(page)  # the address as filled, kept
    page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
    box = page.get_by_role("combobox", name="What is the property’s local authority?")
    assert box.input_value() == "Westminster"


def test_without_the_search_the_page_says_so_and_the_address_is_typed(page, url, axe, council, officer,  # noqa: F811
                                                                      settings, replay_server):
    settings.CLDC_ADDRESS_SEARCH_URL = settings.CLDC_ADDRESS_SEARCH_KEY = settings.CLDC_POSTCODE_LOOKUP_URL = ""
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"needstype": 1}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/address_search/"))
    assert "The address search is not available." in page.locator("#address-search-off").inner_text()
    assert page.get_by_role("button", name="Find address").count() == 0
    check_page(page, axe)
    with page.expect_navigation():
        page.locator("#address-search-off").get_by_role("link", name="enter the address manually").click()
    page.get_by_label("Address line 1").fill("10 Downing Street")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postcode").fill("SW1A 2AA")
    save(page)
    assert record(pk).answers["address_line1"] == "10 Downing Street" and "la" not in record(pk).answers
    assert replay_server.seen == []
