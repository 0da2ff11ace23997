"""A selection's columns made by PostgreSQL, so that rows come out of the database ready to
write and Python does not touch each value (bench/exports.py measures it).

Each record's answers and derived values are unpacked once per row, with
jsonb_to_record in a lateral join: reading a jsonb with `->>` once per column would
decompress it once per column. Then one SQL expression per column: codes as numbers
where every code is one (or each code's label), whole numbers, dates; text as written
(amounts too: Parquet's writer makes them numbers).

    for row in column_rows(selection, Record.objects.filter(...)):   # tuples, in id order
"""

from django.db import connection
from django.db.models import F

BATCH = 2_000  # rows fetched at a time through a server-side cursor: memory stays flat
RECORD_FACTS = {  # a fact -> what the records' query gives for it
    "id": F("id"),
    "status": F("status"),
    "collection_year": F("version"),
    "source": F("source"),
    "created_at": F("created_at"),
    "updated_at": F("updated_at"),
    "owning_organisation": F("owning_organisation__name"),
    "managing_organisation": F("managing_organisation__name"),
    "assigned_to": F("assigned_to__email"),
    "created_by": F("created_by__email"),
}
PEOPLES_WORDS = {"owning_organisation", "managing_organisation", "assigned_to", "created_by"}  # typed by people
TICKED = ((1, "Yes"), (0, "No"))


def column_rows(selection, records):
    """The records (a queryset: its filters are the visibility rule's and the run's) as
    tuples of the selection's columns, in id order, fetched in batches."""
    sql, params = _query(selection, records)
    with connection.chunked_cursor() as cursor:  # a server-side cursor, as QuerySet.iterator uses
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            yield from rows


def free_text_positions(selection):
    """Where in a row people's own words are (text answers, organisations' names, email
    addresses): what a writer of a file a person opens makes safe from formulas."""
    return [i for i, column in enumerate(selection.columns)
            if column.record in PEOPLES_WORDS
            or (column.question is not None and column.answer == column.question.id and column.question.type == "text")]


def _query(selection, records):
    facts = {f"fact_{name}": RECORD_FACTS[name] for name in {c.record for c in selection.columns if c.record}}
    inner, params = records.values("id", "answers", "derived", **facts).query.sql_with_params()
    answers = sorted({c.answer for c in selection.columns if c.question is not None})
    derived = sorted({c.answer for c in selection.columns if not c.record})
    expressions = [_expression(column, selection.codes) for column in selection.columns]
    outer = (
        f"SELECT {', '.join(expressions) or 'NULL'} FROM ({{inner}}) AS r"
        + (f" CROSS JOIN LATERAL jsonb_to_record(r.answers) AS a({_columns(answers)})" if answers else "")
        + (f" CROSS JOIN LATERAL jsonb_to_record(r.derived) AS d({_columns(derived)})" if derived else "")
        + " ORDER BY r.id"
    )
    return outer.replace("%", "%%").replace("{inner}", inner), params  # the inner query keeps its placeholders


def _columns(names):
    return ", ".join(f"{_name(name)} text" for name in names)


def _name(name):
    return '"' + name.replace('"', '""') + '"'


def _literal(text):
    return "'" + str(text).replace("'", "''") + "'"


def _expression(column, codes):
    if column.record:
        return f"r.{_name('fact_' + column.record)}"
    name, question, derivation = _name(column.answer), column.question, column.derivation
    if question is None:  # a derived value
        text = f"d.{name}"
        return _coded(text, derivation.options, codes) if derivation.options else text
    text = f"COALESCE(a.{name}, d.{name})"  # the service fills some answers in
    if question.type == "checkbox":
        return _coded(text, TICKED, codes)
    if question.options or question.retired_options:
        return _coded(text, question.options + question.retired_options, codes)
    if question.type == "date":
        return f"({text})::date"
    if question.type == "numeric" and (question.step is None or float(question.step) == int(float(question.step))):
        return f"({text})::numeric::bigint"
    return text


def _coded(text, options, codes):
    """Codes as numbers where every code is one, else as text; or each code's label."""
    if codes:
        return f"({text})::numeric::bigint" if all(isinstance(code, int) for code, _ in options) else text
    branches = " ".join(f"WHEN {_literal(code)} THEN {_literal(label)}" for code, label in options)
    return f"CASE {text} {branches} ELSE {text} END"
