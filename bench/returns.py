"""How fast a large local authority's quarterly return works: N H-CLIC cases (default
20,000, as bench/xml_import.py writes them) stored in April to June 2026, a quarter of
them changed after the quarter ended (so their state at its end is rebuilt from their
revisions), then the return of April to June 2026, timed:

1. membership: which cases belong, and as what (returns.membership.members);
2. the return's page while open, and the list of returns (every quarter offered),
   twice: the second time its counts are kept (returns.membership.included_counts);
3. submit: every case that belongs frozen as a snapshot (returns.workflow.submit);
4. the return's page once submitted, and the list again.

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
    print(f"{label:36} {time.perf_counter() - started:6.2f} s")
    return result


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
            found = timed("membership", lambda: members(declared, council, period, person))
            print(f"  {sum(m.included for m in found):,} cases belong in {period.long_label}")
            client = Client(HTTP_HOST="bench.localhost")
            client.force_login(person)
            page = f"/returns/{council.pk}/hclic/case/{period.key}/"
            for moment in ("open", "submitted"):
                if moment == "submitted":
                    snapshot = timed("submit", lambda: workflow.submit(declared, council, period, person))
                    print(f"  {snapshot.records.count():,} cases frozen")
                for label, url in (("the return's page", page), ("the list of returns", "/returns/"),
                                   ("the list again (counts kept)", "/returns/")):
                    response = timed(f"{label} ({moment})", lambda: client.get(url))
                    assert response.status_code == 200, response.status_code
            print(f"peak memory {peak_mb():,.0f} MB")
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
