"""How fast the submission API takes complete CORE lettings records: a batch of 1,000
validated and stored (the target: under 5 seconds), the same batch validated only and
sent again, and records created (and validated) one call at a time. Every call goes
through the real views, as a housing management system's would: Django's test client,
with a Bearer key, on the bench service's domain, so the key check, the rate limit,
JSON parsing, the gateway, the database and the call log are all in the figures (the
network and the web server are not).

    scripts/services up
    .venv/bin/python bench/api.py                  # a batch of 1,000; 200 single calls
    .venv/bin/python bench/api.py -n 1000 --singles 500

It uses its own database (cldc_bench_api, made if missing, dropped afterwards unless
--keep) with one service, like bench/upload_pipeline.py. The records are
bench/engine.py's: varied and complete (general needs and supported housing, renewals,
households of one to six, every rent period, incomes and rents inside their ranges,
owners that are a PRP and a local authority), each with its own tenancy code, as JSON
with typed values. Figures are printed, never asserted.
"""

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "cldc_bench_api"  # not cldc_bench: bench/upload_pipeline.py may run at the same time
DOMAIN = "bench.localhost"
TARGET_SECONDS = 5


def set_up():
    """The bench service, a PRP with a local authority as its child, a coordinator of
    both, and an API key of the PRP's (which acts for both)."""
    from django.core.management import call_command

    from cldc.api.keys import create_client
    from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
    from cldc.platform.people.models import User
    from cldc.platform.tenancy.launch import launch_service
    from cldc.platform.tenancy.models import Service
    from upload_pipeline import agreements_accepted

    call_command("migrate_schemas", "--shared", verbosity=0)
    if not Service.objects.filter(schema_name="bench").exists():
        launch_service("bench", DOMAIN, "Bench", collections=["core"])
    owners = {
        "prp": Organisation.objects.get_or_create(name="Bench Homes", defaults={"type": "prp",
                                                                                "regulator_number": "LH9999"})[0],
        "local_authority": Organisation.objects.get_or_create(name="Bench Council",
                                                              defaults={"type": "local_authority"})[0],
    }
    OrganisationRelationship.objects.get_or_create(parent=owners["prp"], child=owners["local_authority"],
                                                   defaults={"kind": "stock_owner"})
    person = User.objects.filter(email="bench@example.com").first() or User.objects.create_user(
        "bench@example.com", "bench-password-not-used", name="Bench")
    for organisation in owners.values():  # an assignee is a member of the log's own organisation, in every channel
        Membership.objects.get_or_create(user=person, organisation=organisation, defaults={"role": "data_coordinator"})
    agreements_accepted(*owners.values())
    from django_tenants.utils import schema_context

    with schema_context("bench"):
        key = create_client(name="Bench system", created_by=person, organisation=owners["prp"]).key
    return owners, person, key, supported_housing(owners)


def supported_housing(owners):
    """{provider: (scheme code, location code, location postcode)}: a scheme of each
    owner's, from CORE's demo schemes, for the supported housing records (a log names a
    scheme of its organisation, and its address is the location's)."""
    from django_tenants.utils import schema_context

    from cldc.platform.registers import demo
    from cldc.platform.registers.models import Entry
    from cldc.platform.tenancy.models import Service

    demo.seed(Service.objects.get(schema_name="bench"),
              {"parent": owners["prp"], "child": owners["local_authority"], "council": owners["local_authority"]})
    found = {}
    with schema_context("bench"):
        for provider, organisation in owners.items():
            scheme = Entry.objects.of("core", "scheme").filter(owner=organisation).order_by("pk").first()
            location = Entry.objects.filter(parent=scheme).order_by("pk").first()
            found[provider] = (scheme.code, location.code, location.answers["postcode"])
    return found


def payloads(count, seed, owners, person, prefix, schemes):
    """`count` create payloads: bench/engine.py's records as the API takes them."""
    from engine import lettings_record

    from cldc.platform import registry
    from cldc.platform.definitions.values import normalise, to_json

    definition = registry.get("core").definition("lettings", 2026)
    fields = definition.record_fields
    rng = random.Random(seed)
    found = []
    for number in range(count):
        answers, provider = lettings_record(rng)
        for variable in fields.values():
            answers.pop(variable)
        answers["tenancycode"] = f"{prefix}{number:05d}"  # one reference each: a batch is keyed on it
        if "scheme_id" in answers:
            answers["scheme_id"], answers["location_id"], answers["postcode_full"] = schemes[provider]
        values, errors = normalise(definition, answers)
        assert not errors, errors
        found.append({"record_type": "lettings", "version": 2026, "organisation": f"ORG{owners[provider].pk}",
                      "answers": {**to_json(values), fields["assigned_to"]: person.email}})
    return found


def report(stage, seconds, records, outcome):
    print(f"{stage:34} {seconds:6.2f} s  {records / seconds:7,.0f} records/s  {outcome}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--batch", type=int, default=1000, help="records in the batch (at most 1,000)")
    parser.add_argument("--singles", type=int, default=200, help="records sent one call at a time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the cldc_bench_api database afterwards")
    args = parser.parse_args()

    os.environ["CLDC_DB_NAME"] = DATABASE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    from upload_pipeline import drop_database, make_database

    make_database(DATABASE)
    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record

    settings.CLDC_API_RATE_LIMIT = "1000000/minute"  # one client sends everything here
    try:
        owners, person, key, schemes = set_up()
        with schema_context("bench"):
            Record.objects.all().delete()
        api = Client(HTTP_HOST=DOMAIN, HTTP_AUTHORIZATION=f"Bearer {key}")

        def post(path, body):
            response = api.post(f"/api/v1/{path}", json.dumps(body), content_type="application/json")
            assert response.status_code in (200, 201), (response.status_code, response.content[:1000])
            return response.json()

        warm_up = payloads(20, args.seed + 1, owners, person, "WARM-", schemes)
        post("records/batch/?validate_only=true", {"records": warm_up})  # caches: definitions, rule packs, tables

        batch = payloads(args.batch, args.seed, owners, person, "BATCH-", schemes)
        size = len(json.dumps({"records": batch}).encode())
        print(f"batch of {args.batch:,} records, {size / 1e6:.1f} MB of JSON; target for storing it: "
              f"under {TARGET_SECONDS} s")
        for stage, path in (("batch, validate only", "records/batch/?validate_only=true"),
                            ("batch, validated and stored", "records/batch/"),
                            ("the same batch again (no change)", "records/batch/")):
            started = time.perf_counter()
            answer = post(path, {"records": batch})
            seconds = time.perf_counter() - started
            statuses = Counter(result["status"] for result in answer["results"])
            report(stage, seconds, args.batch, f"{answer['counts']}, statuses {dict(statuses)}")

        singles = payloads(args.singles, args.seed + 2, owners, person, "SINGLE-", schemes)
        for stage, path in (("single validate-only calls", "records/validate/"), ("single creates", "records/")):
            statuses = Counter()
            started = time.perf_counter()
            for body in singles:
                statuses[post(path, body)["status"]] += 1
            report(stage, time.perf_counter() - started, args.singles, f"statuses {dict(statuses)}")
        with schema_context("bench"):
            print(f"records stored: {Record.objects.count():,}")
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
