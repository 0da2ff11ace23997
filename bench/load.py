"""The service under load, as the department would run it: a stack of its own
(bench/stack.py: PostgreSQL, Redis, gunicorn, Celery workers and beat on loopback ports,
stopped at the end whatever happens), then locust's simulated people for a bounded time:

- people filling forms: sign in, set up a CORE lettings log through /logs/new/, then
  answer its question pages through the real web form (each page's form read and
  posted back with an answer to every question it shows), following soft checks;
- coordinators uploading the official CSV template (its data row repeated with their
  organisation and a tenant code each) through the web upload, waiting for the result;
- API clients sending batches of records (the API's CORE example record, a tenant code
  each) with a key made by the project's own key code (cldc.api.keys).

    .venv/bin/python bench/load.py                               # 50 users, 10 minutes
    .venv/bin/python bench/load.py --minutes 2 --users 20        # a shared machine
    .venv/bin/python bench/load.py --var /tmp/cldc-load          # keep the prepared stack for next time

It prints requests, p50, p95, p99 and errors for each kind of request and in total, the
server errors (5xx) apart, and the machine's load average before and after. It never
asserts: zero server errors is the target.
"""

import argparse
import csv
import io
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "collections" / "core" / "reference" / "spec" / "2026_27_lettings_bulk_upload.csv"
API_EXAMPLE = ROOT / "collections" / "core" / "examples" / "lettings" / "2026.json"
SERVICE_HOST = "core.localhost"
# manage.py cldc demo's people. The template's data row is a council's letting (its field 131
# is the referral source of a local authority's property), so the council's coordinator
# uploads it, and its API client sends the API's example record, which is the council's.
FORM_FILLER, COORDINATOR = "provider@example.com", "council@example.com"
UPLOAD_ROWS = 20
BATCH_RECORDS = 20
PAGES_PER_LOG = 12

if os.environ.get("CLDC_LOAD_PLAN"):
    # Imported by locust, in its own process (locust patches the standard library for
    # gevent on import, so the bench's own process never imports it).
    from collections import Counter
    from itertools import count

    from locust import HttpUser, between, events, task

    PLAN = json.loads(Path(os.environ["CLDC_LOAD_PLAN"]).read_text())
    SERVER_ERRORS = Counter()
    NUMBERS = count(1)

    @events.request.add_listener
    def count_server_errors(name, response, **kwargs):
        if response is not None and getattr(response, "status_code", 0) >= 500:
            SERVER_ERRORS[name] += 1

    @events.test_stop.add_listener
    def write_server_errors(**kwargs):
        Path(PLAN["server_errors"]).write_text(json.dumps(SERVER_ERRORS))

    class SignedIn(HttpUser):
        abstract = True
        email = ""

        def on_start(self):
            self.client.headers["Host"] = PLAN["host"]
            page = self.client.get("/sign-in/", name="sign in (page)")
            _, data = form_data(page.text)
            data.update(email=self.email, password=PLAN["password"])
            with self.client.post("/sign-in/", data=data, name="sign in", allow_redirects=False,
                                  catch_response=True) as answer:
                if answer.status_code != 302:
                    answer.failure(f"sign-in answered {answer.status_code} {getattr(answer, 'error', '') or ''}")

        def fetch(self, method, path, kind, expected=(200, 302), **kwargs):
            with self.client.request(method, path, name=kind, allow_redirects=False, catch_response=True,
                                     **kwargs) as answer:
                if answer.status_code not in expected:
                    answer.failure(f"{answer.status_code} for {method} {path} {getattr(answer, 'error', '') or ''}")
                return answer

    class PersonFillingForms(SignedIn):
        weight = 6
        wait_time = between(2, 5)  # a person reading a page
        email = FORM_FILLER

        @task
        def fill_a_log(self):
            page = self.fetch("GET", "/logs/new/?record_type=core:lettings", "new log (page)")
            _, data = form_data(page.text)
            if data is None:
                return
            made = self.fetch("POST", "/logs/new/?record_type=core:lettings", "new log", data=data)
            if made.status_code != 302:
                return  # the form refused the set-up answers: counted, and shown in its own line
            tasks = self.fetch("GET", made.headers["Location"], "task list")
            link = BeautifulSoup(tasks.text, "html.parser").select_one("a[href*='/page/']")
            location = link and link["href"]
            for _ in range(PAGES_PER_LOG):
                if not location or "/page/" not in location and "/soft-check/" not in location:
                    return
                kind = "soft check" if "/soft-check/" in location else "question page"
                page = self.fetch("GET", location, f"{kind} (get)")
                action, data = form_data(page.text)
                if data is None:
                    return
                saved = self.fetch("POST", action or location, f"{kind} (save)", data=data)
                if saved.status_code != 302:
                    return  # an answer refused (shown on the page): the person would correct it
                location = saved.headers["Location"]
                time.sleep(random.uniform(0.5, 2))

    class CoordinatorUploading(SignedIn):
        weight = 2
        wait_time = between(5, 15)
        email = COORDINATOR

        @task
        def upload_the_template(self):
            page = self.fetch("GET", "/uploads/new/", "upload (page)")
            _, data = form_data(page.text)
            if data is None:
                return
            data.update(organisation=str(PLAN["organisation"]), on_errors="create_valid")
            first = next(NUMBERS) * 1000 + random.randint(0, 999) * 1_000_000
            file = template_csv(PLAN["template"], PLAN["organisation"], f"L{first}", UPLOAD_ROWS)
            sent = self.fetch("POST", "/uploads/new/", "upload (send)", data=data,
                              files={"file": ("lettings.csv", file, "text/csv")})
            if sent.status_code != 302 or "/uploads/" not in sent.headers.get("Location", ""):
                return
            detail = sent.headers["Location"].rstrip("/")
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                status = self.fetch("GET", f"{detail}/status.json", "upload (status)")
                if status.status_code != 200 or status.json()["status"] not in ("received", "processing"):
                    break
                time.sleep(2)
            self.fetch("GET", detail + "/", "upload (result)")

    class ApiClient(HttpUser):
        weight = 2
        wait_time = between(2, 6)

        def on_start(self):
            self.client.headers.update({"Host": PLAN["host"], "Authorization": f"Bearer {PLAN['key']}",
                                        "Content-Type": "application/json"})

        @task
        def send_a_batch(self):
            first = next(NUMBERS)
            records = []
            for n in range(BATCH_RECORDS):
                record = json.loads(json.dumps(PLAN["api_record"]))
                record["answers"]["tenancycode"] = f"API{random.randint(0, 10**9)}-{first}-{n}"
                records.append(record)
            with self.client.post("/api/v1/records/batch/", data=json.dumps({"records": records}), name="api batch",
                                  catch_response=True) as answer:
                if answer.status_code != 200:
                    answer.failure(f"{answer.status_code}: {answer.text[:200] or getattr(answer, 'error', '')}")


