"""How fast a large local authority's quarterly return works: N H-CLIC cases (default
20,000, as bench/xml_import.py writes them) stored in April to June 2026, a quarter of
them changed after the quarter ended, then the return of April to June 2026, timed:

1. membership worked out whole (returns.membership.members: every case read and judged);
2. the return's page while open: the first visit judges every case and keeps the
   result (ReturnMember rows), the second reads the kept rows, the third follows 100
   cases changed since (judged again, alone);
3. the list of returns (every quarter offered): the first visit judges every case for
   each quarter, the second reads kept rows;
4. submit: every case that belongs frozen as a snapshot (returns.workflow.submit);
5. the return's page once submitted, and the list again.

Each line shows the load average then (the machine is shared: figures move with it).

    scripts/services up
    .venv/bin/python bench/returns.py                 # 20,000 cases
    .venv/bin/python bench/returns.py -n 2000 --keep  # --keep: keep the database, and its cases for the next run

It uses its own database (cldc_bench_returns, made if missing, dropped afterwards unless
--keep) with one H-CLIC service. Figures are printed, never asserted.
"""

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "cldc_bench_returns"
STORED_ON = dt.datetime(2026, 6, 15, 12)  # in the quarter
CHANGED_EVERY = 4  # one case in four changed after the quarter ended


def store_cases(count, council, person):
    """The cases, imported from XML as a council would send them, then dated in the
    quarter; one in four then changed (a revision dated now)."""
    from django.db.models import F
    from django.utils import timezone
    from xml_import import TODAY, write_files

    from cldc.platform.records.models import Record, Revision
    from cldc.platform.xmlfiles.importer import import_files
    from cldc.platform.xmlfiles.layout import xml_layout
    from cldc.platform.xmlfiles.writer import organisation_code

    layout = xml_layout("hclic", "case", 2026)
    with tempfile.TemporaryDirectory() as folder:
        paths = write_files(folder, layout, count, organisation_code(council))
        result = import_files("hclic", "case", 2026, council, person, main=paths["case"].read_bytes(),
                              personal=paths["personal"].read_bytes(), today=TODAY)
    assert result.created == count, result.problems[:3]
    stored_on = timezone.make_aware(STORED_ON)
    Record.objects.update(created_at=stored_on, updated_at=stored_on)
    Revision.objects.update(created_at=stored_on)
    changed = list(Record.objects.order_by("pk")[::CHANGED_EVERY])
    now = timezone.now()
    for record in changed:  # the reason for losing the last settled home corrected in the autumn
        record.answers["reason"], record.lock_version, record.updated_at = 11, record.lock_version + 1, now
    Record.objects.bulk_update(changed, ["answers", "lock_version", "updated_at"], batch_size=2000)
    Revision.objects.bulk_create([Revision(record=record, number=2, source="form", user=person,
                                           changes={"reason": [10, 11]}) for record in changed], batch_size=2000)
    Revision.objects.filter(number=2).update(created_at=now)
    return Record.objects.filter(updated_at__gt=F("created_at")).count()


def timed(label, do):
    started = time.perf_counter()
    result = do()
    print(f"{label:44} {time.perf_counter() - started:6.2f} s   (load {os.getloadavg()[0]:.1f})")
    return result


def change_some(count, person):
    """`count` cases changed now, through the gateway, as a caseworker would."""
    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record

    for record in Record.objects.order_by("-pk")[:count]:
        outcome = submit(record, {"reason": 12}, "form", person)
        assert outcome.saved, outcome.errors


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--cases", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    args = parser.parse_args()

    os.environ["CLDC_DB_NAME"] = DATABASE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    from upload_pipeline import bench_coordinator, drop_database, make_database, peak_mb

    make_database(DATABASE)
    import django

    django.setup()
    from django.test import Client
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record
    from cldc.platform.returns import workflow
    from cldc.platform.returns.declarations import Period, returns_of
    from cldc.platform.returns.membership import members
    from cldc.platform.returns.models import Return

    try:
        council, person = bench_coordinator("hclic")
        declared, period = returns_of("hclic", "case"), Period(2026, 1)
        with schema_context("bench"):
            Return.objects.all().delete()
            if Record.objects.count() != args.cases:
                Record.objects.all().delete()
                changed = timed(f"store {args.cases:,} cases (XML import)",
                                lambda: store_cases(args.cases, council, person))
                print(f"  {changed:,} changed after the quarter ended")
            found = timed("membership worked out whole", lambda: members(declared, council, period, person))
            print(f"  {sum(m.included for m in found):,} cases belong in {period.long_label}")
            client = Client(HTTP_HOST="bench.localhost")
            client.force_login(person)
            page = f"/returns/{council.pk}/hclic/case/{period.key}/"

            def get(label, url):
                response = timed(label, lambda: client.get(url))
                assert response.status_code == 200, response.status_code

            get("the return's page (open, first: judged, kept)", page)
            get("the return's page (open, kept rows)", page)
            change_some(100, person)
            get("the return's page (open, 100 changed since)", page)
            get("the list of returns (first: 7 quarters judged)", "/returns/")
            get("the list again (kept rows)", "/returns/")
            get("the quality report (open)", page + "report/")
            snapshot = timed("submit", lambda: workflow.submit(declared, council, period, person))
            print(f"  {snapshot.records.count():,} cases frozen")
            get("the return's page (submitted)", page)
            get("the list of returns (submitted)", "/returns/")
            get("the quality report (submitted)", page + "report/")
            print(f"peak memory {peak_mb():,.0f} MB")
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
