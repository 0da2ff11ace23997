"""The postcode look-up in a real browser (docs/places.md): with it on (a local server
replaying postcodes.io's documented response: tests/places/), the address page's
postcode fills CORE's local authority, the next page says so, and the local authority
page shows it chosen, to keep or change; axe clean."""

import re

import pytest
from form_driver import choose
from test_core_web_form_in_browser import record, set_up_log
from test_web_form_defects_in_browser import answer
from test_web_form_in_browser import check_page, council, officer, save, sign_in  # noqa: F401 (fixtures)

from cldc.tests.places.conftest import replay_server  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.fixture
def postcode_lookup(settings, replay_server):  # noqa: F811
    settings.CLDC_POSTCODE_LOOKUP_URL = f"http://127.0.0.1:{replay_server.server_address[1]}"
    return replay_server


def test_the_postcode_fills_the_local_authority_which_the_person_may_change(page, url, axe, council, officer,  # noqa: F811
                                                                             postcode_lookup):
    sign_in(page, url, officer, service="core")
    pk = set_up_log(page, url, "lettings", council)
    answer(pk, {"needstype": 1}, officer, service="core")
    page.goto(url("core", f"/logs/{pk}/page/address/"))
    page.get_by_label("Address line 1").fill("10 Downing Street")
    page.get_by_label("Town or city").fill("London")
    page.get_by_label("Postcode").fill("SW1A 2AA")
    save(page)
    assert record(pk).answers["la"] == "E09000033"
    banner = page.locator(".govuk-notification-banner")
    assert "Westminster was filled in as the local authority from the postcode. You can change it." in banner.inner_text()
    check_page(page, axe)
    page.goto(url("core", f"/logs/{pk}/page/property_local_authority/"))
    box = page.get_by_role("combobox", name="What is the property’s local authority?")
    assert box.input_value() == "Westminster"
    check_page(page, axe)
    choose(page, box, "Leeds")
    save(page)
    assert record(pk).answers["la"] == "E08000035"
    assert re.search(r"/logs/\d+/", page.url)
