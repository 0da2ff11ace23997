"""How fast the log list and a log's form page answer with a million records in the
service, under 20 people at once: the real server (gunicorn through gunicorn.conf.py,
debug off, on a free loopback port), started and stopped by this script, loaded by
locust for a bounded time. Target (issue 17): p95 under 100 ms for each kind of page.

    scripts/services up
    .venv/bin/python bench/list_pages.py                     # 1,000,000 records, 20 people, 120 s
    .venv/bin/python bench/list_pages.py --users 8 --seconds 60           # a busy machine
    .venv/bin/python bench/list_pages.py --records 100000 --keep          # keep the database ...
    .venv/bin/python bench/list_pages.py --records 100000 --reuse         # ... and load it again

It uses its own database (cldc_bench_list, made if missing, dropped afterwards unless
--keep). Organisations of four sizes own the records: one of 300,000, three of 100,000,
twenty of 15,000 and a hundred of 1,000 (a tenth of the smaller ones' logs managed by
the largest, as by a managing agent). Each has a data coordinator and a housing officer
(a data provider); the records are theirs to have created, a third assigned to the
officer, in every status, each with its own tenant code, property reference and
postcode. One record goes through the gateway; the rest are copies of it made by
PostgreSQL (generate_series), so a million takes about a minute, then ANALYZE.

The people are signed in beforehand (their session cookies handed to locust), so the
password hasher is not in the figures. Each simulated person, chosen in turn among the
coordinators and officers of the four sizes, waits 1 to 3 seconds between pages (a
person reading) and then, at random: opens the list, a later page of it, the list
filtered (status, year, owning organisation, assigned to me), searched (a tenant
code, a property reference, a postcode, part of one, a log ID), or one of the logs it
sees at its first question page. The figures (p50, p95, p99, requests and errors per
kind of page, from locust's own statistics) are printed, never asserted, with the load
average before and after.
"""

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "cldc_bench_list"
DOMAIN = "bench.localhost"
# Organisations by size: (how many, records each in a million); the shares add up to a million.
SIZES = [("largest", 1, 300_000), ("large", 3, 100_000), ("medium", 20, 15_000), ("small", 100, 1_000)]
BATCH = 100_000  # rows a statement
KINDS = ["list", "list, a later page", "list filtered", "list searched", "form page"]

if os.environ.get("CLDC_LIST_PAGES_PEOPLE"):
    # Imported by locust (below, in its own process): the simulated people. locust patches
    # the standard library for gevent on import, so the bench's own process never imports it.
    from itertools import cycle

    from locust import HttpUser, between, task

    PEOPLE = json.loads(Path(os.environ["CLDC_LIST_PAGES_PEOPLE"]).read_text())
    TURNS = cycle(PEOPLE)

    class Person(HttpUser):
        wait_time = between(1, 3)

        def on_start(self):
            self.me = next(TURNS)
            self.client.headers["Host"] = DOMAIN
            # A new connection a page: the person reads for longer than gunicorn keeps one
            # open (2 s), and a reused one it has closed fails as "0" (no response).
            self.client.headers["Connection"] = "close"
            self.client.cookies.set("sessionid", self.me["session"])

        def get(self, path, kind):
            with self.client.get(path, name=kind, allow_redirects=False, catch_response=True) as response:
                if response.status_code != 200:
                    response.failure(f"{response.status_code} for {path}")

        @task(3)
        def first_page(self):
            self.get("/logs/", "list")

        @task(2)
        def later_page(self):
            self.get(f"/logs/?page={random.randint(2, 40)}", "list, a later page")

        @task(3)
        def filtered(self):
            choices = [f"status={random.choice(['completed', 'in_progress', 'not_started'])}", "year=2026",
                       f"owning_organisation={self.me['organisation']}", "assigned=me",
                       "status=in_progress&year=2026&record_type=core%3Alettings"]
            self.get("/logs/?" + random.choice(choices), "list filtered")

        @task(3)
        def searched(self):
            n = random.choice(self.me["numbers"])
            term = random.choice([f"T{n:07}", f"P{n:07}", postcode(n), postcode(n).split()[0] + " ", str(n),
                                  f"t{n:07}"[:6]])
            self.get(f"/logs/?search={term}", "list searched")

        @task(2)
        def form_page(self):
            self.get(f"/logs/{random.choice(self.me['logs'])}/page/{self.me['page']}/", "form page")


