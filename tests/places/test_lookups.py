"""The postcode and address look-up adapters (cldc.platform.places.lookup) against a
local server replaying the APIs' documented responses (conftest.py): what they find,
and a clean fallback, with a message, when they are off, slow, broken or find nothing."""

import logging

import pytest

from cldc.platform.places import lookup
from cldc.platform.places.lookup import (
    ADDRESS_SEARCH_UNAVAILABLE,
    POSTCODE_LOOKUP_UNAVAILABLE,
    POSTCODE_NOT_FOUND,
    Address,
    LocalAuthority,
    LookupUnavailable,
)
from cldc.tests.places.conftest import ADDRESS_KEY

DOWNING_STREET = Address("100023336956", "10 Downing Street", "", "London", "SW1A 2AA")


def test_a_postcode_gives_its_local_authority(lookups_on):
    assert lookup.local_authority_for_postcode(" sw1a  2aa ") == LocalAuthority("E09000033", "Westminster")
    assert lookups_on.seen[-1]["path"] == "/postcodes/SW1A%202AA"


@pytest.mark.parametrize("postcode, message", [
    ("ZZ1 1ZZ", POSTCODE_NOT_FOUND),            # 404: not a postcode the service knows
    ("not a postcode!", POSTCODE_NOT_FOUND),    # not asked at all
    ("EH1 1AA", POSTCODE_LOOKUP_UNAVAILABLE),   # 500
    ("CF10 1AA", POSTCODE_LOOKUP_UNAVAILABLE),  # 200, but not JSON
    ("LS1 1AA", POSTCODE_LOOKUP_UNAVAILABLE),   # JSON without the district
    ("TN1 1AA", POSTCODE_LOOKUP_UNAVAILABLE),   # slower than the timeout
])
def test_a_postcode_lookup_that_finds_nothing_says_so(lookups_on, postcode, message):
    with pytest.raises(LookupUnavailable) as raised:
        lookup.local_authority_for_postcode(postcode)
    assert str(raised.value) == message


def test_an_unreachable_lookup_falls_back(lookups_on, settings):
    settings.CLDC_POSTCODE_LOOKUP_URL = "http://127.0.0.1:9"  # the discard port: nothing listens
    with pytest.raises(LookupUnavailable, match="Choose the local authority"):
        lookup.local_authority_for_postcode("SW1A 2AA")


def test_without_settings_both_lookups_are_off_and_ask_nothing(settings, replay_server):
    settings.CLDC_POSTCODE_LOOKUP_URL = settings.CLDC_ADDRESS_SEARCH_URL = settings.CLDC_ADDRESS_SEARCH_KEY = ""
    assert not lookup.postcode_lookup_on() and not lookup.address_search_on()
    with pytest.raises(LookupUnavailable, match="Choose the local authority"):
        lookup.local_authority_for_postcode("SW1A 2AA")
    with pytest.raises(LookupUnavailable, match="Enter the address yourself"):
        lookup.search_addresses("10 Downing Street")
    assert replay_server.seen == []


def test_an_address_search_without_a_key_is_off(lookups_on, settings):
    settings.CLDC_ADDRESS_SEARCH_KEY = ""
    assert lookup.postcode_lookup_on() and not lookup.address_search_on()
    with pytest.raises(LookupUnavailable):
        lookup.address_for_uprn("100023336956")
    assert lookups_on.seen == []


def test_an_address_search_finds_addresses_and_a_uprn_its_address(lookups_on):
    assert lookup.search_addresses("10 Downing Street London") == [DOWNING_STREET]
    assert lookup.address_for_uprn("100023336956") == DOWNING_STREET
    assert lookup.address_for_uprn("999999999999") is None  # a header and no results
    # The key goes in a header, never in the URL.
    assert {seen["key"] for seen in lookups_on.seen} == {ADDRESS_KEY}
    assert not any(ADDRESS_KEY in seen["path"] for seen in lookups_on.seen)


def test_a_refused_key_falls_back(lookups_on, settings):
    settings.CLDC_ADDRESS_SEARCH_KEY = "a-key-the-service-refuses"
    with pytest.raises(LookupUnavailable) as raised:
        lookup.search_addresses("10 Downing Street")
    assert str(raised.value) == ADDRESS_SEARCH_UNAVAILABLE


def test_the_key_is_never_logged(lookups_on, settings, caplog):
    caplog.set_level(logging.DEBUG)  # urllib3's own debug lines too
    settings.CLDC_ADDRESS_SEARCH_KEY = "a-key-the-service-refuses"
    with pytest.raises(LookupUnavailable):
        lookup.search_addresses("10 Downing Street")
    settings.CLDC_ADDRESS_SEARCH_URL = "http://127.0.0.1:9"
    with pytest.raises(LookupUnavailable):
        lookup.search_addresses("10 Downing Street")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "address search: HTTP 401" in logged and "address search: ConnectionError" in logged
    assert "a-key-the-service-refuses" not in logged
