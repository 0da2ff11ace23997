"""CORE's rules about supported-housing schemes and their locations
(rules/lettings/schemes.yaml). The platform holds the schemes and locations
(docs/registers.md) and gives a record's chosen ones to every rule in the context,
under `entries`: `scheme` and `location`, each a dict (cldc.platform.registers.context),
or None when the answer names no scheme or location at all. Their active periods are
judged by cldc.platform.registers.periods, as the web form's chooser judges them."""

from cldc.collections.core.functions.lettings_hard import rent_above_hard_max, rent_below_hard_min
from cldc.platform.registers import periods
from cldc.platform.rules.functions import rule_function


def _entry(context, register):
    return (context.get("entries") or {}).get(register)


def in_words(day):
    return f"{day.day} {day:%B %Y}"


@rule_function("core.scheme_not_usable")
def scheme_not_usable(answers, context):
    """A scheme code given that names no scheme of the owning or managing organisation."""
    entries = context.get("entries") or {}
    if answers.get("scheme_id") is None or "scheme" not in entries:
        return None
    scheme = entries["scheme"]
    return {} if scheme is None or not scheme["usable"] else None


@rule_function("core.location_not_in_scheme")
def location_not_in_scheme(answers, context):
    """A location code given that names no location of the chosen scheme (so none of
    the organisations'), when the scheme itself is one they may use."""
    entries = context.get("entries") or {}
    scheme = entries.get("scheme")
    if answers.get("location_id") is None or "location" not in entries or not (scheme and scheme["usable"]):
        return None
    location = entries["location"]
    return {} if location is None or not location.get("in_parent") or not location["usable"] else None


@rule_function("core.scheme_incomplete")
def scheme_incomplete(answers, context):
    scheme = _entry(context, "scheme")
    return {} if scheme and not scheme["complete"] else None


@rule_function("core.scheme_without_confirmed_location")
def scheme_without_confirmed_location(answers, context):
    scheme = _entry(context, "scheme")
    if not scheme or not scheme["complete"]:
        return None
    return None if any(child["complete"] for child in scheme.get("children") or ()) else {}


def _scheme_status(answers, context, wanted):
    scheme, startdate = _entry(context, "scheme"), answers.get("startdate")
    if not scheme or startdate is None or not scheme["complete"]:
        return None
    status, day = periods.status_on(scheme, startdate)
    return {"name": scheme["name"], "date": in_words(day)} if status == wanted else None


@rule_function("core.scheme_deactivated_on_startdate")
def scheme_deactivated_on_startdate(answers, context):
    return _scheme_status(answers, context, periods.DEACTIVATED)


@rule_function("core.scheme_reactivating_after_startdate")
def scheme_reactivating_after_startdate(answers, context):
    return _scheme_status(answers, context, periods.REACTIVATING_SOON)


@rule_function("core.scheme_activating_after_startdate")
def scheme_activating_after_startdate(answers, context):
    return _scheme_status(answers, context, periods.ACTIVATING_SOON)


@rule_function("core.scheme_without_active_location_on_startdate")
def scheme_without_active_location_on_startdate(answers, context):
    scheme, startdate = _entry(context, "scheme"), answers.get("startdate")
    if not scheme or startdate is None or not periods.active_on(scheme, startdate):
        return None  # an inactive scheme is the rules above
    locations = [child for child in scheme.get("children") or () if child["complete"]]
    if not locations:
        return None  # no confirmed location: scheme_has_confirmed_location
    return None if any(periods.active_on(child, startdate) for child in locations) else {"name": scheme["name"]}


def _location_status(answers, context, wanted):
    location, startdate = _entry(context, "location"), answers.get("startdate")
    if not location or startdate is None or not location["complete"]:
        return None
    status, day = periods.status_on(location, startdate)
    if status not in wanted:
        return None
    return {"postcode": location["fields"].get("postcode") or location["name"], "date": in_words(day)}


@rule_function("core.location_deactivated_on_startdate")
def location_deactivated_on_startdate(answers, context):
    return _location_status(answers, context, {periods.DEACTIVATED})


@rule_function("core.location_not_yet_available_on_startdate")
def location_not_yet_available_on_startdate(answers, context):
    return _location_status(answers, context, {periods.REACTIVATING_SOON, periods.ACTIVATING_SOON})


@rule_function("core.location_incomplete")
def location_incomplete(answers, context):
    location = _entry(context, "location")
    return {} if location and not location["complete"] else None


def _postcode(text):
    return "".join(str(text or "").split()).upper()


@rule_function("core.postcode_differs_from_location")
def postcode_differs_from_location(answers, context):
    location = _entry(context, "location")
    if not location or answers.get("postcode_full") is None or not location["fields"].get("postcode"):
        return None
    return {} if _postcode(answers["postcode_full"]) != _postcode(location["fields"]["postcode"]) else None


@rule_function("core.scheme_only_location_outside_england")
def scheme_only_location_outside_england(answers, context):
    """Supported housing whose scheme has one location, outside England."""
    scheme = _entry(context, "scheme")
    if answers.get("needstype") != 2 or not scheme:
        return None
    locations = scheme.get("children") or ()
    if len(locations) != 1:
        return None
    la = str(locations[0]["fields"].get("local_authority") or "")
    return {} if la and not la.startswith("E") else None


@rule_function("core.supported_rent_below_hard_min")
def supported_rent_below_hard_min(answers, context):
    """The hard rent minimum for supported housing, where the local authority comes from the location."""
    return rent_below_hard_min(answers, context) if answers.get("needstype") == 2 else None


@rule_function("core.supported_rent_above_hard_max")
def supported_rent_above_hard_max(answers, context):
    return rent_above_hard_max(answers, context) if answers.get("needstype") == 2 else None
