"""How many complete CORE lettings records a second the engine takes through the
gateway's pure part (normalise, route, derive, validate) on one core, with no database.

    .venv/bin/python bench/engine.py                 # 2,000 records, best of 3 runs
    .venv/bin/python bench/engine.py -n 5000 --profile
    .venv/bin/python bench/engine.py -n 3000 --runs 5 --interpreter   # and the interpreter, for comparison

Records are varied and complete: general needs and supported housing, renewals,
households of one to six people, every rent period, incomes weekly to yearly, owners
that are PRPs and local authorities. Each is sent as a bulk upload row would be
(every answer as text) to a new record. The target is 5,000 records a second (issue 17); the
figure is printed, never asserted (it depends on the machine).
"""

import argparse
import cProfile
import csv
import datetime as dt
import os
import pstats
import random
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")

import django  # noqa: E402

django.setup()

from cldc.platform import registry  # noqa: E402
from cldc.platform.definitions.routing import route_interpreted  # noqa: E402
from cldc.platform.records import gateway  # noqa: E402
from cldc.platform.uploads.template_rows import answers_from_field_numbers  # noqa: E402

TARGET = 5000  # issue 17 (2,000 before)
TEMPLATE = Path(__file__).resolve().parent.parent / "collections" / "core" / "reference" / "spec" / "2026_27_lettings_bulk_upload.csv"
RENT_PERIODS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]
PAYMENTS_PER_YEAR = {1: 52, 2: 26, 3: 13, 4: 12, 5: 50, 6: 49, 7: 48, 8: 47, 9: 46, 10: 53, 11: 51}
WORKING = [1, 2, 3, 4, 6, 7, 0]  # ecstat codes of working-age adults
# Weekly income a person adds to the household's expected range, by ecstat
# (lettings_income_ranges_2026.csv soft limits): the record's income falls inside.
INCOME_SOFT_RANGE = {0: (50, 580), 1: (143, 730), 2: (67, 620), 3: (80, 480), 4: (50, 370), 5: (50, 380),
                     6: (53, 540), 7: (47, 460), 9: (50, 450)}


