"""The demo's records (`make run`): made from each package's worked example, through the
gateway, for each organisation with its own reference, once."""

from django_tenants.utils import schema_context

from cldc.platform.cli.demo import example_records
from cldc.platform.records.models import Record


def test_demo_records_come_from_the_worked_example_once(visits_service, make_organisation, make_person):
    council = make_organisation("Demo Test Council", type="local_authority")
    officer = make_person("demo-officer@council.example", council, role="data_coordinator")
    assert example_records(visits_service, [council], 3) == 3
    with schema_context("visits"):
        records = list(Record.objects.order_by("pk"))
        assert [(r.answers["visitref"], r.status, r.owning_organisation, r.assigned_to) for r in records] == [
            (f"DEMO-{council.pk}-{n}", "completed", council, officer) for n in (1, 2, 3)]
    assert example_records(visits_service, [council], 3) == 0  # a service with records is left as it is