def postcode(n):
    """The postcode the fill gives record number n (the SQL in fill() says the same)."""
    return f"B{n % 97 + 1} {n % 9}{chr(65 + n % 26)}{chr(65 + n // 26 % 26)}"


POSTCODE_SQL = ("'B' || (g %% 97 + 1) || ' ' || (g %% 9) || chr(65 + g %% 26) || chr(65 + (g / 26) %% 26)")


def organisations():
    """The organisations of every size, each with a coordinator and an officer, their data
    sharing agreements accepted: [(size, organisation, coordinator, officer)]."""
    from cldc.platform.organisations.models import Membership, Organisation
    from cldc.platform.people.models import User
    from upload_pipeline import agreements_accepted

    found = []
    for size, count, _ in SIZES:
        for n in range(count):
            name = f"Bench {size} {n + 1:03}"
            organisation, _ = Organisation.objects.get_or_create(name=name, defaults={
                "type": "prp", "regulator_number": f"L{len(found):04}"})
            people = []
            for role, who in (("data_coordinator", "coordinator"), ("data_provider", "officer")):
                email = f"{who}.{size}.{n + 1}@bench.example"
                person = User.objects.filter(email=email).first() or User.objects.create_user(
                    email, None, name=f"{who.capitalize()} of {name}")
                Membership.objects.get_or_create(user=person, organisation=organisation, defaults={"role": role})
                people.append(person)
            found.append((size, organisation, *people))
    agreements_accepted(*[organisation for _, organisation, _, _ in found])
    return found


def fill(size, found):
    """`size` lettings records: one through the gateway, the rest copied by the database,
    owned by `found`'s organisations in SIZES' shares."""
    import datetime as dt

    from django.db import connection, transaction
    from django_tenants.utils import schema_context

    from cldc.platform import registry
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record

    owners = [organisation.pk for _, organisation, _, _ in found]
    coordinators = [coordinator.pk for _, _, coordinator, _ in found]
    officers = [officer.pk for _, _, _, officer in found]
    # Which organisation (1-based, in `found`'s order) owns row g: by its last three digits.
    first, bounds, cases = 1, 0, []
    for _, count, share in SIZES:
        per_thousand = count * share // 1000
        cases.append(f"WHEN g %% 1000 < {bounds + per_thousand} THEN {first} + (g / 1000) %% {count}")
        first, bounds = first + count, bounds + per_thousand
    owner = "CASE " + " ".join(cases) + " END"
    example = registry.get("core").file("example", record_type="lettings", version=2026)
    with schema_context("bench"):
        Record.objects.all().delete()
        record = Record(collection="core", record_type="lettings", version=2026, owning_organisation=found[0][1],
                        managing_organisation=found[0][1])
        answers = {**json.loads(example.read_text())["answers"], "owning_organisation_id": owners[0],
                   "managing_organisation_id": owners[0]}
        submit(record, answers, "api", today=dt.date(2026, 9, 1))
        columns = [field.column for field in Record._meta.concrete_fields if field.column != "id"]
        made = {
            "owning_organisation_id": "(%(owners)s::bigint[])[o]",
            "managing_organisation_id": "CASE WHEN g %% 10 = 0 AND o > 1 THEN (%(owners)s::bigint[])[1] "
                                        "ELSE (%(owners)s::bigint[])[o] END",
            "created_by_id": "CASE WHEN g %% 2 = 0 THEN (%(coordinators)s::bigint[])[o] "
                             "ELSE (%(officers)s::bigint[])[o] END",
            "assigned_to_id": "CASE WHEN g %% 3 = 0 THEN (%(officers)s::bigint[])[o] END",
            "status": "CASE WHEN g %% 20 = 0 THEN 'not_started' WHEN g %% 4 = 0 THEN 'in_progress' "
                      "ELSE 'completed' END",
            "completed_at": "CASE WHEN g %% 4 = 0 THEN NULL ELSE completed_at END",
            "answers": "answers || jsonb_build_object('tenancycode', 'T' || lpad(g::text, 7, '0'), "
                       "'propcode', 'P' || lpad(g::text, 7, '0'), 'postcode_full', " + POSTCODE_SQL + ", "
                       "'owning_organisation_id', (%(owners)s::bigint[])[o])",
            "provider_reference": "'t' || lpad(g::text, 7, '0') || '|' || (answers ->> 'startdate')",
            "duplicate_key": "''", "lock_version": "1",
            "created_at": "now() - g * interval '20 seconds'",
            "updated_at": "now() - g * interval '20 seconds' + (g %% 7) * interval '1 day'",
        }
        if "search_text" in columns:  # what the gateway keeps for the search (records.models)
            made["search_text"] = ("lower(concat_ws(E'\\n', 'T' || lpad(g::text, 7, '0'), "
                                   "'P' || lpad(g::text, 7, '0'), " + POSTCODE_SQL + "))")
        for start in range(2, size + 1, BATCH):
            end = min(start + BATCH - 1, size)
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    f"INSERT INTO records_record ({', '.join(columns)}) "
                    f"SELECT {', '.join(made.get(column, column) for column in columns)} "
                    f"FROM records_record, (SELECT g, {owner} AS o FROM generate_series(%(start)s, %(end)s) AS g) s "
                    "WHERE id = %(id)s",
                    {"owners": owners, "coordinators": coordinators, "officers": officers, "start": start,
                     "end": end, "id": record.pk})
        with connection.cursor() as cursor:  # as autovacuum would soon after: plans for a million rows, not none
            cursor.execute("VACUUM ANALYZE bench.records_record")
        return Record.objects.count()


