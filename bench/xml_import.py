"""How fast an organisation's quarter of H-CLIC cases imports from XML: the case data
and personal data files of N cases (default 20,000: a large local authority's open
cases, 3 people each and 3 placements in 4 cases), through `import_files` (the code the
web page and `cldc import-xml` run), against the project's PostgreSQL.

    scripts/services up
    .venv/bin/python bench/xml_import.py              # 20,000 cases
    .venv/bin/python bench/xml_import.py -n 2000

It uses its own database (cldc_bench_xml, made if missing, dropped afterwards unless
--keep) with one H-CLIC service. Two stages, each timed, with cases a second and peak
memory printed, never asserted (the target in issue 14 is 60 s for 20,000 cases):

1. import: both files read, checked against the XSD, every case through the gateway,
   then stored in one transaction;
2. re-import: the same files again, which must change nothing.
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT.parent))  # `cldc` is the repository folder
sys.path.insert(0, str(ROOT / "bench"))
DATABASE = "cldc_bench_xml"
TODAY = dt.date(2026, 10, 1)


def case(i):
    """A 2026/27 case: the main applicant and two children; three in four placed in TA."""
    answers = {"caseref": f"BENCH-{i:06d}", "appdate": "2026-05-06", "assessdate": "2026-05-20", "assessoutcome": 2,
               "reason": 10, "accom": 8, "supportneeds": 2, "age1": 20 + i % 60, "sex1": 1 + i % 2, "ethnic1": 1,
               "ecstat1": 2, "firstname1": "Ana", "surname1": f"Case {i}", "dob1": "1991-02-03",
               "hhmembers": 3, "relat2": 2, "age2": 8, "sex2": 1, "relat3": 2, "age3": 5, "sex3": 2,
               "taplacements": 0}
    if i % 4:
        answers |= {"taplacements": 1, "tatype1": 7, "taoutside1": 2, "tastart1": "2026-05-06"}
    return answers


def write_files(folder, layout, cases, code):
    from cldc.platform.xmlfiles.writer import file_name, record_xml

    paths = {}
    for xml_file in layout.files:
        path = Path(folder) / file_name(layout, xml_file)
        with path.open("w", encoding="utf-8") as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{xml_file.root}>\n')
            for i in range(cases):
                out.write(record_xml(layout, xml_file, case(i), code))
            out.write(f"</{xml_file.root}>\n")
        paths[xml_file.id] = path
    return paths


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", "--cases", type=int, default=20_000)
    parser.add_argument("--keep", action="store_true", help=f"keep the {DATABASE} database afterwards")
    args = parser.parse_args()

    os.environ["CLDC_DB_NAME"] = DATABASE
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    from upload_pipeline import bench_coordinator, drop_database, make_database, peak_mb

    make_database(DATABASE)
    import tempfile

    import django

    django.setup()
    from django_tenants.utils import schema_context

    from cldc.platform.records.models import Record
    from cldc.platform.xmlfiles.importer import import_files
    from cldc.platform.xmlfiles.layout import xml_layout
    from cldc.platform.xmlfiles.writer import organisation_code

    try:
        council, person = bench_coordinator("hclic")
        layout = xml_layout("hclic", "case", 2026)
        with tempfile.TemporaryDirectory() as folder, schema_context("bench"):
            Record.objects.all().delete()
            started = time.perf_counter()
            paths = write_files(folder, layout, args.cases, organisation_code(council))
            size = sum(p.stat().st_size for p in paths.values()) / 1e6
            print(f"wrote {args.cases:,} cases ({size:.0f} MB in two files) in {time.perf_counter() - started:.1f} s")
            for stage in ("import", "re-import"):
                started = time.perf_counter()
                result = import_files("hclic", "case", 2026, council, person, main=paths["case"].read_bytes(),
                                      personal=paths["personal"].read_bytes(), today=TODAY)
                seconds = time.perf_counter() - started
                print(f"{stage:10} {seconds:6.1f} s  {args.cases / seconds:6,.0f} cases/s  created {result.created:,}, "
                      f"updated {result.updated:,}, unchanged {result.unchanged:,}, problems {len(result.problems):,}; "
                      f"peak memory so far {peak_mb():,.0f} MB")
            print(f"cases stored: {Record.objects.count():,}")
    finally:
        if not args.keep:
            drop_database(DATABASE)


if __name__ == "__main__":
    main()