def lettings_record(rng):
    """One complete general needs or supported housing letting, as text answers, and
    the owning organisation's provider type."""
    provider = rng.choice(["prp", "local_authority"])
    supported = rng.random() < 0.25
    renewal = rng.random() < 0.15
    start = dt.date(2026, 4, 1) + dt.timedelta(days=rng.randrange(160))  # not after "today" + 14 days
    answers = {
        "owning_organisation_id": "ORG1", "managing_organisation_id": "ORG1", "assigned_to_id": "officer@example.com",
        "needstype": 2 if supported else 1, "renewal": 1 if renewal else 0, "startdate": start.isoformat(),
        "rent_type": rng.choice([0, 0, 0, 1, 2]), "tenancycode": f"T{rng.randrange(10**6):06d}",
        "propcode": f"P{rng.randrange(10**5):05d}", "declaration": 1,
        "uprn": str(10_000_000_000 + rng.randrange(10**9)), "address_line1": f"{rng.randrange(1, 200)} High Street",
        "town_or_city": "Leeds", "postcode_full": "LS1 4AP",
        "joint": 2, "startertenancy": 2, "tenancy": rng.choice([2, 7]),
        "armedforces": 2, "preg_occ": 2, "housingneeds": 2, "illness": 2, "layear": rng.choice([7, 8, 11, 12]),
        "homeless": 1, "reason": rng.choice([50, 51]) if renewal else rng.choice([50, 9, 12, 16]),
        "reasonpref": 2, "letting_allocation_unknown": 1,
    }
    if supported:
        answers.update({"scheme_id": "S1", "location_id": "L1", "sheltered": 3, "household_charge": 0})
    else:
        answers.update({"la": "E08000035", "unittype_gn": rng.choice([1, 7, 8]), "wchair": 2})
    if not renewal:
        answers.update({
            "first_time_property_let_as_social_housing": 0, "unitletas": 1, "rsnvac": rng.choice([8, 12, 5, 6]),
            "voiddate": (start - dt.timedelta(days=rng.randrange(5, 60))).isoformat(), "majorrepairs": 0,
            "waityear": rng.choice([2, 7, 8]), "prevten": rng.choice([3, 27, 28, 39]),
            "ppcodenk": 0, "ppostcode_full": "LS2 7EW", "previous_la_known": 1, "prevloc": "E08000035",
            "referral_register": rng.choice([3, 4]) if provider == "local_authority" else rng.choice([7, 8]),
        })
        if answers["referral_register"] == 7:
            answers["referral_noms"] = 6  # a nomination, not an internal transfer
    elif supported:
        answers["prevten"] = 35

    people = rng.choice([1, 1, 2, 2, 3, 4, 5, 6])
    answers.update({"hhmemb": people, **_person(rng, 1, adult=True)})
    for n in range(2, people + 1):
        answers.update(_person(rng, n, adult=n == 2 or rng.random() < 0.4, partner=n == 2 and rng.random() < 0.6))
    beds = max(1, (people + 1) // 2)
    if not supported:
        answers["beds"] = beds

    low, high = _income_range(answers, people)
    weekly_income = rng.randrange(int(low * 1.1) + 1, int(high * 0.9))
    frequency = rng.choice([1, 2, 3])
    earnings = {1: weekly_income, 2: round(weekly_income * 52 / 12), 3: weekly_income * 52}[frequency]
    hb = rng.choice([1, 6, 9])
    answers.update({"net_income_known": 0, "incfreq": frequency, "earnings": earnings, "hb": hb,
                    "benefits": 2 if hb in (1, 6) else rng.choice([2, 3])})
    if hb in (1, 6):
        answers["hbrentshortfall"] = 2
    period = rng.choice(RENT_PERIODS)
    weekly_rent = rng.uniform(68, 90)  # inside the soft rent range of every letting type here
    per_period = weekly_rent * 52 / PAYMENTS_PER_YEAR[period]
    answers.update({"period": period, "brent": f"{per_period:.2f}", "scharge": f"{rng.uniform(0, 15):.2f}",
                    "pscharge": "0.00", "supcharg": f"{rng.uniform(0, 10):.2f}" if supported else "0.00"})
    return {name: str(value) for name, value in answers.items()}, provider


def _income_range(answers, people):
    """The household's expected weekly income: the sum of each person's soft range."""
    ranges = [INCOME_SOFT_RANGE[answers.get(f"ecstat{n}", 9)] for n in range(1, people + 1)]
    return sum(low for low, _ in ranges), sum(high for _, high in ranges)


def _person(rng, n, adult, partner=False):
    age = rng.randrange(18, 64) if adult else rng.randrange(1, 17)
    person = {f"age{n}_known": 0, f"age{n}": age, f"sexrab{n}": rng.choice("FM"), f"gender_same_as_sex{n}": 1}
    if n == 1:
        person.update({"ethnic_group": 0, "ethnic": 1, "nationality_all_group": 826, "ecstat1": rng.choice(WORKING)})
        return person
    person[f"details_known_{n}"] = 0
    if age >= 16:
        person[f"relat{n}"] = "P" if partner else "X"
        person[f"ecstat{n}"] = rng.choice(WORKING) if age >= 18 else 7
    return person


def template_record(definition):
    """The official template's data row, converted by field number (None without the file)."""
    if not TEMPLATE.exists():
        return None
    rows = list(csv.reader(TEMPLATE.open(encoding="utf-8-sig")))
    numbers, values = rows[7], rows[8]  # the "Field number" row, then the example row
    answers, problems = answers_from_field_numbers(definition, {int(numbers[c]): values[c] for c in range(1, len(numbers))})
    return answers, problems


def context_for(definition, provider):
    return {"today": dt.date(2026, 9, 1), "version": definition.version, "collection_start": definition.valid_from,
            "collection_end": definition.valid_to, "owning_organisation_type": provider,
            "managing_organisation_type": provider}


def evaluate_all(definition, pack, records):
    statuses = Counter()
    for incoming, provider in records:
        result = gateway.evaluate(definition, pack, {}, incoming, context_for(definition, provider), "upload", {})
        statuses[result.status] += 1
    return statuses


class StageTimer:
    """Wraps the gateway's stages to add up the process CPU time spent in each (CPU
    time, so that other work on a shared machine does not count)."""

    STAGES = ("normalise", "route", "derive", "check", "unanswered")

    def __init__(self, pack):
        self.totals = Counter()
        self.pack = pack
        self.saved = {}

    def _timed(self, name, fn):
        def timed(*args, **kwargs):
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.totals[name] += time.process_time() - start

        return timed

    def __enter__(self):
        for name in ("normalise", "route", "unanswered"):
            self.saved[name] = getattr(gateway, name)
            setattr(gateway, name, self._timed(name, self.saved[name]))
        for name in ("derive", "check"):  # instance attributes shadow the methods
            setattr(self.pack, name, self._timed(name, getattr(self.pack, name)))
        return self

    def __exit__(self, *exc):
        for name, fn in self.saved.items():
            setattr(gateway, name, fn)
        for name in ("derive", "check"):
            delattr(self.pack, name)


class Interpreted:
    """The gateway with the expression interpreter for routing, derivations and rules, as
    before ADR 20 (the reference that the generated code is held to)."""

    def __init__(self, pack):
        self.pack = pack

    def __enter__(self):
        self.pack.derive, self.pack.check = self.pack.derive_interpreted, self.pack.check_interpreted
        self.route, gateway.route = gateway.route, route_interpreted
        return self

    def __exit__(self, *exc):
        gateway.route = self.route
        del self.pack.derive, self.pack.check


def timed_runs(definition, pack, records, runs):
    """(best wall time, best process CPU time, statuses) of `runs` runs."""
    best = best_cpu = statuses = None
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        statuses = evaluate_all(definition, pack, records)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        best = elapsed if best is None else min(best, elapsed)
        best_cpu = cpu if best_cpu is None else min(best_cpu, cpu)
    return best, best_cpu, statuses


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, default=2000, help="records per run")
    parser.add_argument("--runs", type=int, default=3, help="timed runs; the best is reported")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--profile", action="store_true", help="also profile one run with cProfile")
    parser.add_argument("--interpreter", action="store_true",
                        help="also time the same runs with the expression interpreter (the reference, ADR 20)")
    options = parser.parse_args(argv)

    core = registry.get("core")
    definition, pack = core.definition("lettings", 2026), core.rule_pack("lettings", 2026)
    rng = random.Random(options.seed)
    records = [lettings_record(rng) for _ in range(options.n)]

    statuses = evaluate_all(definition, pack, records[:200])  # warm-up: caches, reference tables
    best, best_cpu, statuses = timed_runs(definition, pack, records, options.runs)
    if options.interpreter:
        with Interpreted(pack):
            evaluate_all(definition, pack, records[:200])
            before = timed_runs(definition, pack, records, options.runs)

    with StageTimer(pack) as timer:
        start = time.process_time()
        evaluate_all(definition, pack, records)
        timed_total = time.process_time() - start

    rate = options.n / best
    print(f"CORE lettings 2026: {options.n} records, {len(pack.active)} rules running, {len(pack.derivations)} derivations")
    print(f"records by status: {dict(statuses)}")
    print(f"{rate:,.0f} records/second (best of {options.runs}; target {TARGET:,}: {'met' if rate >= TARGET else 'not met'})")
    print(f"{best / options.n * 1e6:,.0f} µs a record; process CPU time {best_cpu / options.n * 1e6:,.0f} µs a record "
          f"({options.n / best_cpu:,.0f} records a CPU second; best of {options.runs}); load average "
          f"{', '.join(f'{load:.2f}' for load in os.getloadavg())}")
    if options.interpreter:
        wall, cpu, interpreted_statuses = before
        print(f"the interpreter (before ADR 20), same records and runs: {options.n / wall:,.0f} records/second, "
              f"{wall / options.n * 1e6:,.0f} µs a record; process CPU time {cpu / options.n * 1e6:,.0f} µs a record "
              f"({options.n / cpu:,.0f} records a CPU second); statuses {dict(interpreted_statuses)}")
    print("per stage, process CPU time (a separate, instrumented run):")
    for name in StageTimer.STAGES:
        share = timer.totals[name] / timed_total
        print(f"  {name:<11} {timer.totals[name] / options.n * 1e6:8,.0f} µs a record  {share:6.1%}")
    other = timed_total - sum(timer.totals.values())
    print(f"  {'other':<11} {other / options.n * 1e6:8,.0f} µs a record  {other / timed_total:6.1%}")

    template = template_record(definition)
    if template:
        answers, problems = template
        result = gateway.evaluate(definition, pack, {}, answers, context_for(definition, "local_authority"), "upload", {})  # ORG1 is an LA
        errors = ", ".join(f"{e['field']} ({e['rule']})" for e in result.errors) or "none"
        print(f"template data row ({len(answers)} answers, {len(problems)} conversion problems): {result.status}; "
              f"errors: {errors}; missing: {', '.join(result.missing) or 'none'}")

    if options.profile:
        profiler = cProfile.Profile()
        profiler.runcall(evaluate_all, definition, pack, records)
        stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats("tottime")
        stats.print_stats(25)
    return 0


if __name__ == "__main__":
    sys.exit(main())
