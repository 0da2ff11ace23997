"""How fast the bulk-upload pipeline checks and imports a large file: a 100,000-row
CORE lettings file in the official template layout, through `Importer` (the code the
Celery worker and `cldc upload` run), against the project's PostgreSQL.

    scripts/services up
    .venv/bin/python bench/upload_pipeline.py            # 100,000 rows
    .venv/bin/python bench/upload_pipeline.py -n 10000
    .venv/bin/python bench/upload_pipeline.py --processes 1   # judged in this process only

It uses its own database (cldc_bench, made if missing, dropped afterwards unless
--keep; --database to use another) with one service. The rows repeat the official
template's data row with a different tenant code each (bench/read_files.py), so every
row is a new, complete log. Three stages, each timed, with rows a second and peak
memory (resident, all of Django included: this process, and the largest judging
process, a fork that shares most of its pages with this one) printed, never asserted:

1. check: a dry run (every row through the gateway, nothing stored);
2. import: what an upload with no errors does: one pass in one transaction, each
   row through the gateway, then a record and its first revision;
3. re-import: the same file again, which must change nothing;
4. raw COPY: the stored records' answers and derived values, as JSONB, into a scratch
   table by PostgreSQL's COPY (psycopg's `cursor.copy`): the floor the import is
   compared with (the ratio printed is the import's speed over the COPY's).

Each stage also prints its CPU time a row: this process's, and its judging processes'.

Rows are judged in CLDC_UPLOAD_PROCESSES processes (one a CPU by default) while this
one reads, converts and stores (platform/uploads/judging.py).
"""

import argparse
import itertools
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "cldc_bench"


def peak_mb(who=resource.RUSAGE_SELF):
    return resource.getrusage(who).ru_maxrss / 1024


def judging_memory():
    children = peak_mb(resource.RUSAGE_CHILDREN)  # the largest judging process that has ended
    return f" (a judging process {children:,.0f} MB)" if children else ""


