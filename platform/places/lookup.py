"""The two look-up adapters (docs/places.md). Each call returns what it found, or
raises LookupUnavailable with a message a person can act on: a look-up that is off,
slow, broken or does not know the postcode never stops anyone, who then answers the
question themselves.

The address key goes in a request header, never in the URL, so that no exception text
or access log carries it; what is logged here names the service and the reason only.
"""

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

import requests
from django.conf import settings

log = logging.getLogger(__name__)

POSTCODE_NOT_FOUND = "We could not find this postcode. Check it, or choose the local authority."
POSTCODE_LOOKUP_UNAVAILABLE = "The postcode look-up is not available at the moment. Choose the local authority."
ADDRESS_SEARCH_UNAVAILABLE = "The address search is not available at the moment. Enter the address yourself."
POSTCODE_SHAPE = re.compile(r"^[A-Z0-9 ]{5,8}$")
BULK_SIZE = 100  # postcodes.io's POST /postcodes takes at most 100 postcodes a request


class LookupUnavailable(Exception):
    """The look-up gave no answer; str() is the message shown to the person."""


@dataclass(frozen=True)
class LocalAuthority:
    code: str  # ONS code, e.g. E09000033
    name: str


@dataclass(frozen=True)
class Address:
    uprn: str
    line1: str
    line2: str
    town: str
    postcode: str


def postcode_lookup_on():
    return bool(settings.CLDC_POSTCODE_LOOKUP_URL)


def address_search_on():
    return bool(settings.CLDC_ADDRESS_SEARCH_URL and settings.CLDC_ADDRESS_SEARCH_KEY)


def normalised_postcode(postcode):
    """A postcode as the look-ups ask it: capitals, one space ("sw1a  2aa " -> "SW1A 2AA")."""
    return " ".join(str(postcode or "").upper().split())


def local_authority_for_postcode(postcode):
    """The local authority a postcode lies in (postcodes.io's GET /postcodes/{postcode}:
    result.codes.admin_district and result.admin_district)."""
    if not postcode_lookup_on():
        raise LookupUnavailable(POSTCODE_LOOKUP_UNAVAILABLE)
    normalised = normalised_postcode(postcode)
    if not POSTCODE_SHAPE.match(normalised):
        raise LookupUnavailable(POSTCODE_NOT_FOUND)
    url = f"{settings.CLDC_POSTCODE_LOOKUP_URL.rstrip('/')}/postcodes/{quote(normalised)}"
    body = _request_json("postcode look-up", url, POSTCODE_LOOKUP_UNAVAILABLE, params={}, not_found=POSTCODE_NOT_FOUND)
    try:
        return _local_authority(body["result"])
    except (KeyError, TypeError):
        log.warning("postcode look-up: a response without result.codes.admin_district")
        raise LookupUnavailable(POSTCODE_LOOKUP_UNAVAILABLE) from None


def local_authorities_for_postcodes(postcodes):
    """{postcode (normalised): LocalAuthority, or the LookupUnavailable saying why not}
    for many postcodes, BULK_SIZE a request (postcodes.io's POST /postcodes, whose
    result lists {query, result}, result null for a postcode it does not know). A
    failed request is each of its postcodes' LookupUnavailable: nothing is raised."""
    found, asked = {}, []
    for postcode in dict.fromkeys(normalised_postcode(p) for p in postcodes):
        if not postcode_lookup_on():
            found[postcode] = LookupUnavailable(POSTCODE_LOOKUP_UNAVAILABLE)
        elif not POSTCODE_SHAPE.match(postcode):
            found[postcode] = LookupUnavailable(POSTCODE_NOT_FOUND)
        else:
            asked.append(postcode)
    if len(asked) == 1:  # one postcode (a page of the web form, one API call): the plain GET
        try:
            return {**found, asked[0]: local_authority_for_postcode(asked[0])}
        except LookupUnavailable as unavailable:
            return {**found, asked[0]: unavailable}
    url = f"{settings.CLDC_POSTCODE_LOOKUP_URL.rstrip('/')}/postcodes"
    for start in range(0, len(asked), BULK_SIZE):
        batch = asked[start:start + BULK_SIZE]
        try:
            body = _request_json("postcode look-up", url, POSTCODE_LOOKUP_UNAVAILABLE, json={"postcodes": batch})
            answered = {normalised_postcode(item["query"]): item["result"] for item in body["result"]}
        except LookupUnavailable as unavailable:
            answered = dict.fromkeys(batch, unavailable)
        except (KeyError, TypeError):
            log.warning("postcode look-up: a bulk response without result[].query")
            answered = dict.fromkeys(batch, LookupUnavailable(POSTCODE_LOOKUP_UNAVAILABLE))
        for postcode in batch:
            result = answered.get(postcode)
            if isinstance(result, LookupUnavailable):
                found[postcode] = result
            elif result is None:
                found[postcode] = LookupUnavailable(POSTCODE_NOT_FOUND)
            else:
                try:
                    found[postcode] = _local_authority(result)
                except (KeyError, TypeError):
                    log.warning("postcode look-up: a result without codes.admin_district")
                    found[postcode] = LookupUnavailable(POSTCODE_LOOKUP_UNAVAILABLE)
    return found


