"""Export formats: each writes a layout's rows to a file as they come, so memory stays
flat however many records there are. CSV, XLSX and Parquet are the platform's; a
package adds its own with @export_format("<collection>.<name>") in its functions module
(contract.FUNCTIONS["export_format"] is the signature)."""

import csv
import datetime as dt
import io
from pathlib import Path

from cldc.platform.exports import entry_columns
from cldc.platform.exports.columns import free_text_positions, is_flag, is_time
from cldc.platform.uploads.cell_safety import safe_cell

FORMATS = {}  # name -> (writer, file extension)
GIVEN_THE_RUN = set()  # names of formats whose writer is also given the ExportRun
LAYOUT_OF = {}  # format name -> the layout it writes unless another is asked for
# Parquet's memory (bench/README.md): Arrow's CSV reader holds about 40 times a block while it
# reads one, so blocks are small; the blocks are gathered into row groups of PARQUET_ROW_GROUP
# rows, since the writer keeps each row group's metadata until the file closes (2 MB blocks as
# row groups grew 25 MB over a million rows, and made a file twice the size).
PARQUET_BLOCK = 1 << 20  # bytes of CSV read at a time
PARQUET_ROW_GROUP = 16_384  # rows: about 24 MB held for CORE's 232 columns


def export_format(name, extension=None, given_run=False, layout=None):
    """Register a writer `fn(selection, rows, path)` under `name`; its files end in
    `.extension` (default: the name's last part). With given_run, it is called
    `fn(selection, rows, path, run)` and returns its file's name, or None for no file
    (a format that numbers and names its files from the runs before it). `layout`: the
    layout id it writes by default (a format made for one layout)."""
    def register(fn):
        FORMATS[name] = (fn, extension or name.rsplit(".", 1)[-1])
        if given_run:
            GIVEN_THE_RUN.add(name)
        if layout:
            LAYOUT_OF[name] = layout
        return fn
    return register


SCHEDULED_RUNS = {}  # format name -> what a scheduled run of it does, whole (scheduled_run)


def scheduled_run(name):
    """Register `fn(service, export_records, full)` as a scheduled run of format `name`:
    it calls export_records() (the platform's runs, one per record type and version: a
    list of ExportRuns) and adds what the format's receiver takes besides (CDS: people
    and organisations before, the night's manifest after); it returns every run it made."""
    def register(fn):
        SCHEDULED_RUNS[name] = fn
        return fn
    return register


def writer_for(name):
    if name not in FORMATS:
        raise LookupError(f"No export format {name!r}; there are {', '.join(sorted(FORMATS))}")
    return FORMATS[name]


def _for_people(selection, rows, cell):
    """Rows for a file a person opens: their own words (text answers, names, emails) safe
    from running as formulas, and times to the second; `cell` adapts a time."""
    safe_at = free_text_positions(selection)
    time_at = [i for i, column in enumerate(selection.columns) if is_time(column)]
    for row in rows:
        if safe_at or time_at:
            row = list(row)
            for i in safe_at:
                if row[i]:
                    row[i] = safe_cell(row[i])
            for i in time_at:
                if row[i] is not None:
                    row[i] = cell(row[i])
        yield row


@export_format("csv")
def write_csv(selection, rows, path):
    """Made by PostgreSQL (columns.Rows.write_csv): cells are quoted only when they hold a
    comma, a quote or a line end; nothing is an empty cell. The layout may ask for a byte
    order mark, "\\n" line ends, a time zone and a description row (layouts.LAYOUT_OPTIONS)."""
    layout = selection.layout
    line_end = layout.option("line_end", "\r\n")
    headings = io.StringIO()
    # The csv module ends lines with "\r\n" so that it quotes a cell holding "\r" or "\n", as
    # PostgreSQL does, whatever the line end.
    out = csv.writer(headings, lineterminator="\r\n")
    if layout.option("description_row"):
        out.writerow([column.heading() for column in selection.columns])
    out.writerow([column.name for column in selection.columns])
    with open(path, "wb") as handle:
        if layout.option("byte_order_mark"):
            handle.write("\ufeff".encode())
        handle.write(headings.getvalue().replace("\r\n", line_end).encode() if line_end != "\r\n"
                     else headings.getvalue().encode())
        rows.write_csv(handle, for_people=True, line_end=line_end.encode())