def people(found):
    """Every coordinator and officer of the first organisation of each size, signed in:
    what locust's simulated people need ([{session, organisation, numbers, logs, page}])."""
    from django.test import Client
    from django_tenants.utils import schema_context

    from cldc.platform.forms.logs import Log
    from cldc.platform.records.models import Record

    chosen, seen = [], set()
    for size, organisation, coordinator, officer in found:
        if size in seen:
            continue
        seen.add(size)
        with schema_context("bench"):
            mine = list(Record.objects.filter(owning_organisation=organisation).order_by("-id")
                        .values_list("pk", "answers__tenancycode")[:200])
            page = Log(Record.objects.get(pk=mine[0][0])).form_pages()[0].id
        for person in (coordinator, officer):
            client = Client(HTTP_HOST=DOMAIN)
            client.force_login(person)
            chosen.append({"who": f"{person.email}", "session": client.cookies["sessionid"].value,
                           "organisation": organisation.pk, "logs": [pk for pk, _ in mine],
                           "numbers": [int(code[1:]) for _, code in mine], "page": page})
    return chosen


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(environment, port):
    """gunicorn as `make run` starts it (gunicorn.conf.py), on a loopback port; waits until it answers."""
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "gunicorn"), "cldc.platform.wsgi", "--bind",
                               f"127.0.0.1:{port}"], cwd=ROOT, env=environment, start_new_session=True)
    for _ in range(120):
        time.sleep(0.5)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("gunicorn did not start")
    raise SystemExit("gunicorn did not answer in 60 s")


def warm_up(port, chosen):
    """Each kind of page asked a few times over, two at once (so both workers load the
    definitions and rule packs, as a live server long has), before anything is counted."""
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import Request, urlopen

    def fetch(path, person):
        request = Request(f"http://127.0.0.1:{port}{path}",
                          headers={"Host": DOMAIN, "Cookie": f"sessionid={person['session']}"})
        with urlopen(request, timeout=120) as response:
            response.read()

    paths = [(path, person) for person in chosen for path in
             ("/logs/", "/logs/?page=2", "/logs/?status=completed", f"/logs/?search=T{person['numbers'][0]:07}",
              f"/logs/{person['logs'][0]}/page/{person['page']}/")]
    with ThreadPoolExecutor(2) as pool:
        list(pool.map(lambda pair: fetch(*pair), paths))


