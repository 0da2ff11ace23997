"""The web form finds a CORE log's address by postcode (platform/forms/address_search.py,
docs/places.md): the addresses at the postcode, narrowed by a building name or number;
the one chosen answers the address lines, postcode and UPRN, and its postcode the local
authority, each shown as filled and changeable; or the person enters the address
manually. Off, the page says so and nothing is asked of anyone. Against the local server
replaying OS Places' and postcodes.io's documented responses (tests/places/)."""

import pytest

from cldc.tests.core.test_core_web_form import client, council  # noqa: F401 (fixtures)
from cldc.tests.forms.test_web_form import set_up_log, stored
from cldc.tests.forms.test_web_form_defects import post_as_shown
from cldc.tests.places.conftest import lookups_on, replay_server  # noqa: F401 (fixtures)

TEN = "10 Downing Street, London, SW1A 2AA"
ELEVEN = "11 Downing Street, London, SW1A 2AA"


@pytest.fixture
def log(client, council):  # noqa: F811
    record = set_up_log(client, council, record_type="core:lettings")
    post_as_shown(client, record, "needs_type", {"needstype": "1"})
    return record


def search(client, log, **query):  # noqa: F811
    return client.get(f"/logs/{log.pk}/address-search/", query)


def test_a_chosen_address_answers_the_address_its_uprn_and_its_local_authority(client, log, lookups_on):  # noqa: F811
    page = client.get(f"/logs/{log.pk}/page/address_search/").content.decode()
    assert f'action="/logs/{log.pk}/address-search/"' in page and "Find address" in page
    found = search(client, log, postcode="sw1a 2aa").content.decode()
    assert TEN in found and ELEVEN in found and "2 addresses found for SW1A 2AA" in found
    narrowed = search(client, log, postcode="SW1A 2AA", building="11").content.decode()
    assert ELEVEN in narrowed and TEN not in narrowed
    response = client.post(f"/logs/{log.pk}/address-search/", {
        "postcode": "SW1A 2AA", "building": "", "uprn": "100023336956", "lock_version": stored(log).lock_version})
    assert response.status_code == 302 and response.url == f"/logs/{log.pk}/page/address/"
    answers = stored(log).answers
    assert {k: answers.get(k) for k in ("uprn", "address_line1", "town_or_city", "postcode_full", "la")} == {
        "uprn": "100023336956", "address_line1": "10 Downing Street", "town_or_city": "London",
        "postcode_full": "SW1A 2AA", "la": "E09000033"}
    shown = client.get(response.url).content.decode()
    assert f"The address was filled in from the one you chose: {TEN}. You can change it." in shown
    assert "Westminster was filled in as the local authority from the postcode. You can change it." in shown
    assert 'value="10 Downing Street"' in shown  # the address questions, to check or change


@pytest.mark.parametrize("query, message", [
    ({"postcode": ""}, "Enter a postcode"),
    ({"postcode": "not a postcode!"}, "Enter a full UK postcode, like SW1A 2AA"),
    ({"postcode": "EH1 1AA"}, "The address search is not available at the moment. Enter the address yourself."),
])
def test_a_search_that_cannot_be_made_says_why(client, log, lookups_on, query, message):  # noqa: F811
    body = search(client, log, **query).content.decode()
    assert "There is a problem" in body and message in body and "Enter the address manually" in body


def test_a_postcode_without_addresses_says_so(client, log, lookups_on):  # noqa: F811
    body = search(client, log, postcode="ZZ1 1ZZ").content.decode()
    assert "We could not find an address for ZZ1 1ZZ" in body and "Enter the address manually" in body


def test_choosing_nothing_or_an_address_not_found_saves_nothing(client, log, lookups_on):  # noqa: F811
    before = stored(log).answers
    for chosen in ({}, {"uprn": "123456789012"}):  # none, or one the search did not find
        response = client.post(f"/logs/{log.pk}/address-search/", {
            "postcode": "SW1A 2AA", "lock_version": stored(log).lock_version, **chosen})
        body = response.content.decode()
        assert response.status_code == 200 and "Select an address, or enter the address manually" in body
        assert TEN in body  # the addresses found, to choose from
    assert stored(log).answers == before


def test_without_the_address_search_the_page_says_so_and_asks_nothing(client, log, settings, replay_server):  # noqa: F811
    settings.CLDC_ADDRESS_SEARCH_URL = settings.CLDC_ADDRESS_SEARCH_KEY = ""
    page = client.get(f"/logs/{log.pk}/page/address_search/").content.decode()
    assert "The address search is not available." in page and f'href="/logs/{log.pk}/page/address/"' in page
    assert "Find address" not in page
    off = search(client, log, postcode="SW1A 2AA").content.decode()
    assert "The address search is not available. Enter the address yourself." in off and TEN not in off
    assert replay_server.seen == []


def test_another_organisation_s_log_is_not_found(client_for, make_organisation, make_person, log, lookups_on):  # noqa: F811
    stranger = client_for("core", make_person("stranger@example.com", make_organisation("Elsewhere Council")))
    assert stranger.get(f"/logs/{log.pk}/address-search/", {"postcode": "SW1A 2AA"}).status_code == 404
    assert stranger.post(f"/logs/{log.pk}/address-search/", {"postcode": "SW1A 2AA", "uprn": "100023336956"}).status_code == 404
