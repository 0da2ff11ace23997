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
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "cldc_bench_api"  # not cldc_bench: bench/upload_pipeline.py may run at the same time
DOMAIN = "bench.localhost"
TARGET_SECONDS = 1
TARGET_CONCURRENT = 200  # single creates a second, with 8 clients


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


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def process_cpu(pid):
    """CPU seconds (user and system) a process has used, read from /proc."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def processes_cpu(pids):
    total = 0.0
    for pid in pids:
        try:
            total += process_cpu(pid)
        except OSError:  # ended meanwhile
            pass
    return total


def gunicorn_pids(master):
    children = open(f"/proc/{master}/task/{master}/children").read().split()
    return [master, *map(int, children)]


def database_backends(name):
    """The pids of PostgreSQL's backends serving database `name` (it runs on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [name])
        return [row[0] for row in cursor.fetchall()]


def start_server(port, workers, threads):
    """gunicorn with the project's settings file on the bench database, on loopback."""
    environment = {**os.environ, "CLDC_DB_NAME": DATABASE, "CLDC_API_RATE_LIMIT": "1000000/minute",
                   "CLDC_WEB_WORKERS": str(workers), "CLDC_WEB_THREADS": str(threads)}
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "cldc.platform.wsgi", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn stopped: {server.stderr.read().decode()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    stop_server(server)
    raise RuntimeError("gunicorn did not start in 60 s")


def stop_server(server):
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # its own session: the master and its workers
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def concurrent_creates(key, bodies, clients, seconds, workers, threads):
    """Single creates from `clients` threads, each with its own keep-alive session,
    against gunicorn, for `seconds`: (creates, wall seconds, latencies, errors, CPU
    seconds of the server's processes, CPU seconds of the database's backends)."""
    import requests

    port = free_port()
    server = start_server(port, workers, threads)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/records/"
        headers = {"Host": DOMAIN, "Authorization": f"Bearer {key}", "Content-Type": "application/json"}
        encoded = [json.dumps(body) for body in bodies]
        queue, lock = iter(encoded), threading.Lock()
        latencies, errors, stop = [], Counter(), threading.Event()

        def next_body():
            with lock:
                return next(queue, None)

        def client(warm_up):
            with requests.Session() as session:
                for _ in range(warm_up):  # each worker loads definitions, rule packs and tables once
                    session.post(url.replace("records/", "records/validate/"), data=encoded[0], headers=headers,
                                 timeout=120)
                while not stop.is_set():
                    body = next_body()
                    if body is None:
                        return
                    started = time.perf_counter()
                    try:
                        response = session.post(url, data=body, headers=headers, timeout=30)
                        status = response.status_code
                    except requests.RequestException as error:
                        status = type(error).__name__
                    elapsed = time.perf_counter() - started
                    with lock:
                        if status == 201:
                            latencies.append(elapsed)
                        else:
                            errors[status] += 1

        warm = [threading.Thread(target=client, args=(3,)) for _ in range(clients)]
        stop.set()  # warm-up calls only
        for thread in warm:
            thread.start()
        for thread in warm:
            thread.join()
        stop.clear()
        server_pids, backends = gunicorn_pids(server.pid), database_backends(DATABASE)
        cpu_before, db_before = processes_cpu(server_pids), processes_cpu(backends)
        threads_running = [threading.Thread(target=client, args=(0,)) for _ in range(clients)]
        started = time.perf_counter()
        for thread in threads_running:
            thread.start()
        timer = threading.Timer(seconds, stop.set)
        timer.start()
        for thread in threads_running:
            thread.join()
        wall = time.perf_counter() - started
        timer.cancel()
        cpu, db = processes_cpu(server_pids) - cpu_before, processes_cpu(backends) - db_before
        return len(latencies), wall, latencies, errors, cpu, db
    finally:
        stop_server(server)


def percentile(values, share):
    return statistics.quantiles(values, n=100, method="inclusive")[share - 1] if len(values) > 1 else values[0]


def report(stage, seconds, cpu, records, outcome):
    """A stage's wall seconds, records a second, and this process's CPU milliseconds a
    record (the database's backends not included)."""
    print(f"{stage:34} {seconds:6.2f} s  {records / seconds:7,.0f} records/s  CPU {cpu / records * 1000:5.2f} ms "
          f"a record  {outcome}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--batch", type=int, default=1000, help="records in the batch (at most 1,000)")
    parser.add_argument("--singles", type=int, default=200, help="records sent one call at a time")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients against gunicorn (0: none)")
    parser.add_argument("--seconds", type=float, default=20, help="how long the concurrent clients send")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn's worker processes")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn's threads a worker")
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
              f"at most {TARGET_SECONDS} s; load average {os.getloadavg()[0]:.2f}")
        for stage, path in (("batch, validate only", "records/batch/?validate_only=true"),
                            ("batch, validated and stored", "records/batch/"),
                            ("the same batch again (no change)", "records/batch/")):
            started, cpu = time.perf_counter(), time.process_time()
            answer = post(path, {"records": batch})
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            statuses = Counter(result["status"] for result in answer["results"])
            report(stage, seconds, cpu, args.batch, f"{answer['counts']}, statuses {dict(statuses)}")

        singles = payloads(args.singles, args.seed + 2, owners, person, "SINGLE-", schemes)
        for stage, path in (("single validate-only calls", "records/validate/"), ("single creates", "records/")):
            statuses = Counter()
            started, cpu = time.perf_counter(), time.process_time()
            for body in singles:
                statuses[post(path, body)["status"]] += 1
            report(stage, time.perf_counter() - started, time.process_time() - cpu, args.singles,
                   f"statuses {dict(statuses)}")
        if args.clients:
            load = os.getloadavg()[0]
            # twice the target's worth: if the clients use them all up, they stop early, and the rate holds
            bodies = payloads(int(args.seconds * TARGET_CONCURRENT * 2), args.seed + 3, owners, person, "CONCURRENT-",
                              schemes)
            created, wall, latencies, errors, cpu, db = concurrent_creates(
                key, bodies, args.clients, args.seconds, args.workers, args.threads)
            if latencies:
                milliseconds = [f"{percentile(latencies, share) * 1000:.0f}" for share in (50, 95, 99)]
                print(f"single creates, {args.clients} clients, gunicorn {args.workers} workers x {args.threads} "
                      f"threads: {created:,} in {wall:.1f} s = {created / wall:,.0f} creates/s (target "
                      f"{TARGET_CONCURRENT}); p50/p95/p99 {'/'.join(milliseconds)} ms; errors {dict(errors) or 0}")
                print(f"  CPU a create: server {cpu / created * 1000:.1f} ms, database {db / created * 1000:.1f} ms; "
                      f"load average {load:.2f} before, {os.getloadavg()[0]:.2f} after")
            else:
                print(f"single creates, {args.clients} clients: none succeeded; errors {dict(errors)}")
        with schema_context("bench"):
            print(f"records stored: {Record.objects.count():,}")
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
