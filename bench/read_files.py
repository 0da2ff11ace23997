"""How fast bulk upload reads a large file, and how much memory it takes: a 100,000-row
CORE lettings file in the official template layout, as CSV and as XLSX.

    .venv/bin/python bench/read_files.py               # 100,000 rows
    .venv/bin/python bench/read_files.py -n 20000 --keep /tmp/files
    .venv/bin/python bench/read_files.py -n 20000 --openpyxl   # also time openpyxl's own reader

The rows repeat the official template's data row (2026_27_lettings_bulk_upload.csv)
with a different tenant code each (field 13). The CSV is written as Excel writes "CSV
UTF-8" (with a BOM); in the XLSX, whole numbers are stored as numbers, as a
spreadsheet would. Each file is read in a fresh process (so peak memory is that
read's alone) through `open_upload` and every row of `rows()`: once timed, and once
under tracemalloc for the peak of Python's own allocations. Figures are printed,
never asserted. With --openpyxl, the XLSX is also read with openpyxl's read-only
worksheet (values only), the reader files.py does not use for sheets, for comparison.
"""

import argparse
import csv
import json
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "collections" / "core" / "reference" / "spec" / "2026_27_lettings_bulk_upload.csv"
TENANT_CODE_FIELD = 13


def template_rows():
    with TEMPLATE.open(encoding="utf-8-sig", newline="") as file:
        rows = [row for row in csv.reader(file) if any(row)]
    numbers = next(row for row in rows if row[0] == "Field number")
    return rows[:-1], rows[-1], numbers.index(str(TENANT_CODE_FIELD))


def data_rows(count):
    headings, data, code_column = template_rows()
    for i in range(count):
        row = list(data)
        row[code_column] = f"T{i:07d}"
        yield row


def write_csv(path, count):
    headings, _, _ = template_rows()
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerows(headings)
        writer.writerows(data_rows(count))


def write_xlsx(path, count):
    import openpyxl

    headings, _, _ = template_rows()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet("Lettings")
    for row in headings:
        sheet.append(row)
    whole = re.compile(r"[1-9]\d{0,14}|0")
    for row in data_rows(count):
        sheet.append([int(v) if whole.fullmatch(v) else (v or None) for v in row])
    workbook.save(path)


def openpyxl_read(path):
    import openpyxl

    started = time.perf_counter()
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    rows = sum(1 for row in workbook.active.iter_rows(values_only=True) if any(v is not None for v in row))
    workbook.close()
    return {"rows": rows, "seconds": time.perf_counter() - started}


def read(path, mode):
    """Run in a child process: open and read every row, and print the figures as JSON."""
    from cldc.platform.uploads.files import open_upload

    def once():
        started = time.perf_counter()
        with open_upload(path, path.name) as upload:
            opened = time.perf_counter() - started
            rows = cells = 0
            for _, values in upload.rows():
                rows += 1
                cells += len(values)
        return {"layout": upload.layout, "rows": rows, "cells": cells, "open_s": opened,
                "seconds": time.perf_counter() - started}

    if mode == "openpyxl":
        return print(json.dumps(openpyxl_read(path)))
    figures = once()
    figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tracemalloc.start()
    once()
    figures["python_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 ** 2
    tracemalloc.stop()
    print(json.dumps(figures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rows", type=int, default=100_000)
    parser.add_argument("--keep", help="write the files into this folder and keep them")
    parser.add_argument("--openpyxl", action="store_true", help="also time openpyxl's read-only worksheet")
    parser.add_argument("--read", help=argparse.SUPPRESS)
    parser.add_argument("--mode", default="upload", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.read:
        return read(Path(args.read), args.mode)

    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="cldc-read-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"{args.rows:,} rows in the official lettings template layout, in {folder}")
    for kind, write in (("csv", write_csv), ("xlsx", write_xlsx)):
        path = folder / f"lettings_{args.rows}.{kind}"
        started = time.perf_counter()
        write(path, args.rows)
        print(f"\n{kind.upper()}: written in {time.perf_counter() - started:.1f} s, "
              f"{path.stat().st_size / 1024 ** 2:.1f} MB")
        child = subprocess.run([sys.executable, __file__, "--read", str(path)],
                               capture_output=True, text=True, check=True)
        figures = json.loads(child.stdout)
        print(f"  layout {figures['layout']}, {figures['rows']:,} rows, {figures['cells']:,} filled cells")
        print(f"  read in {figures['seconds']:.1f} s (open and checks {figures['open_s']:.1f} s): "
              f"{figures['rows'] / figures['seconds']:,.0f} rows a second")
        print(f"  peak memory: {figures['peak_rss_mb']:.0f} MB resident for the whole process, "
              f"{figures['python_peak_mb']:.1f} MB of Python allocations (tracemalloc)")
        if kind == "xlsx" and args.openpyxl:
            child = subprocess.run([sys.executable, __file__, "--read", str(path), "--mode", "openpyxl"],
                                   capture_output=True, text=True, check=True)
            other = json.loads(child.stdout)
            print(f"  openpyxl's read-only worksheet: {other['rows']:,} rows in {other['seconds']:.1f} s, "
                  f"{other['rows'] / other['seconds']:,.0f} rows a second")
        if not args.keep:
            path.unlink()
    if not args.keep:
        folder.rmdir()


if __name__ == "__main__":
    main()
