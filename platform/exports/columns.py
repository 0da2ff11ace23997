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
from django.db.models import Case, Exists, F, OuterRef, Subquery, Value, When

from cldc.platform.organisations.models import Membership
from cldc.platform.records.models import Revision

BATCH = 2_000  # rows fetched at a time through a server-side cursor: memory stays flat


def _last_change(field):
    """Of the person who made the record's latest change after it was created (its revisions after the first)."""
    return Subquery(Revision.objects.filter(record=OuterRef("pk"), number__gt=1).order_by("-number").values(field)[:1])


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
    "created_by_id": F("created_by_id"),
    "assigned_to_id": F("assigned_to_id"),
    "assigned_to_is_dpo": Case(When(assigned_to__isnull=True, then=Value(None)), default=Exists(
        Membership.objects.filter(user=OuterRef("assigned_to"), is_data_protection_officer=True))),
    "updated_by": _last_change("user__email"),
    "updated_by_id": _last_change("user_id"),
    "owning_organisation_id": F("owning_organisation_id"),
    "owning_organisation_type": F("owning_organisation__type"),
    "owning_organisation_regulator_number": F("owning_organisation__regulator_number"),
    "managing_organisation_id": F("managing_organisation_id"),
    "managing_organisation_regulator_number": F("managing_organisation__regulator_number"),
}
PEOPLES_WORDS = {"owning_organisation", "managing_organisation", "assigned_to", "created_by", "updated_by"}  # people's
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
    kept = ("confirmations",) if any(c.confirmed for c in selection.columns) else ()
    inner, params = records.values("id", "answers", "derived", *kept, **facts).query.sql_with_params()
    answers = {c.answer for c in selection.columns if c.question is not None}
    derived = {c.answer for c in selection.columns if c.answer}
    conditions = {name for c in selection.columns for name in c.conditions}  # an answer or a derived value
    answers, derived = sorted(answers | conditions), sorted(derived | conditions)
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
    if isinstance(text, bool):  # as JSON writes it, and so jsonb_to_record's text
        text = "true" if text else "false"
    return "'" + str(text).replace("'", "''") + "'"


def _expression(column, codes):
    """A column's SQL: its value as codes or labels, then the layout's presentation
    options (layouts.COLUMN_OPTIONS) in the order the docs give them."""
    if column.not_held:
        return "NULL"
    codes = column.in_codes(codes)
    if column.confirmed:  # the gateway keeps only confirmations of checks that fire now
        checks = ", ".join(_literal(check) for check in column.confirmed)
        text = f"CASE WHEN r.confirmations ?| ARRAY[{checks}] THEN true END"
    elif column.record:
        text = f"r.{_name('fact_' + column.record)}"
    else:
        text = _variable(column.answer, column.question)
    if column.only_when:
        text = f"CASE WHEN {_holds(column.only_when)} THEN {text} END"
    if column.date_part:
        value = f"extract({column.date_part} from ({text})::date)::int"
    elif column.decimal_point:
        number = f"({text})::numeric"
        value = f"CASE WHEN {number} = trunc({number}) THEN trunc({number})::text || '.0' ELSE {number}::text END"
    elif codes and column.codes:
        value = _table(text, column.codes)
    elif not codes and column.labels:
        value = _table(text, column.labels)
    else:
        value = _plain(column, text, codes)
    if column.unknown:  # as text: what stands in for a value may be a label where a number was
        value = f"({value})::text"
    for when, code, label in reversed(column.unknown):
        instead = code if codes else label
        value = f"CASE WHEN {_holds(when)} THEN {'NULL' if instead is None else _literal(instead)} ELSE {value} END"
    return value


def _variable(variable, question):
    if question is None:  # a derived value
        return f"d.{_name(variable)}"
    return f"COALESCE(a.{_name(variable)}, d.{_name(variable)})"  # the service fills some answers in


def _holds(when):
    return " AND ".join(f"COALESCE(a.{_name(name)}, d.{_name(name)}) = {_literal(code)}" for name, code in when)


def _table(text, pairs):
    """A fixed table: a value not in it is written as nothing."""
    branches = " ".join(f"WHEN {_literal(value)} THEN {'NULL' if shown is None else _literal(shown)}"
                        for value, shown in pairs)
    return f"CASE {text} {branches} END"


def _plain(column, text, codes):
    """The value as codes or as the question's (or derived value's) labels."""
    if column.record or column.confirmed:
        return text
    question, derivation = column.question, column.derivation
    if question is None:
        return _coded(text, derivation.options, codes) if derivation.options else text
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
