"""A postcode fills the local authority question in the API and bulk upload as in the
web form (cldc.platform.places.fill): many postcodes looked up together, 100 a request
(postcodes.io's bulk look-up), each once a run; a postcode the look-up cannot place, or
no look-up, leaves the question unanswered with a message on it. Against the local
server replaying the documented responses (conftest.py)."""

import string
from types import SimpleNamespace

import pytest

from cldc.platform.places import lookup
from cldc.platform.places.fill import (
    NOT_FILLED_RULE,
    PostcodeAuthorities,
    fill_for_channel,
    fill_local_authority,
    postcodes_filling,
)
from cldc.platform.places.lookup import POSTCODE_LOOKUP_UNAVAILABLE, POSTCODE_NOT_FOUND, LocalAuthority

WESTMINSTER = LocalAuthority("E09000033", "Westminster")


def postcodes(count):
    """`count` different postcodes in SW1, which the replaying server places in Westminster."""
    letters = string.ascii_uppercase
    return [f"SW1{letters[n // 6760]} {n % 10}{letters[n // 10 % 26]}{letters[n // 260 % 26]}" for n in range(count)]


def definition():
    """A definition's questions as the fill reads them: a postcode that fills `la`."""
    postcode = SimpleNamespace(extra={"fills_local_authority": "la"})
    la = SimpleNamespace(extra={}, options=[("E09000033", "Westminster"), ("E08000035", "Leeds")])
    return SimpleNamespace(variables={"postcode": postcode, "la": la, "town": SimpleNamespace(extra={})})


def posted(server):
    return [seen for seen in server.seen if seen["path"] == "/postcodes"]


def test_many_postcodes_are_looked_up_100_a_request(lookups_on):
    found = lookup.local_authorities_for_postcodes(postcodes(250) + ["sw1a  0aa", "ZZ1 1ZZ", "not a postcode!"])
    assert [len(seen["postcodes"]) for seen in posted(lookups_on)] == [100, 100, 51]  # "sw1a 0aa" is SW1A 0AA
    assert found["SW1A 0AA"] == found["SW1A 9JA"] == WESTMINSTER
    assert str(found["ZZ1 1ZZ"]) == POSTCODE_NOT_FOUND  # its result is null
    assert str(found["NOT A POSTCODE!"]) == POSTCODE_NOT_FOUND and "NOT A POSTCODE!" not in posted(lookups_on)[-1]["postcodes"]


def test_a_failing_request_leaves_its_postcodes_unplaced_and_not_the_others(lookups_on):
    batch = postcodes(150)
    batch[120] = "EH1 1AA"  # the server answers a request holding it with a 500
    found = lookup.local_authorities_for_postcodes(batch)
    assert found["SW1A 0AA"] == WESTMINSTER  # the first hundred
    assert {str(found[p]) for p in batch[100:]} == {POSTCODE_LOOKUP_UNAVAILABLE}


def test_a_ten_thousand_row_upload_makes_a_hundred_lookups(lookups_on):
    authorities, rows = PostcodeAuthorities(), postcodes(10_000)
    for start in range(0, len(rows), 500):  # as bulk upload prepares each chunk of rows
        authorities.prepare(rows[start:start + 500] + rows[:10])  # postcodes seen before are not asked again
    assert len(lookups_on.seen) == 100
    assert authorities.get(rows[9_999]) == WESTMINSTER and len(lookups_on.seen) == 100


def test_a_postcode_without_a_local_authority_given_fills_it(lookups_on):
    answers, notes = fill_for_channel(definition(), {}, {"postcode": "SW1A 2AA", "town": "London"}, PostcodeAuthorities())
    assert (answers, notes) == ({"postcode": "SW1A 2AA", "town": "London", "la": "E09000033"}, [])
    # A local authority given stands; and a held one, when the postcode is the one held.
    assert fill_for_channel(definition(), {}, {"postcode": "SW1A 2AA", "la": "E08000035"}, PostcodeAuthorities()) == (
        {"postcode": "SW1A 2AA", "la": "E08000035"}, [])
    held = {"postcode": "SW1A 2AA", "la": "E08000035"}
    assert fill_for_channel(definition(), held, {"postcode": "SW1A 2AA"}, PostcodeAuthorities()) == (
        {"postcode": "SW1A 2AA"}, [])
    assert postcodes_filling(definition(), {"postcode": "SW1A 2AA", "la": ""}) == ["SW1A 2AA"]


@pytest.mark.parametrize("postcode, message", [
    ("ZZ1 1ZZ", "We could not find the postcode ZZ1 1ZZ, so the local authority was not filled in from it. "
                "Check the postcode, or give the local authority."),
    ("EH1 1AA", "The postcode look-up is not available, so the local authority was not filled in from the "
                "postcode EH1 1AA. Give the local authority."),
])
def test_a_postcode_the_lookup_cannot_place_says_so_on_the_local_authority(lookups_on, postcode, message):
    answers, notes = fill_for_channel(definition(), {}, {"postcode": postcode}, PostcodeAuthorities())
    assert answers == {"postcode": postcode}
    assert notes == [{"field": "la", "rule": NOT_FILLED_RULE, "severity": "warning", "fields": ["la"], "message": message}]


def test_without_the_lookup_the_channels_say_so_and_the_form_says_nothing(settings, replay_server):
    settings.CLDC_POSTCODE_LOOKUP_URL = ""
    answers, (note,) = fill_for_channel(definition(), {}, {"postcode": "SW1A 2AA"}, PostcodeAuthorities())
    assert "la" not in answers and note["field"] == "la" and note["message"].startswith("The postcode look-up is not available")
    assert fill_local_authority(definition(), {}, {"postcode": "SW1A 2AA"}) == ({"postcode": "SW1A 2AA"}, None)
    assert replay_server.seen == []


def test_a_local_authority_the_question_does_not_offer_is_not_filled(lookups_on):
    question = definition()
    question.variables["la"].options = [("E08000035", "Leeds")]
    answers, (note,) = fill_for_channel(question, {}, {"postcode": "SW1A 2AA"}, PostcodeAuthorities())
    assert "la" not in answers and note["message"].startswith("The postcode SW1A 2AA is in Westminster")
