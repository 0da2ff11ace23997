"""Faults the service must survive, on a stack of its own (bench/stack.py; loopback only,
every part bounded in time, everything stopped at the end):

  a  a Celery worker killed (SIGKILL) mid-upload: once a worker runs again the upload
     finishes, with no record created twice and none lost (records counted against the
     file's rows, by their tenant codes);
  b  PostgreSQL restarted during traffic: the requests meanwhile get the service's 503
     page (with Retry-After), and later ones succeed by themselves (statuses by second);
  c  Redis stopped: a question page still saves through the web form, an upload says it
     is waiting, and goes through once Redis is back;
  d  two web processes and two workers behind one port give what one of each gives: the
     same scripted actions on a 1+1 and a 2+2 stack, their records and statuses compared.

    .venv/bin/python bench/faults.py                  # all four
    .venv/bin/python bench/faults.py a b --var /tmp/cldc-faults   # some; keep the prepared stack

It prints what it saw and PASS or FAIL for each; the exit status is 1 if any failed.
"""

import argparse
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import requests
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from load import (API_EXAMPLE, COORDINATOR, FORM_FILLER, SERVICE_HOST, TEMPLATE, form_data,  # noqa: E402
                  template_csv)
from stack import Stack, log  # noqa: E402

UNAVAILABLE = "Sorry, the service is unavailable"
# Shorter than the default hour, so a killed worker's upload is sent again within the run;
# it must stay above the longest upload's time (docs/operations.md).
VISIBILITY_TIMEOUT = 45


class Person(requests.Session):
    """A browserless person on the stack's CORE service: paths, not URLs."""

    def __init__(self, stack, email=None):
        super().__init__()
        self.base = f"http://127.0.0.1:{stack.port}"
        self.headers["Host"] = SERVICE_HOST
        if email:
            _, data = form_data(self.get("/sign-in/").text)
            data.update(email=email, password=stack.password)
            answer = self.post("/sign-in/", data=data, allow_redirects=False)
            assert answer.status_code == 302, f"{email} could not sign in: {answer.status_code}"

    def request(self, method, path, **kwargs):
        kwargs.setdefault("timeout", 60)
        kwargs.setdefault("allow_redirects", False)
        return super().request(method, self.base + path, **kwargs)


def organisation_of(stack, email):
    return int(stack.python(
        "from cldc.platform.organisations.models import Membership\n"
        f"print(Membership.objects.filter(user__email={email!r}).first().organisation_id)").split()[-1])


def records_with_prefix(stack, prefix):
    """[(reference, status)] of the CORE records whose tenant code starts with prefix."""
    out = stack.python(
        "import json\nfrom django_tenants.utils import schema_context\n"
        "from cldc.platform.records.models import Record\n"
        "with schema_context('core'):\n"
        f"    print(json.dumps(list(Record.objects.filter(answers__tenancycode__startswith={prefix!r})"
        ".values_list('answers__tenancycode', 'status'))))")
    return [tuple(pair) for pair in json.loads(out.strip().splitlines()[-1])]


def send_upload(person, organisation, prefix, rows):
    _, data = form_data(person.get("/uploads/new/").text)
    data.update(organisation=str(organisation), on_errors="create_valid")
    file = template_csv(TEMPLATE.read_text(encoding="utf-8-sig"), organisation, prefix, rows)
    answer = person.post("/uploads/new/", data=data, files={"file": (f"{prefix}.csv", file, "text/csv")})
    return answer


def upload_status(person, detail):
    answer = person.get(f"{detail}status.json")
    return answer.json() if answer.status_code == 200 else {"status": f"HTTP {answer.status_code}"}


