"""Export formats: each writes a layout's rows to a file as they come, so memory stays
flat however many records there are. CSV, XLSX and Parquet are the platform's; a
package adds its own with @export_format("<collection>.<name>") in its functions module
(contract.FUNCTIONS["export_format"] is the signature)."""

import csv
import datetime as dt
from zoneinfo import ZoneInfo

from cldc.platform.exports.columns import free_text_positions
from cldc.platform.uploads.cell_safety import safe_cell

FORMATS = {}  # name -> (writer, file extension)
GIVEN_THE_RUN = set()  # names of formats whose writer is also given the ExportRun
LAYOUT_OF = {}  # format name -> the layout it writes unless another is asked for
PARQUET_BATCH = 10_000


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
    time_at = [i for i, column in enumerate(selection.columns) if column.record in ("created_at", "updated_at")]
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
    """Cells are quoted only when they hold a comma, a quote or a line end; None is an
    empty cell. The layout may ask for a byte order mark, "\\n" line ends, a time zone
    and a description row (layouts.LAYOUT_OPTIONS)."""
    layout = selection.layout
    zone = ZoneInfo(layout.option("time_zone", "UTC"))
    with open(path, "w", newline="", encoding="utf-8") as handle:
        if layout.option("byte_order_mark"):
            handle.write("\ufeff")
        # The writer always ends lines with "\r\n", so that it quotes a cell holding "\r" or "\n"
        # whatever the line end (with lineterminator="\n" it would not quote a "\r").
        out = csv.writer(_LineEnds(handle, layout.option("line_end", "\r\n")), lineterminator="\r\n")
        if layout.option("description_row"):
            out.writerow([column.heading() for column in selection.columns])
        out.writerow([column.name for column in selection.columns])
        out.writerows(_for_people(selection, rows,
                                  lambda moment: moment.astimezone(zone).isoformat(timespec="seconds")))


class _LineEnds:
    """A file the csv writer writes its rows to, each ending in `line_end`."""

    def __init__(self, handle, line_end):
        self.handle, self.line_end = handle, line_end

    def write(self, row):
        return self.handle.write(row if self.line_end == "\r\n" else row[:-2] + self.line_end)


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
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([pa.field(column.name, _arrow_type(column, selection.codes)) for column in selection.columns])
    with pq.ParquetWriter(path, schema) as out:
        batch = []
        for row in rows:
            batch.append(row)
            if len(batch) == PARQUET_BATCH:
                out.write_table(_table(batch, schema))
                batch = []
        out.write_table(_table(batch, schema))  # an empty year still has its columns


def _table(batch, schema):
    import pyarrow as pa

    columns = list(zip(*batch)) if batch else [[] for _ in schema]
    return pa.Table.from_arrays([pa.array(_typed(values, field.type), type=field.type)
                                 for values, field in zip(columns, schema)], schema=schema)


def _typed(values, arrow_type):
    import pyarrow as pa

    if pa.types.is_string(arrow_type):
        return [None if v is None else str(v) for v in values]
    if pa.types.is_floating(arrow_type):
        return [None if v is None else float(v) for v in values]
    return list(values)


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
    if column.confirmed:
        return pa.bool_()
    if column.record:
        return {"id": pa.int64(), "collection_year": pa.int64(), "created_at": pa.timestamp("us", tz="UTC"),
                "updated_at": pa.timestamp("us", tz="UTC"), "created_by_id": pa.int64(),
                "assigned_to_is_dpo": pa.bool_()}.get(column.record, pa.string())
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
