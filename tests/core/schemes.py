"""Making CORE schemes and locations in the test service, as the pages store them."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.registers import declaration
from cldc.platform.registers.models import Deactivation
from cldc.platform.registers.store import save_entry

SCHEME = {"service_name": "Hope House", "sensitive": 0, "scheme_type": 6, "registered_under_care_act": 1,
          "arrangement_type": "D", "primary_client_group": "Q", "has_other_client_group": 0, "support_type": 3,
          "intended_stay": "M"}
LOCATION = {"postcode": "SW1A 2AA", "name": "Station Road", "local_authority": "E09000033", "units": 5,
            "type_of_unit": 4, "mobility_type": "W", "startdate": "2020-04-01"}


def _answers(register, given):
    values, errors = normalise(register.fields, given)
    assert not errors, errors
    return to_json({k: v for k, v in values.items() if v is not None})


def make_scheme(owner, manager=None, locations=({},), deactivations=(), **fields):
    """A complete scheme of `owner` with its locations (each LOCATION changed by a dict),
    deactivated for each (from, until) given. Returns (scheme, [locations])."""
    scheme_register = declaration.register("core", "scheme")
    with schema_context("core"):
        scheme = save_entry(scheme_register, None, None, owner, manager, _answers(scheme_register, {**SCHEME, **fields}),
                            None)
        for start, end in deactivations:
            Deactivation.objects.create(entry=scheme, deactivated_on=start, reactivated_on=end)
        made = [save_entry(scheme_register.child, None, scheme, owner, manager,
                           _answers(scheme_register.child, {**LOCATION, **changes}), None) for changes in locations]
    return scheme, made


def deactivate(entry, start, end=None):
    with schema_context("core"):
        Deactivation.objects.create(entry=entry, deactivated_on=start, reactivated_on=end)


MAY_2026 = dt.date(2026, 5, 4)