def cpu_seconds(server):
    """CPU seconds spent so far by gunicorn's workers and by PostgreSQL's backends for the
    bench database (both on this machine, read from /proc): what the pages cost whatever
    else the machine is doing, where the wall clock moves with other people's work."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    label = f" {DATABASE} ".encode()
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[1]) == server.pid or label in Path(f"/proc/{pid}/cmdline").read_bytes():
                total += (int(stat[11]) + int(stat[12])) / tick
        except OSError:  # ended meanwhile
            pass
    return total


def load(environment, port, users, seconds, folder):
    """locust, headless, for `seconds`: its statistics per kind of page."""
    import csv

    prefix = Path(folder, "locust")
    subprocess.run([str(ROOT / ".venv" / "bin" / "locust"), "-f", __file__, "--headless", "--users", str(users),
                    "--spawn-rate", str(users), "--run-time", f"{seconds}s", "--host", f"http://127.0.0.1:{port}",
                    "--csv", str(prefix), "--only-summary", "--loglevel", "WARNING", "--stop-timeout", "10"],
                   cwd=ROOT, env=environment, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(f"{prefix}_stats.csv") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    failures = Path(f"{prefix}_failures.csv").read_text() if Path(f"{prefix}_failures.csv").exists() else ""
    return rows, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=20, help="people at once (default %(default)s)")
    parser.add_argument("--seconds", type=int, default=120, help="how long the load runs (default %(default)s)")
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the records a kept database holds")
    args = parser.parse_args()

    sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
    sys.path.insert(0, str(ROOT / "bench"))
    environment = {**os.environ, "CLDC_DB_NAME": DATABASE, "DJANGO_SETTINGS_MODULE": "cldc.platform.settings",
                   "CLDC_DEBUG": "0", "CLDC_WEB_WORKERS": os.environ.get("CLDC_WEB_WORKERS", "2")}
    os.environ.update(environment)
    from exports import database  # bench/exports.py: makes or drops a bench database

    database(DATABASE)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record
    from upload_pipeline import bench_service

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, DOMAIN]
    server = None
    try:
        bench_service("core")
        call_command("migrate_schemas", "--tenant", verbosity=0)  # a kept service's schema too (--reuse)
        found = organisations()
        with schema_context("bench"):
            held = Record.objects.count()
        if args.reuse and held == args.records:
            print(f"{held:,} records kept from before")
        else:
            started = time.perf_counter()
            print(f"{fill(args.records, found):,} records across {len(found)} organisations made in "
                  f"{time.perf_counter() - started:.0f} s")
        chosen = people(found)
        connections.close_all()
        with tempfile.TemporaryDirectory() as folder:
            Path(folder, "people.json").write_text(json.dumps(chosen))
            port = free_port()
            server = serve(environment, port)
            warm_up(port, chosen)
            print(f"gunicorn on 127.0.0.1:{port}; {args.users} people for {args.seconds} s "
                  f"(load average before: {' '.join(f'{n:.2f}' for n in os.getloadavg())})")
            before = cpu_seconds(server)
            rows, failures = load({**environment, "CLDC_LIST_PAGES_PEOPLE": str(Path(folder, "people.json"))},
                                  port, args.users, args.seconds, folder)
            spent = cpu_seconds(server) - before
        print(f"load average after: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
        requests = int(rows["Aggregated"]["Request Count"])
        print(f"CPU: {spent:.1f} s for {requests:,} pages, {spent / max(requests, 1) * 1000:.0f} ms a page "
              "(gunicorn's workers and PostgreSQL's backends together)")
        print(f"{'page':22} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'max ms':>7}")
        for kind in [*KINDS, "Aggregated"]:
            row = rows.get(kind)
            if row:
                print(f"{kind:22} {int(row['Request Count']):>8,} {int(row['Failure Count']):>6} {row['50%']:>7} "
                      f"{row['95%']:>7} {row['99%']:>7} {float(row['Max Response Time']):>7.0f}")
        if failures.count("\n") > 1:
            print("Errors:\n" + failures)
    finally:
        if server is not None:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)
        if not args.keep:
            connections.close_all()
            database(DATABASE, drop=True)


if __name__ == "__main__":
    main()