def wait_for_upload(person, detail, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = upload_status(person, detail)
        if status["status"] not in ("received", "processing") and not status["status"].startswith("HTTP"):
            return status
        time.sleep(1)
    return upload_status(person, detail)


def verdict(name, passed, details):
    print(f"\n[{'PASS' if passed else 'FAIL'}] {name}")
    for line in details:
        print(f"    {line}")
    return passed


# --- a: a worker killed mid-upload ------------------------------------------------------
def worker_killed_mid_upload(stack, rows=1500):
    organisation = organisation_of(stack, COORDINATOR)
    person = Person(stack, COORDINATOR)
    prefix = f"FA{int(time.time())}"
    sent = send_upload(person, organisation, prefix, rows)
    if sent.status_code != 302:
        return verdict("a: worker killed mid-upload", False, [f"the upload was answered {sent.status_code}"])
    detail = sent.headers["Location"]
    deadline, status = time.monotonic() + 120, {}
    while time.monotonic() < deadline:
        status = upload_status(person, detail)
        if status["status"] == "processing" and status.get("processed", 0) >= rows // 5:
            break
        if status["status"] not in ("received", "processing"):
            break
        time.sleep(0.1)
    killed_at = dict(status)
    stack.kill_worker(0)
    log(f"killed worker 0 (SIGKILL) at {killed_at}")
    time.sleep(3)
    stack.start_worker(0)
    started = time.monotonic()
    final = wait_for_upload(person, detail, VISIBILITY_TIMEOUT + 300)
    made = records_with_prefix(stack, prefix)
    references = Counter(reference for reference, _ in made)
    twice = sum(1 for n in references.values() if n > 1)
    lost = rows - len(references)
    mid = killed_at.get("status") == "processing" and 0 < killed_at.get("processed", 0) < rows
    return verdict("a: worker killed mid-upload", mid and final["status"] == "done" and not twice and not lost, [
        f"file: {rows} rows; killed at {killed_at.get('processed')} of {killed_at.get('total')} rows "
        f"({killed_at.get('status')})",
        f"after the restart: {final} in {time.monotonic() - started:.0f} s",
        f"records with the file's tenant codes: {len(made)}, distinct {len(references)}; created twice: {twice}; "
        f"lost: {lost}; statuses {dict(Counter(s for _, s in made))}"])


# --- b: PostgreSQL restarted during traffic ------------------------------------------------
def postgres_restarted(stack, before=6, down=8, after=20, threads=4):
    people = [Person(stack, FORM_FILLER) for _ in range(threads)]
    seen = []  # (seconds since start, status, the 503 page?, Retry-After)
    stop = threading.Event()
    started = time.monotonic()

    def traffic(person):
        while not stop.is_set():
            path = "/logs/" if len(seen) % 2 else "/sign-in/"
            try:
                answer = person.get(path, timeout=30)
                seen.append((time.monotonic() - started, answer.status_code, UNAVAILABLE in answer.text,
                             answer.headers.get("Retry-After")))
            except requests.RequestException as error:
                seen.append((time.monotonic() - started, type(error).__name__, False, None))
            time.sleep(0.2)

    workers = [threading.Thread(target=traffic, args=(person,), daemon=True) for person in people]
    for worker in workers:
        worker.start()
    time.sleep(before)
    outage = time.monotonic() - started
    stack.services("down", "postgres")
    time.sleep(down)
    stack.services("up", "postgres")
    back = time.monotonic() - started
    time.sleep(after)
    stop.set()
    for worker in workers:
        worker.join(35)
    by_second = {}
    for at, status, page, _ in seen:
        by_second.setdefault(int(at), Counter())[status] += 1
    during = [s for s in seen if outage + 0.5 < s[0] < back]
    last = [s for s in seen if s[0] > back + 5]
    bad_during = [s for s in during if s[1] != 503 or not s[2] or s[3] is None]
    bad_after = [s for s in last if s[1] != 200]
    others = Counter(s[1] for s in seen if s[1] not in (200, 503))
    lines = [f"PostgreSQL stopped at {outage:.1f} s, running again at {back:.1f} s; {len(seen)} requests",
             "statuses by second: " + "; ".join(f"{second}s {dict(counts)}" for second, counts in sorted(by_second.items())),
             f"during the outage: {len(during)} requests, {len(during) - len(bad_during)} were 503 with the page "
             f"and Retry-After; other answers anywhere: {dict(others)}",
             f"from 5 s after it was back: {len(last)} requests, {len(last) - len(bad_after)} answered 200"]
    return verdict("b: PostgreSQL restarted during traffic", during and not bad_during and last and not bad_after
                   and not others, lines)


# --- c: Redis stopped ---------------------------------------------------------------------
def answer_a_page(person):
    """Set up a log and save its first question page through the web form: the statuses."""
    _, data = form_data(person.get("/logs/new/?record_type=core:lettings").text)
    made = person.post("/logs/new/?record_type=core:lettings", data=data)
    if made.status_code != 302:
        return {"set up": made.status_code}
    tasks = person.get(made.headers["Location"])
    link = BeautifulSoup(tasks.text, "html.parser").select_one("a[href*='/page/']")
    if link is None:
        return {"set up": 302, "task list": tasks.status_code, "question page": "no link"}
    page = person.get(link["href"])
    action, data = form_data(page.text)
    saved = person.post(action or link["href"], data=data)
    return {"set up": 302, "question page": page.status_code, "saved": saved.status_code}


def redis_stopped(stack):
    organisation = organisation_of(stack, COORDINATOR)
    filler, coordinator = Person(stack, FORM_FILLER), Person(stack, COORDINATOR)
    prefix = f"FC{int(time.time())}"
    stack.stop_redis()
    try:
        form = answer_a_page(filler)
        sent = send_upload(coordinator, organisation, prefix, 5)
        detail = sent.headers.get("Location", "") if sent.status_code == 302 else ""
        page = coordinator.get(detail) if detail else sent
        waiting = page.status_code == 200 and "waiting" in page.text.lower()
    finally:
        stack.start_redis()
    final = wait_for_upload(coordinator, detail, 180) if detail else {"status": "not sent"}
    made = records_with_prefix(stack, prefix)
    return verdict("c: Redis stopped", form.get("saved") == 302 and waiting and final["status"] == "done"
                   and len(made) == 5, [
        f"the web form with Redis stopped: {form}",
        f"the upload with Redis stopped: sent {sent.status_code}, its page {page.status_code}, "
        f"says it is waiting: {waiting}",
        f"once Redis was back: {final}; records made {len(made)} of 5"])


# --- d: 2 web processes and 2 workers give what 1 and 1 give ------------------------------
def scripted_actions(stack, tag):
    """The same actions on any stack: 3 logs set up and a page saved through the form,
    an upload of 20 rows, an API batch of 10. Their outcomes, with the run's tag taken out."""
    organisation = organisation_of(stack, COORDINATOR)
    filler, coordinator = Person(stack, FORM_FILLER), Person(stack, COORDINATOR)
    forms = [answer_a_page(filler) for _ in range(3)]
    sent = send_upload(coordinator, organisation, f"{tag}U", 20)
    final = wait_for_upload(coordinator, sent.headers["Location"], 300) if sent.status_code == 302 else {}
    record = json.loads(API_EXAMPLE.read_text())
    record["organisation"] = f"ORG{organisation}"
    key = stack.python(
        "from django_tenants.utils import schema_context\nfrom cldc.api.keys import create_client\n"
        "from cldc.platform.organisations.models import Organisation\nfrom cldc.platform.people.models import User\n"
        f"person, organisation = User.objects.get(email={COORDINATOR!r}), Organisation.objects.get(pk={organisation})\n"
        "with schema_context('core'):\n"
        "    print(create_client(name='Faults', created_by=person, organisation=organisation).key)"
    ).split()[-1]
    batch = [{**record, "answers": {**record["answers"], "tenancycode": f"{tag}A{n}"}} for n in range(10)]
    api = requests.post(f"http://127.0.0.1:{stack.port}/api/v1/records/batch/", json={"records": batch},
                        headers={"Host": SERVICE_HOST, "Authorization": f"Bearer {key}"}, timeout=120)
    outcome = {
        "forms": forms,
        "upload": {k: v for k, v in final.items() if k != "progress"},
        "upload records": sorted((r.removeprefix(f"{tag}U"), s) for r, s in records_with_prefix(stack, f"{tag}U")),
        "api": [api.status_code, api.json().get("counts") if api.status_code == 200 else api.text[:200]],
        "api records": sorted((r.removeprefix(f"{tag}A"), s) for r, s in records_with_prefix(stack, f"{tag}A")),
    }
    return outcome


def scaled_out(stack):
    results = {}
    for web, workers in ((1, 1), (2, 2)):
        stack.stop_processes()
        stack.web_processes, stack.worker_count = web, workers
        stack.env["CLDC_WEB_WORKERS"] = str(web)
        stack.workers = [None] * workers
        stack.start_processes()
        results[(web, workers)] = scripted_actions(stack, f"FD{web}{int(time.time())}")
    one, two = results[(1, 1)], results[(2, 2)]
    differ = [part for part in one if one[part] != two[part]]
    return verdict("d: 2 web processes and 2 workers give what 1 and 1 give", not differ, [
        f"1+1: {json.dumps({k: v for k, v in one.items() if 'records' not in k})}",
        f"2+2: {json.dumps({k: v for k, v in two.items() if 'records' not in k})}",
        f"records: 1+1 {Counter(s for _, s in one['upload records'] + one['api records'])}, "
        f"2+2 {Counter(s for _, s in two['upload records'] + two['api records'])}",
        f"parts that differ: {differ or 'none'}"])


FAULTS = {"a": worker_killed_mid_upload, "b": postgres_restarted, "c": redis_stopped, "d": scaled_out}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("faults", nargs="*", help="a, b, c, d (default: all)")
    parser.add_argument("--var", help="keep the stack's data here, and reuse it next time")
    args = parser.parse_args()
    if unknown := set(args.faults) - set(FAULTS):
        parser.error(f"no such fault: {', '.join(sorted(unknown))}")
    passed = []
    stack = Stack(web=1, workers=1, var=args.var, keep=bool(args.var))
    stack.env["CLDC_CELERY_VISIBILITY_TIMEOUT"] = str(VISIBILITY_TIMEOUT)
    with stack:
        for name in args.faults or FAULTS:
            log(f"fault {name}")
            passed.append(FAULTS[name](stack))
    print(f"\n{sum(passed)} of {len(passed)} passed")
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
