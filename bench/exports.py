"""How fast exports run and how much memory they take: N complete CORE lettings records
2026/27 in the database, exported by `cldc export` (the command a schedule runs) to CSV,
Parquet and XLSX in CORE's first layout (`support`: the real service's support download,
232 columns), and to CORE's CDS XML (`core.cds`: its `cds` layout, 188 elements, zipped),
each in a process of its own so that its peak memory is its own.

    scripts/services up
    .venv/bin/python bench/exports.py                     # 100,000 then 1,000,000 records
    .venv/bin/python bench/exports.py --sizes 20000 --formats csv
    .venv/bin/python bench/exports.py --sizes 20000 --formats core.cds --database cldc_bench_cds
    .venv/bin/python bench/exports.py --sizes 200000 --formats csv --keep --reuse   # the records of the last --keep

It uses its own database (cldc_bench_exports, made if missing, dropped afterwards unless
--keep). One record goes through the gateway from CORE's worked example; the rest are
copies of it made by PostgreSQL (generate_series), so making a million takes seconds.
The flat tables exports read (platform/exports/flat.py) are made before the copies, as a
live service has them from its first export, so the copies go through their triggers; and
what those triggers add to storing a record is measured first (PostgreSQL's CPU µs a
record, 20,000 copies stored with and without them, each rolled back).

It prints records a second and peak resident memory (Django included) per format and
size, never asserted, and the CPU µs a record of the export's process and of the
database's backends, with what two cores would make at that cost if the export had them
to itself (the machine is shared, so the wall clock moves with other people's work).
Targets (issue 13): 50,000 a second for CSV and Parquet, 20,000 for CDS XML, memory
under 300 MB whatever the size.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
DATABASE = "cldc_bench_exports"
IMPORT_SAMPLE = 20_000  # records stored twice (rolled back) to measure what the flat rows' triggers cost
CORES = 2  # this machine's: the ceiling is what both would make if the export had them to itself


def database(name, drop=False):
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=os.environ.get("CLDC_DB_PORT", "54329"), user="postgres",
                         dbname="postgres", autocommit=True) as connection:
        if drop:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        elif not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def fill(size):
    """`size` complete lettings records in the bench service: one through the gateway, the
    rest copied from it by the database."""
    import datetime as dt

    from django.db import connection
    from django_tenants.utils import schema_context

    from cldc.platform import registry
    from cldc.platform.exports.columns import column_rows
    from cldc.platform.exports.layouts import Selection, layouts
    from cldc.platform.organisations.models import Organisation
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record
    from upload_pipeline import agreements_accepted

    council, _ = Organisation.objects.get_or_create(name="Bench Council", defaults={"type": "local_authority",
                                                                                    "ons_code": "E06000999"})
    agreements_accepted(council)
    example = registry.get("core").file("example", record_type="lettings", version=2026)
    with schema_context("bench"):
        Record.objects.all().delete()
        record = Record(collection="core", record_type="lettings", version=2026, owning_organisation=council,
                        managing_organisation=council)
        answers = {**json.loads(example.read_text())["answers"], "owning_organisation_id": council.pk,
                   "managing_organisation_id": council.pk}
        submit(record, answers, "api", today=dt.date(2026, 9, 1))
        # The flat tables a live service has had since its first export (exports/flat.py), so that
        # the copies below go through their triggers as an import's records would.
        for layout in layouts("core", "lettings", 2026).values():
            list(column_rows(Selection.of(layout), Record.objects.all()))
        # Every column copied (whatever columns the record has by now), but its keys and times.
        fresh = {"provider_reference": "''", "duplicate_key": "''", "lock_version": "1", "created_at": "now()",
                 "updated_at": "now()"}
        columns = [field.column for field in Record._meta.concrete_fields if field.column != "id"]
        copies = (f"INSERT INTO records_record ({', '.join(columns)}) "
                  f"SELECT {', '.join(fresh.get(column, column) for column in columns)} "
                  "FROM records_record, generate_series(2, %s) WHERE id = %s")
        with connection.cursor() as cursor:
            cost = import_cost(cursor, copies, record.pk)
            cursor.execute(copies, [size, record.pk])
        return record.status, Record.objects.count(), cost


def backend_cpu(cursor):
    """This connection's backend's CPU seconds so far (PostgreSQL runs on this machine)."""
    cursor.execute("SELECT pg_backend_pid()")
    fields = open(f"/proc/{cursor.fetchone()[0]}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def import_cost(cursor, copies, pk, count=IMPORT_SAMPLE):
    """What the flat rows' triggers add to storing a record: the database's CPU µs a record
    storing `count` copies, with the triggers and without (each rolled back)."""
    from django.db import transaction

    spent = {}
    for triggers in (False, True):
        with transaction.atomic():
            if not triggers:
                cursor.execute("SELECT tgname FROM pg_trigger WHERE tgrelid = 'records_record'::regclass "
                               "AND tgname LIKE 'exports_flat_%%'")
                for name, in cursor.fetchall():
                    cursor.execute(f'ALTER TABLE records_record DISABLE TRIGGER "{name}"')
            before = backend_cpu(cursor)
            cursor.execute(copies, [count + 1, pk])
            spent[triggers] = (backend_cpu(cursor) - before) / count * 1e6
            transaction.set_rollback(True)
    return spent[False], spent[True]


def held(size):
    """Whether the bench service holds `size` records already (--reuse)."""
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record

    with schema_context("bench"):
        return Record.objects.count() == size


# The export command, then the process's own peak memory (VmHWM: a fork's counter would
# start at this process's size, which exec does not reset for ru_maxrss), its CPU seconds
# (its threads included) and the CPU seconds of the database's backends (PostgreSQL runs on
# this machine: each backend of the bench database is read from /proc every 50 ms while the
# command runs, the last reading kept, so a backend that ends loses at most 50 ms). CPU
# seconds say what a change saves whatever else the machine is doing; the wall clock does not.
EXPORT = """
import os, sys, threading, time
import django
from django.core.management import call_command
from django.db import connection
django.setup()
backends, done = {}, threading.Event()
tick = os.sysconf("SC_CLK_TCK")
label = (" " + connection.settings_dict["NAME"] + " ").encode()

