"""`cldc demo` gives the demo's organisations CORE's demo schemes and locations
(registers/scheme.yaml `demo:`), once: run again, it adds nothing."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.registers.demo import seed
from cldc.platform.registers.models import Deactivation, Entry


def test_the_demo_schemes_are_made_once(core_service, orgs, make_organisation):
    organisations = {**orgs, "council": make_organisation("Demo test council", type="local_authority")}
    lines = seed(core_service, organisations)
    assert lines == ["Made 9 demo schemes and locations in core."]
    assert seed(core_service, organisations) == []
    with schema_context("core"):
        schemes = {e.name: e for e in Entry.objects.filter(register="scheme")}
        assert sorted(schemes) == ["Borough Refuge", "Hope House", "Riverside Court", "Station Road Foyer"]
        assert schemes["Hope House"].manager == orgs["child"] and schemes["Borough Refuge"].owner == organisations["council"]
        assert Entry.objects.filter(register="location", parent=schemes["Hope House"]).count() == 2
        assert [(d.deactivated_on, d.reactivated_on) for d in Deactivation.objects.all()] == [
            (dt.date(2026, 6, 1), dt.date(2027, 1, 1))]