def _local_authority(result):
    return LocalAuthority(result["codes"]["admin_district"], result["admin_district"])


def addresses_at_postcode(postcode, building=""):
    """The addresses at a postcode (OS Places' GET /postcode?postcode=), those whose
    first line has `building` (a name or number) in it when it is given and any has."""
    found = _addresses("postcode", {"postcode": normalised_postcode(postcode)})
    wanted = " ".join(building.lower().split())
    matching = [a for a in found if wanted and wanted in a.line1.lower()]
    return matching or found


def search_addresses(text, limit=20):
    """Addresses matching free text (OS Places' GET /find?query=), best first."""
    return _addresses("find", {"query": text, "maxresults": limit})


def address_for_uprn(uprn):
    """The address of a UPRN (OS Places' GET /uprn?uprn=), or None when it has none."""
    found = _addresses("uprn", {"uprn": uprn})
    return found[0] if found else None


def _addresses(endpoint, params):
    if not address_search_on():
        raise LookupUnavailable(ADDRESS_SEARCH_UNAVAILABLE)
    url = f"{settings.CLDC_ADDRESS_SEARCH_URL.rstrip('/')}/{endpoint}"
    body = _request_json("address search", url, ADDRESS_SEARCH_UNAVAILABLE, params={**params, "dataset": "DPA"},
                         headers={"key": settings.CLDC_ADDRESS_SEARCH_KEY}, not_found=None)
    if body is None:
        return []
    try:
        return [_address(result["DPA"]) for result in body.get("results", [])]
    except (KeyError, TypeError, AttributeError):
        log.warning("address search: a response without results[].DPA")
        raise LookupUnavailable(ADDRESS_SEARCH_UNAVAILABLE) from None


def _address(dpa):
    """OS Places' Delivery Point Address as the address questions ask it."""
    first = " ".join(p for p in (dpa.get("SUB_BUILDING_NAME"), dpa.get("BUILDING_NAME"),
                                 dpa.get("BUILDING_NUMBER"), dpa.get("THOROUGHFARE_NAME")) if p)
    return Address(str(dpa["UPRN"]), first.title(), (dpa.get("DEPENDENT_LOCALITY") or "").title(),
                   (dpa.get("POST_TOWN") or "").title(), dpa.get("POSTCODE") or "")


def _request_json(service, url, unavailable, params=None, json=None, headers=None, not_found=None):
    """The response's JSON to a GET with `params`, or a POST of `json`; a 404 is
    `not_found` (raised when it is a message, returned when None); anything else that
    is not JSON with 200 is `unavailable`."""
    try:
        response = requests.request("POST" if json is not None else "GET", url, params=params, json=json,
                                    headers=headers or {}, timeout=settings.CLDC_PLACES_TIMEOUT_SECONDS)
    except requests.Timeout:
        log.warning("%s: no answer within %s seconds", service, settings.CLDC_PLACES_TIMEOUT_SECONDS)
        raise LookupUnavailable(unavailable) from None
    except requests.RequestException as error:  # its text holds the URL: the class names the failure
        log.warning("%s: %s", service, type(error).__name__)
        raise LookupUnavailable(unavailable) from None
    if response.status_code == 404:
        if not_found is None:
            return None
        raise LookupUnavailable(not_found)
    if response.status_code != 200:
        log.warning("%s: HTTP %s", service, response.status_code)
        raise LookupUnavailable(unavailable)
    try:
        return response.json()
    except ValueError:
        log.warning("%s: a response that is not JSON", service)
        raise LookupUnavailable(unavailable) from None
