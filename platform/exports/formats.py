"""Export formats: each writes a layout's rows to a file as they come, so memory stays
flat however many records there are. CSV, XLSX and Parquet are the platform's; a
package adds its own with @export_format("<collection>.<name>") in its functions module
(contract.FUNCTIONS["export_format"] is the signature)."""

import csv
import datetime as dt

from cldc.platform.exports.columns import free_text_positions
from cldc.platform.uploads.cell_safety import safe_cell

FORMATS = {}  # name -> (writer, file extension)
PARQUET_BATCH = 10_000


def export_format(name, extension=None):
    """Register a writer `fn(selection, rows, path)` under `name`; its files end in
    `.extension` (default: the name's last part)."""
    def register(fn):
        FORMATS[name] = (fn, extension or name.rsplit(".", 1)[-1])
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
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)  # None is written as an empty cell
        out.writerow([column.name for column in selection.columns])
        out.writerows(_for_people(selection, rows, lambda moment: moment.isoformat(timespec="seconds")))


@export_format("xlsx")
def write_xlsx(selection, rows, path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)  # rows go to disk as they are written
    sheet = workbook.create_sheet(selection.layout.record_type[:31])
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

    if column.record:
        return {"id": pa.int64(), "collection_year": pa.int64(), "created_at": pa.timestamp("us", tz="UTC"),
                "updated_at": pa.timestamp("us", tz="UTC")}.get(column.record, pa.string())
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
