"""Run a version's rules over a service's existing records."""

import json

from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.rules.backtest import backtest

HELP = "Back-test a version's rules over a service's existing records: how many would fail, per rule."


def add_arguments(parser):
    parser.add_argument("--service", required=True, help="the service (schema) whose records to test, e.g. core")
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int)


def run(options, out):
    from cldc.platform.records.models import Record
    from cldc.platform.tenancy.models import Service

    if not Service.objects.filter(schema_name=options["service"]).exists():
        raise LookupError(f"No service called {options['service']!r}")
    collection = registry.get(options["collection"])
    with schema_context(options["service"]):
        records = Record.objects.filter(collection=collection.name, record_type=options["record_type"]).select_related(
            "owning_organisation", "managing_organisation"
        )
        report = backtest(collection, options["record_type"], options["version"], records.iterator())
    out.write(json.dumps(report, indent=2))