@export_format("xlsx")
def write_xlsx(selection, rows, path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # rows go to disk as they are written
    sheet = workbook.create_sheet(selection.layout.record_type[:31])
    if selection.layout.option("description_row"):
        sheet.append([column.heading() for column in selection.columns])
    sheet.append([column.name for column in selection.columns])
    for row in _for_people(selection, rows, lambda moment: moment.astimezone(dt.UTC).replace(tzinfo=None)):
        sheet.append(row)
    workbook.save(path)


@export_format("parquet")
def write_parquet(selection, rows, path):
    """Read, a block at a time, from the CSV PostgreSQL writes (columns.Rows.write_csv) into
    a file beside it, then removed."""
    import pyarrow as pa
    import pyarrow.csv as arrow_csv
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(column.name, _arrow_type(column, selection.codes)) for column in selection.columns])
    pool = _parquet_pool()
    written = Path(f"{path}.csv")
    try:
        with open(written, "wb") as handle:
            rows.write_csv(handle)
        with pq.ParquetWriter(path, schema, memory_pool=pool) as out:
            if written.stat().st_size:
                names = [f"c{i}" for i in range(len(schema))]
                reader = arrow_csv.open_csv(
                    pa.input_stream(str(written)),
                    read_options=arrow_csv.ReadOptions(column_names=names, block_size=PARQUET_BLOCK, use_threads=False),
                    parse_options=arrow_csv.ParseOptions(newlines_in_values=True),
                    convert_options=arrow_csv.ConvertOptions(
                        column_types=dict(zip(names, schema.types)), true_values=["t"], false_values=["f"],
                        strings_can_be_null=True),
                    memory_pool=pool)
                held, count = [], 0  # blocks not yet written, and their rows
                for batch in reader:
                    held.append(pa.RecordBatch.from_arrays(batch.columns, schema=schema))
                    count += batch.num_rows
                    if count >= PARQUET_ROW_GROUP:
                        out.write_table(pa.Table.from_batches(held, schema), row_group_size=count)
                        held, count = [], 0
                if held:
                    out.write_table(pa.Table.from_batches(held, schema), row_group_size=count)
            else:
                out.write_table(schema.empty_table())  # an empty year still has its columns
    finally:
        written.unlink(missing_ok=True)


def _parquet_pool():
    """Arrow's jemalloc pool where this pyarrow has it: with the default (mimalloc) the
    process grew about 1.5 MB every 100,000 rows however little Arrow held; with jemalloc
    it stayed flat (bench/README.md)."""
    import pyarrow as pa

    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return pa.default_memory_pool()


def _arrow_type(column, codes):
    """A column's Parquet type, from its question: whole numbers, decimals, dates, text;
    codes are numbers where every code is one, labels are text. A derived value's type is
    whatever its expression computes: a number, unless it declares text codes."""
    import pyarrow as pa

    codes = column.in_codes(codes)
    if column.text or column.not_held or column.unknown or column.decimal_point or (
            column.codes if codes else column.labels):
        return pa.string()  # written as text by columns.py
    if column.date_part:
        return pa.int64()
    if is_flag(column, codes):
        return pa.bool_()
    if column.record:
        return {"id": pa.int64(), "collection_year": pa.int64(), "created_at": pa.timestamp("us", tz="UTC"),
                "updated_at": pa.timestamp("us", tz="UTC"), "created_by_id": pa.int64()}.get(column.record, pa.string())
    if column.entry and column.question is None:
        return entry_columns.arrow_type(column)
    question, derivation = column.question, column.derivation
    options = question.options if question is not None else derivation.options
    if options or (question is not None and question.type == "checkbox"):
        numbers = question is not None and question.type == "checkbox" or all(isinstance(c, int) for c, _ in options)
        return pa.int64() if codes and numbers else pa.string()
    if question is None:
        return pa.float64()
    if question.type == "date":
        return pa.date32()
    if question.type == "numeric":
        whole = question.step is None or float(question.step) == int(float(question.step))
        return pa.int64() if whole else pa.float64()
    return pa.string()