def cpu_seconds():
    """(this process's, its ended children's) user + system CPU seconds so far."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def raw_copy_seconds(database, batch=2000):
    """Seconds PostgreSQL's COPY (psycopg's `cursor.copy`, in one transaction) takes to
    store the stored records' answers and derived values as JSONB in a scratch table of
    this database: their JSON written by psycopg, the rows sent, the commit. Records are
    read `batch` at a time by another connection, untimed, so memory holds one batch."""
    import psycopg
    from psycopg.types.json import Jsonb

    from cldc.platform.records.models import Record

    seconds = 0.0
    with psycopg.connect(host="127.0.0.1", port=os.environ.get("CLDC_DB_PORT", "54329"), user="postgres",
                         dbname=database) as connection:
        connection.execute("DROP TABLE IF EXISTS public.bench_raw_copy")
        connection.execute("CREATE TABLE public.bench_raw_copy (answers jsonb NOT NULL, derived jsonb NOT NULL)")
        connection.commit()
        rows = Record.objects.order_by("pk").values_list("answers", "derived").iterator(chunk_size=batch)
        with connection.cursor() as cursor:
            started = time.perf_counter()
            with cursor.copy("COPY public.bench_raw_copy (answers, derived) FROM STDIN") as copy:
                seconds += time.perf_counter() - started
                while records := list(itertools.islice(rows, batch)):
                    started = time.perf_counter()
                    for answers, derived in records:
                        copy.write_row((Jsonb(answers), Jsonb(derived)))
                    seconds += time.perf_counter() - started
                started = time.perf_counter()
            connection.commit()
            seconds += time.perf_counter() - started
        connection.execute("DROP TABLE public.bench_raw_copy")
        connection.commit()
    return seconds


def make_database(name):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=os.environ.get("CLDC_DB_PORT", "54329"), user="postgres",
                         dbname="postgres", autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def drop_database(name):
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(host="127.0.0.1", port=os.environ.get("CLDC_DB_PORT", "54329"), user="postgres",
                         dbname="postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def write_file(path, rows, organisation):
    """The official template, `rows` data rows, owned by `organisation`."""
    import csv

    from read_files import data_rows, template_rows

    from cldc.platform import registry

    definition = registry.get("core").definition("lettings", 2026)
    headings, _, _ = template_rows()
    numbers = next(row for row in headings if row and row[0] == "Field number")
    at = {int(n): i for i, n in enumerate(numbers) if n.strip().isdigit()}
    owners = [at[definition.variables[definition.record_fields[name]].bulk_upload["fields"][0]]
              for name in ("owning_organisation", "managing_organisation")]
    assignee = at[definition.variables[definition.record_fields["assigned_to"]].bulk_upload["fields"][0]]
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerows(headings)
        for row in data_rows(rows):
            for column in owners:
                row[column] = f"ORG{organisation.pk}"
            row[assignee] = ""
            writer.writerow(row)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the cldc_bench database afterwards")
    parser.add_argument("--profile", choices=["check", "import"], help="profile a stage (cProfile, top 25 by own time)")
    parser.add_argument("--processes", type=int, help="judging processes (CLDC_UPLOAD_PROCESSES; default: one a CPU)")
    parser.add_argument("--database", default=DATABASE, help=f"the database to make and drop (default {DATABASE})")
    args = parser.parse_args()

    os.environ["CLDC_DB_NAME"] = args.database
    if args.processes:
        os.environ["CLDC_UPLOAD_PROCESSES"] = str(args.processes)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    make_database(args.database)
    import django

    django.setup()
    from django.conf import settings
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.importer import Importer

    try:
        council, person = bench_coordinator("core")

        with tempfile.TemporaryDirectory() as folder, schema_context("bench"):
            Record.objects.all().delete()
            path = Path(folder) / "lettings.csv"
            started = time.perf_counter()
            write_file(path, args.rows, council)
            print(f"wrote {args.rows:,} rows ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s; "
                  f"judging processes: {settings.CLDC_UPLOAD_PROCESSES}")

            def run(dry_run, stage):
                upload = Upload.objects.create(collection="core", record_type="lettings", version=2026,
                                               organisation=council, user=person, filename=path.name,
                                               path=str(path), dry_run=dry_run)
                started = time.perf_counter()
                if args.profile == stage:
                    import cProfile
                    import pstats

                    profile = cProfile.Profile()
                    profile.runcall(Importer(upload).run)
                    pstats.Stats(profile).sort_stats("tottime").print_stats(25)
                else:
                    Importer(upload).run()
                return upload, time.perf_counter() - started

            timings = {}
            for stage, dry_run in (("check (dry run)", True), ("import", False), ("re-import", False)):
                own, children = cpu_seconds()
                upload, seconds = run(dry_run, stage.split()[0])
                own, children = (now - before for now, before in zip(cpu_seconds(), (own, children)))
                timings[stage] = seconds
                print(f"{stage:16} {seconds:7.1f} s  {args.rows / seconds:7,.0f} rows/s  status {upload.status}, "
                      f"created {upload.created:,}, unchanged {upload.unchanged:,}, rejected {upload.rejected:,}; "
                      f"CPU a row {own / args.rows * 1000:.3f} ms here + {children / args.rows * 1000:.3f} ms judging; "
                      f"peak memory so far {peak_mb():,.0f} MB{judging_memory()}")
            stored = Record.objects.count()
            print(f"records stored: {stored:,}")
            copy_seconds = raw_copy_seconds(args.database)
            print(f"raw COPY         {copy_seconds:7.1f} s  {stored / copy_seconds:7,.0f} rows/s  (answers and derived "
                  f"values as JSONB, psycopg's cursor.copy); the import at {copy_seconds / timings['import']:.3f} x "
                  "the COPY's speed")
    finally:
        if not args.keep:
            drop_database(args.database)


def bench_service(collection):
    """The shared schema migrated and the bench service (bench.localhost, collecting
    `collection`) launched if missing. Run after django.setup(), on the bench database."""
    from django.core.management import call_command

    from cldc.platform.tenancy.launch import launch_service
    from cldc.platform.tenancy.models import Service

    call_command("migrate_schemas", "--shared", verbosity=0)
    if not Service.objects.filter(schema_name="bench").exists():
        launch_service("bench", "bench.localhost", "Bench", collections=[collection])


def agreements_accepted(*organisations):
    """Each organisation's data sharing agreement accepted: CORE makes no records for an
    organisation until it has (platform/organisations/agreements.py)."""
    import datetime as dt

    from cldc.platform.organisations.models import DataSharingAgreement

    for organisation in organisations:
        DataSharingAgreement.objects.get_or_create(organisation=organisation, defaults={
            "accepted_by_name": "The bench's data protection officer", "accepted_on": dt.date(2026, 4, 1)})


def bench_coordinator(collection):
    """The bench service (bench_service) and its council's data coordinator: (council, person)."""
    from cldc.platform.organisations.models import Membership, Organisation
    from cldc.platform.people.models import User

    bench_service(collection)
    council, _ = Organisation.objects.get_or_create(name="Bench Council",
                                                    defaults={"type": "local_authority", "ons_code": "E09999999"})
    person = User.objects.filter(email="bench@example.com").first() or User.objects.create_user(
        "bench@example.com", "bench-password-not-used", name="Bench")
    Membership.objects.get_or_create(user=person, organisation=council, defaults={"role": "data_coordinator"})
    agreements_accepted(council)
    return council, person


if __name__ == "__main__":
    main()