def form_data(html):
    """What a person fills in on a page's form: every hidden input, the first
    option of each radio group and select, a date, a 1 in a number box, words in
    a text box. Returns (action, data), or (None, None) when there is no form."""
    forms = BeautifulSoup(html, "html.parser").select("main form[method=post]")
    if not forms:
        return None, None
    form = max(forms, key=lambda each: len(each.find_all(["input", "select", "textarea"])))  # not a banner's button
    data = {}
    for field in form.find_all(["input", "select", "textarea"]):
        name, kind = field.get("name"), field.get("type", "text")
        if not name or name in data or kind in ("submit", "button", "file"):
            continue
        if kind == "checkbox":  # the first of a group ticked: "I confirm", one of several
            data[name] = field.get("value", "on")
            continue
        if field.name == "select":
            values = [option.get("value", "") for option in field.find_all("option") if option.get("value")]
            data[name] = values[0] if values else ""
        elif kind in ("hidden", "radio"):
            data[name] = field.get("value", "")
        elif field.get("value"):
            data[name] = field["value"]
        elif name.endswith(("_day", "-day", "_0")):
            data[name] = "1"
        elif name.endswith(("_month", "-month", "_1")):
            data[name] = "6"
        elif name.endswith(("_year", "-year", "_2")):
            data[name] = "2026"
        elif field.get("inputmode") in ("numeric", "decimal") or kind == "number":
            data[name] = "1"
        else:
            data[name] = "Load test"
    return form.get("action") or "", data

def template_csv(template, organisation, prefix, rows):
    """The official template with its data row repeated `rows` times: the organisation
    (fields 1 and 2) made the given one, no one assigned (field 3), a tenant code (field
    13) and a property reference (field 14) each."""
    lines = list(csv.reader(io.StringIO(template)))
    numbers = next(line for line in lines if line and line[0].startswith("Field number"))
    head, example = lines[:lines.index(numbers) + 1], lines[lines.index(numbers) + 1]
    column = {value: index for index, value in enumerate(numbers) if value.isdigit()}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(head)
    for n in range(rows):
        row = list(example)
        row[column["1"]] = row[column["2"]] = f"ORG{organisation}"
        row[column["3"]] = ""
        row[column["13"]], row[column["14"]] = f"{prefix}-{n}", f"P{prefix}-{n}"
        writer.writerow(row)
    return out.getvalue().encode()


