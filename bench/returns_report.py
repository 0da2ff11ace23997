"""How fast a return's quality report is made for a large local authority: two quarters'
submitted returns of N H-CLIC cases each (July to September and October to December
2025), their snapshot rows copied by generate_series from a few dozen varied cases made
through the gateway (so every table has figures in many columns); then the report of
the later quarter (every table, each figure against the earlier quarter's), timed as
the counting alone and as the whole page fetched by the council's coordinator through
Django's test client. The median of several runs is printed, never asserted. Target
(issue 14): 2 s for 20,000 cases.

    scripts/services up
    .venv/bin/python bench/returns_report.py                       # 20,000 cases a quarter
    .venv/bin/python bench/returns_report.py --cases 100000 --runs 3

It uses its own database (cldc_bench_returns_report, made if missing, dropped afterwards
unless --keep).
"""

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
from exports import database  # noqa: E402  (bench/exports.py: makes or drops a bench database)
from upload_pipeline import bench_service  # noqa: E402

DATABASE = "cldc_bench_returns_report"
TEMPLATES = 48  # varied cases made through the gateway, copied into the snapshots


def varied(n, quarter_start):
    """The answers of template case n: outcomes, reasons, needs, duty ends and placements in turn."""
    day = quarter_start + dt.timedelta(days=n % 60)
    answers = {"caseref": f"TEMPLATE-{n}", "appdate": day.isoformat(), "assessdate": day.isoformat(),
               "assessoutcome": 1 + n % 3, "reason": 1 + n % 28, "supportneeds": 1 + n % 2}
    if answers["assessoutcome"] == 1:
        answers.update(s21notice=1 + n % 2, preventend=[1, 2, 3, 4, 5, 6, 7, 9, 10, 11][n % 10],
                       preventenddate=(day + dt.timedelta(days=20)).isoformat())
        if answers["preventend"] == 3:
            answers["reliefstartdate"] = answers["preventenddate"]
    if answers["supportneeds"] == 1:
        needs = ["sn_mentalhealth", "sn_physical", "sn_drugs", "sn_alcohol", "sn_domesticabuse", "sn_offending"]
        answers.update({need: 1 for need in needs[n % 6:n % 6 + 1 + n % 3]})
    if n % 4:  # three in four placed in temporary accommodation
        answers.update(taplacements=1, tatype1=1 + n % 6, taoutside1=1 + n % 2,
                       tastart1=(day + dt.timedelta(days=1)).isoformat())
    return answers


def fill(cases):
    """The council, its coordinator, and its two submitted returns of `cases` cases each."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from cldc.platform.organisations.models import Membership, Organisation
    from cldc.platform.people.models import User
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record
    from cldc.platform.returns.declarations import Period
    from cldc.platform.returns.models import Return, Snapshot, SnapshotRecord, Status

    council, _ = Organisation.objects.get_or_create(name="Bench Borough Council", defaults={
        "type": "local_authority", "ons_code": "E09000999"})
    person = User.objects.filter(email="coordinator@bench.example").first() or User.objects.create_user(
        "coordinator@bench.example", "bench-password-2026", name="Bench Coordinator")
    Membership.objects.get_or_create(user=person, organisation=council, defaults={"role": "data_coordinator"})
    periods = [Period(2025, 2), Period(2025, 3)]
    with schema_context("bench"):
        Return.objects.all().delete()
        Record.objects.all().delete()
        for period in periods:
            templates = []
            for n in range(TEMPLATES):
                record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                                managing_organisation=council)
                outcome = submit(record, varied(n + period.number, period.start), "api", today=period.end)
                assert outcome.saved, outcome.errors
                templates.append(record.pk)
            made = Return.objects.create(organisation=council, collection="hclic", record_type="case",
                                         year=period.year, number=period.number, status=Status.SUBMITTED)
            snapshot = Snapshot.objects.create(return_made=made, version=1, submitted_by=person)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO {SnapshotRecord._meta.db_table} (snapshot_id, record_id, record_number, version, "
                    "reference, reasons, answers, derived, late, revised, lock_version) "
                    "SELECT %s, t.id, g, 2025, 'CASE-' || g, '[\"Bench\"]', "
                    "t.answers || jsonb_build_object('caseref', 'CASE-' || g), t.derived, false, false, 1 "
                    "FROM generate_series(1, %s) g JOIN (SELECT id, answers, derived, "
                    "row_number() OVER (ORDER BY id) - 1 AS n FROM records_record WHERE id = ANY(%s)) t "
                    "ON t.n = g %% %s", [snapshot.pk, cases, templates, len(templates)])
            print(f"{period.long_label}: {snapshot.records.count():,} cases frozen")
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SnapshotRecord._meta.db_table}")
    return council, person, periods[-1]


def coordinator_client(person):
    from django.test import Client

    client = Client(HTTP_HOST="bench.localhost")
    client.force_login(person)
    return client


def timed(run, runs):
    """Milliseconds of each of `runs` calls (after one to warm up)."""
    run()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    args = parser.parse_args()

    os.environ.update({"CLDC_DB_NAME": DATABASE, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings"})
    database(DATABASE)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django_tenants.utils import schema_context

    from cldc.platform.returns.declarations import returns_of
    from cldc.platform.returns.models import Return
    from cldc.platform.returns.report import report, return_sources

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "bench.localhost"]
    try:
        bench_service("hclic")
        council, person, period = fill(args.cases)
        declared = returns_of("hclic", "case")

        def counted():
            with schema_context("bench"):
                made = Return.objects.get(organisation=council, year=period.year, number=period.number)
                current, previous, _ = return_sources(person, declared, council, period, made)
                return report(declared, council, period, current, previous, council.name)

        figures = counted()
        print(f"{len(figures)} tables, {sum(len(f.layout.columns) for f in figures)} columns, "
              f"{sum(f.flagged for f in figures)} figures flagged")
        times = timed(counted, args.runs)
        print(f"report counted (every table, this quarter and the previous): median {statistics.median(times):.0f} ms "
              f"of {args.runs} (fastest {min(times):.0f}, slowest {max(times):.0f})")
        connection.set_schema_to_public()
        client = coordinator_client(person)
        path = f"/returns/{council.pk}/hclic/case/{period.key}/report/"

        def page():
            assert client.get(path).status_code == 200

        times = timed(page, args.runs)
        print(f"report page {path}: median {statistics.median(times):.0f} ms of {args.runs} "
              f"(fastest {min(times):.0f}, slowest {max(times):.0f})")
    finally:
        connection.close()
        if not args.keep:
            database(DATABASE, drop=True)


if __name__ == "__main__":
    main()
