"""How fast the national data-quality page answers with a million records: N CORE
lettings records 2026/27 across several hundred organisations, made in the database
(one through the gateway, the rest copied from it by generate_series, with varied
owners, statuses, errors, soft checks and completion days), the summaries kept by the
triggers as the rows go in; then the page (/quality/) fetched as an analyst through
Django's test client, the median of several runs printed, never asserted. Target
(issue 13): under 500 ms with 1,000,000 records.

    scripts/services up
    .venv/bin/python bench/quality.py                         # 1,000,000 records, 400 organisations
    .venv/bin/python bench/quality.py --records 100000 --organisations 50 --runs 5

It uses its own database (cldc_bench_quality, made if missing, dropped afterwards unless
--keep).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
from exports import database  # noqa: E402  (bench/exports.py: makes or drops a bench database)
from upload_pipeline import agreements_accepted, bench_service  # noqa: E402

DATABASE = "cldc_bench_quality"
BATCH = 100_000  # rows a statement: each statement's changes are counted at once by the triggers


def organisations(count):
    from cldc.platform.organisations.models import Organisation

    existing = list(Organisation.objects.filter(name__startswith="Bench org ").order_by("pk"))
    Organisation.objects.bulk_create(
        Organisation(name=f"Bench org {n:04}", type="prp", regulator_number=f"L{n:04}")
        for n in range(len(existing), count))
    made = Organisation.objects.filter(name__startswith="Bench org ").order_by("pk")
    agreements_accepted(*made)
    return list(made.values_list("pk", flat=True))


def fill(size, owners):
    """`size` lettings records: one through the gateway, the rest copied by the database."""
    import datetime as dt

    from django.db import connection, transaction
    from django.db.models import Sum
    from django_tenants.utils import schema_context

    from cldc.platform import registry
    from cldc.platform.organisations.models import Organisation
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record
    from cldc.platform.quality.models import Summary
    from cldc.platform.windows.models import CollectionWindow

    pack = registry.get("core").rule_pack("lettings", 2026)
    soft = [rule.id for rule in pack.rules if rule.severity == "soft" and rule.runs][:4]
    example = registry.get("core").file("example", record_type="lettings", version=2026)
    first = Organisation.objects.get(pk=owners[0])
    with schema_context("bench"):
        Record.objects.all().delete()
        record = Record(collection="core", record_type="lettings", version=2026, owning_organisation=first,
                        managing_organisation=first)
        answers = {**json.loads(example.read_text())["answers"], "owning_organisation_id": first.pk,
                   "managing_organisation_id": first.pk}
        submit(record, answers, "api", today=dt.date(2026, 9, 1))
        # Every 5th in progress, every 20th with two errors, every 7th with a soft check
        # confirmed and every 11th with one corrected, completion days spread over a year.
        for start in range(2, size + 1, BATCH):
            end = min(start + BATCH - 1, size)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "INSERT INTO records_record (collection, record_type, version, owning_organisation_id, "
                    "managing_organisation_id, status, answers, derived, confirmations, soft_checks, error_count, "
                    "completed_at, provider_reference, duplicate_key, source, lock_version, created_at, updated_at) "
                    "SELECT collection, record_type, version, (%(owners)s::bigint[])[1 + g %% %(n)s], "
                    "(%(owners)s::bigint[])[1 + g %% %(n)s], "
                    "CASE WHEN g %% 5 = 0 THEN 'in_progress' ELSE 'completed' END, answers, derived, confirmations, "
                    "CASE WHEN g %% 7 = 0 THEN jsonb_build_object((%(soft)s::text[])[1 + g %% %(k)s], 'confirmed') "
                    "     WHEN g %% 11 = 0 THEN jsonb_build_object((%(soft)s::text[])[1 + g %% %(k)s], 'corrected') "
                    "     ELSE '{}'::jsonb END, "
                    "CASE WHEN g %% 20 = 0 THEN 2 ELSE 0 END, "
                    "CASE WHEN g %% 5 = 0 THEN NULL ELSE timestamptz '2026-04-01' + (g %% 430) * interval '1 day' END, "
                    "'', '', source, 1, now(), now() "
                    "FROM records_record, generate_series(%(start)s, %(end)s) AS g WHERE id = %(id)s",
                    {"owners": owners, "n": len(owners), "soft": soft, "k": len(soft), "start": start, "end": end,
                     "id": record.pk})
        # A deadline already passed, so that the page counts the logs after it too.
        CollectionWindow.objects.filter(collection="core", record_type="lettings", version=2026).update(
            submission_deadline=dt.date(2026, 10, 1))
        counted = Summary.objects.aggregate(total=Sum("logs"))["total"]
        return Record.objects.count(), counted


def save_cost(runs, owners):
    """Median milliseconds of one change through the gateway, with the triggers and
    without: a change no figure sees (a tenancy code; the triggers skip it), and one
    that moves the record to another owner (two summary rows change)."""
    import datetime as dt

    from django.db import connection
    from django_tenants.utils import schema_context

    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record

    changes = {"no figure changes": lambda n: {"tenancycode": f"BENCH-{n}"},
               "another owner": lambda n: {"owning_organisation_id": owners[n % 2]}}
    found = {}
    with schema_context("bench"):
        record = Record.objects.order_by("pk").first()
        try:
            for triggers in ("ENABLE", "DISABLE"):
                with connection.cursor() as cursor:
                    cursor.execute(f"ALTER TABLE records_record {triggers} TRIGGER USER")
                for what, change in changes.items():
                    times, statuses = [], set()
                    for n in range(runs):
                        started = time.perf_counter()
                        statuses.add(submit(record, change(n), "api", today=dt.date(2026, 9, 1)).status)
                        times.append((time.perf_counter() - started) * 1000)
                    found[(what, triggers)] = (statistics.median(times), sorted(statuses))
        finally:
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE records_record ENABLE TRIGGER USER")
    return found


def analyst_client():
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from cldc.platform.people.models import User

    person = User.objects.filter(email="analyst@bench.example").first() or User.objects.create_user(
        "analyst@bench.example", "bench-password-2026", name="Bench Analyst", staff_role="analyst")
    client = Client(HTTP_HOST="bench.localhost")
    client.force_login(person)
    device, _ = TOTPDevice.objects.get_or_create(user=person, confirmed=True, defaults={"name": "Bench"})
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def timed(client, path, runs):
    """Milliseconds of each of `runs` fetches (after one to warm up)."""
    assert client.get(path).status_code == 200
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--organisations", type=int, default=400)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    args = parser.parse_args()

    os.environ.update({"CLDC_DB_NAME": DATABASE, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings"})
    database(DATABASE)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection


    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "bench.localhost"]
    try:
        bench_service("core")
        owners = organisations(args.organisations)
        started = time.perf_counter()
        count, counted = fill(args.records, owners)
        print(f"{count:,} records across {len(owners)} organisations made in {time.perf_counter() - started:.1f} s; "
              f"the summaries, kept by the triggers as they went in, count {counted:,}")
        with connection.cursor() as cursor:  # as autovacuum would soon after: plans for a million rows, not none
            cursor.execute("ANALYZE bench.records_record")
        connection.set_schema_to_public()
        client = analyst_client()
        year = "record_type=core:lettings&year=2026"
        for what, path in [("national page", f"/quality/?{year}"),
                           ("national page sorted by errors", f"/quality/?{year}&sort=errors&order=desc"),
                           ("one organisation's completed logs", f"/quality/records/?{year}&organisation={owners[0]}"
                                                                 "&figure=completed")]:
            times = timed(client, path, args.runs)
            print(f"  {what:36} median {statistics.median(times):6.0f} ms  (best {min(times):.0f}, "
                  f"worst {max(times):.0f}, {args.runs} runs)")
        print("One change through the gateway (submit), median of 40:")
        for (what, triggers), (median, statuses) in save_cost(40, owners[1:3]).items():
            print(f"  {what:22} triggers {triggers.lower()}d  {median:5.1f} ms  (statuses {', '.join(statuses)})")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database(DATABASE, drop=True)


if __name__ == "__main__":
    main()