SET_UP = """
import json
from django_tenants.utils import schema_context
from cldc.api.keys import create_client
from cldc.platform.organisations.models import Membership
from cldc.platform.people.models import User
coordinator = User.objects.get(email=%r)
organisation = Membership.objects.filter(user=coordinator).first().organisation
with schema_context("core"):
    key = create_client(name="Load test", created_by=coordinator, organisation=organisation).key
print(json.dumps({"key": key, "organisation": organisation.pk}))
"""


def plan_for(stack, folder):
    """What locust's people need: the key, the coordinator's organisation, the template."""
    made = json.loads(stack.python(SET_UP % COORDINATOR).strip().splitlines()[-1])
    record = json.loads(API_EXAMPLE.read_text())
    record["organisation"] = f"ORG{made['organisation']}"
    plan = {**made, "host": SERVICE_HOST, "password": stack.password, "api_record": record,
            "template": TEMPLATE.read_text(encoding="utf-8-sig"), "server_errors": str(Path(folder, "5xx.json"))}
    Path(folder, "plan.json").write_text(json.dumps(plan))
    return Path(folder, "plan.json")


def run_locust(stack, plan, users, seconds, folder):
    prefix = Path(folder, "locust")
    environment = {**stack.env, "CLDC_LOAD_PLAN": str(plan)}
    subprocess.run([str(ROOT / ".venv" / "bin" / "locust"), "-f", __file__, "--headless", "--users", str(users),
                    "--spawn-rate", str(max(1, users // 10)), "--run-time", f"{seconds}s",
                    "--host", f"http://127.0.0.1:{stack.port}", "--csv", str(prefix), "--only-summary",
                    "--loglevel", "WARNING", "--stop-timeout", "30"],
                   cwd=ROOT, env=environment, check=False, stdout=subprocess.DEVNULL,
                   stderr=open(Path(folder, "locust.log"), "w"), timeout=seconds + 120)
    with open(f"{prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv"))) if Path(f"{prefix}_failures.csv").exists() else []
    server_errors = json.loads(Path(folder, "5xx.json").read_text()) if Path(folder, "5xx.json").exists() else {}
    return rows, failures, server_errors


def report(rows, failures, server_errors):
    print(f"\n{'kind':<24} {'requests':>9} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>7} {'5xx':>5}")
    for row in rows:
        name = row["Name"]
        fives = sum(server_errors.values()) if name == "Aggregated" else server_errors.get(name, 0)
        print(f"{'total' if name == 'Aggregated' else name:<24} {row['Request Count']:>9} {row['50%']:>7} "
              f"{row['95%']:>7} {row['99%']:>7} {row['Failure Count']:>7} {fives:>5}")
    for failure in failures:
        print(f"  {failure['Occurrences']} x {failure['Name']}: {failure['Error'][:160]}")


def load_average():
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--web", type=int, default=2, help="gunicorn web processes (default %(default)s)")
    parser.add_argument("--workers", type=int, default=2, help="Celery workers (default %(default)s)")
    parser.add_argument("--var", help="keep the stack's data here, and reuse it next time")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from stack import Stack

    print(f"load average before: {load_average()}")
    with tempfile.TemporaryDirectory() as folder, Stack(web=args.web, workers=args.workers, var=args.var,
                                                         keep=bool(args.var)) as stack:
        plan = plan_for(stack, folder)
        print(f"{args.users} users for {args.minutes:g} minutes on {args.web} web process(es) and "
              f"{args.workers} worker(s), load average {load_average()}", flush=True)
        started = time.monotonic()
        rows, failures, server_errors = run_locust(stack, plan, args.users, int(args.minutes * 60), folder)
        print(f"ran {time.monotonic() - started:.0f} s; load average after: {load_average()}")
        report(rows, failures, server_errors)
        made = stack.python("from django_tenants.utils import schema_context\n"
                            "from cldc.platform.records.models import Record\n"
                            "with schema_context('core'): print(Record.objects.count())").strip().splitlines()[-1]
        print(f"records in the service afterwards: {made}")


if __name__ == "__main__":
    main()