def read():
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if label in open(f"/proc/{pid}/cmdline", "rb").read() and int(pid) != os.getpid():
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                backends[pid] = (int(fields[11]) + int(fields[12])) / tick
        except OSError:  # ended meanwhile
            pass

def watch():
    while not done.wait(0.05):
        read()

read()
already = dict(backends)  # backends that were there before (the bench's own): only what they spend now
threading.Thread(target=watch, daemon=True).start()
before = sum(os.times()[:2])
started = time.perf_counter()
try:
    call_command(*sys.argv[1:])
finally:
    seconds, cpu = time.perf_counter() - started, sum(os.times()[:2]) - before
    done.set()
    peak = next(line for line in open("/proc/self/status") if line.startswith("VmHWM"))
    print(seconds, int(peak.split()[1]) // 1024, cpu, sum(backends.values()) - sum(already.values()), file=sys.stderr)
"""


def export(fmt, environment):
    """One export in a process of its own: (seconds, records, peak MB of that process, its CPU
    seconds, the database backends' CPU seconds), from the command's start to its end
    (Django's start left out)."""
    done = subprocess.run([sys.executable, "-c", EXPORT, "cldc", "export", "--service", "bench", "--record-type",
                           "lettings", "--version", "2026", "--format", fmt, "--full"],
                          env=environment, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"cldc export --format {fmt} failed:\n{done.stderr}")
    seconds, peak, cpu, backend_cpu = done.stderr.split()[-4:]
    return float(seconds), int(done.stdout.splitlines()[1].split()[0]), int(peak), float(cpu), float(backend_cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated record counts")
    parser.add_argument("--formats", default="csv,parquet,xlsx,core.cds")
    parser.add_argument("--database", default=DATABASE, help="its own database, made and dropped (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="use the records a kept database holds when there are as many (no new ones made)")
    args = parser.parse_args()

    environment = {**os.environ, "CLDC_DB_NAME": args.database, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings"}
    os.environ.update(environment)
    database(args.database)
    import django

    django.setup()
    from django.core.management import call_command

    from cldc.platform import registry
    from cldc.platform.exports.formats import writer_for
    from cldc.platform.tenancy.launch import launch_service
    from cldc.platform.tenancy.models import Service

    try:
        with tempfile.TemporaryDirectory() as folder:
            environment["CLDC_VAR_DIR"] = folder
            call_command("migrate_schemas", "--shared", verbosity=0)
            if not Service.objects.filter(schema_name="bench").exists():
                launch_service("bench", "bench.localhost", "Bench", collections=["core"])
            registry.get("core").load_functions()  # its formats (core.cds), for their files' extension
            for size in [int(s) for s in args.sizes.split(",")]:
                started = time.perf_counter()
                if args.reuse and held(size):
                    print(f"{size:,} records kept from before")
                else:
                    status, count, (plain, flattened) = fill(size)
                    print(f"{count:,} records ({status}) made in {time.perf_counter() - started:.1f} s; storing a "
                          f"record cost PostgreSQL {plain:.0f} µs without the flat rows' triggers, {flattened:.0f} "
                          f"µs with them (+{flattened - plain:.0f} µs)")
                for fmt in args.formats.split(","):
                    seconds, records, peak, cpu, backend_cpu = export(fmt, environment)
                    _, extension = writer_for(fmt)  # a package's format is known once its package is loaded
                    files = sorted(Path(folder, "media", "exports", "bench").glob(f"*.{extension}"),
                                   key=lambda file: file.stat().st_mtime)
                    per_record = (cpu + backend_cpu) / records
                    print(f"  {fmt:8} {records:>9,} records in {seconds:6.1f} s  {records / seconds:8,.0f} a second  "
                          f"file {files[-1].stat().st_size / 1e6:7.1f} MB  peak memory "
                          f"{peak:5,.0f} MB  CPU {cpu:5.1f} s export + {backend_cpu:5.1f} s PostgreSQL  "
                          f"(load {os.getloadavg()[0]:.1f})")
                    print(f"  {'':8} CPU a record: {cpu / records * 1e6:4.1f} µs export + "
                          f"{backend_cpu / records * 1e6:4.1f} µs PostgreSQL = {per_record * 1e6:4.1f} µs: "
                          f"{CORES} cores make at most {CORES / per_record:8,.0f} a second")
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            database(args.database, drop=True)


if __name__ == "__main__":
    main()
