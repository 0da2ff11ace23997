"""A selection's columns made by PostgreSQL, so that rows come out of the database ready to
write and Python does not touch each value (bench/exports.py measures it).

Each record's answers and derived values are read from its flat row (flat.py: one text
column a name, kept by triggers), as `a` and `d`; unpacking each record's JSON at export
time cost half the query. Then one SQL expression per column: codes as numbers
where every code is one (or each code's label), whole numbers, dates; text as written
(amounts too: Parquet's writer makes them numbers).

    for row in column_rows(selection, Record.objects.filter(...)):   # tuples, in id order
    Rows(selection, records).write_csv(handle)                        # PostgreSQL writes them
"""

from django.db import connection
from django.db.models import Case, Exists, F, OuterRef, Subquery, Value, When

from cldc.platform.exports import entry_columns, flat
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


class Rows:
    """A run's rows, as every format takes them: iterate for tuples, in id order. A format
    that writes CSV, or reads it, may have PostgreSQL write them instead (write_csv), which
    goes at the database's speed. Either way `count` is how many there were, and
    `progress(done, total)`, if given, is told how far it has got."""

    def __init__(self, selection, records, progress=None):
        self.selection, self.records, self.progress = selection, records, progress
        self.count = 0

    def __iter__(self):
        from cldc.platform.exports.runs import PROGRESS_EVERY

        total = self.records.count() if self.progress else 0
        for row in column_rows(self.selection, self.records):
            self.count += 1
            if self.progress and self.count % PROGRESS_EVERY == 0:
                self.progress(self.count, total)
            yield row

    def write_csv(self, handle, for_people=False, line_end=b"\n"):
        """Write the rows to `handle` (a binary file) as CSV lines, quoted only where a cell
        needs it, an empty cell for nothing. For a file a person opens (for_people), the
        cells are those formats._for_people makes: their own words safe from running as
        formulas, times to the second in the layout's time zone, True and False."""
        from cldc.platform.exports import parts

        total = self.records.count()
        zone = self.selection.layout.option("time_zone", "UTC") if for_people else "UTC"
        queries = [_query(self.selection, part, for_people) for part in parts.boundaries(self.records, total)]
        self.count = parts.copy_csv(queries, handle, line_end, zone, self.progress, total)
        return self.count

    def texts(self, make_row, zone="UTC"):
        """Each row as one text that PostgreSQL makes, in id order: make_row(values) gives the
        SQL of a row's text from its values' SQL (one a column, in order, each as the query
        makes it), the session in time zone `zone`. For a format that writes text of its own."""
        from cldc.platform.exports import parts

        total = self.records.count()
        row = make_row([f"q.c{i}" for i in range(len(self.selection.columns))]).replace("%", "%%")
        queries = []
        for part in parts.boundaries(self.records, total):
            sql, params = _query(self.selection, part, named=True)
            # OFFSET 0 keeps the columns' query whole, so each value is made once however often
            # the row's SQL names it.
            queries.append((f"SELECT {row} FROM ({sql} OFFSET 0) AS q ORDER BY q.id", params))
        for text in parts.texts(queries, zone, self.progress, total):
            self.count += 1
            yield text


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
    return [i for i, column in enumerate(selection.columns) if is_peoples_words(column)]


def _query(selection, records, for_people=False, named=False):
    """The SQL of the records' rows, and its parameters. `named`: the record's id first, as
    `id`, then the columns as c0, c1, …"""
    facts = {f"fact_{name}": RECORD_FACTS[name] for name in {c.record for c in selection.columns if c.record}}
    kept = ("confirmations",) if any(c.confirmed for c in selection.columns) else ()
    inner, params = records.values("id", *kept, **facts).query.sql_with_params()  # answers: the flat rows
    conditions = {name: _places(c, name) for c in selection.columns for name in c.conditions}
    # Each name is read where it may be (the flat table keeps a column for each name read):
    # answers from the answers; derived values, and the answers the service fills in, from the derived.
    answers = {c.answer for c in selection.columns if c.question is not None and not c.entry} | {
        name for name, (answer, _) in conditions.items() if answer} | entry_columns.answers_read(selection.columns)
    derived = {c.answer for c in selection.columns if c.answer and (c.question is None or c.filled_in)} | {
        name for name, (_, derived_value) in conditions.items() if derived_value}
    expressions = [_expression(column, selection.codes) for column in selection.columns]
    if for_people:
        expressions = [_for_people(column, text, selection.codes) for column, text in zip(selection.columns, expressions)]
    if named:
        expressions = ["r.id AS id", *(f"{text} AS c{i}" for i, text in enumerate(expressions))]
    outer = (
        f"SELECT {', '.join(expressions) or 'NULL'} FROM ({{inner}}) AS r"
        + _flat_rows(selection.layout, answers, derived)
        + entry_columns.joins(selection.columns)
        + " ORDER BY r.id"
    )
    return outer.replace("%", "%%").replace("{inner}", inner), params  # the inner query keeps its placeholders


def _flat_rows(layout, answers, derived):
    """The records' answers and derived values as `a` and `d`, read from their flat table
    (flat.py: reading columns costs a fraction of unpacking each record's JSON)."""
    if not (answers or derived):
        return ""
    table = flat.ensure(layout.collection, layout.record_type, layout.version, answers, derived)
    return f" JOIN {table} AS f ON f.id = r.id" + flat.column_reads("a", answers) + flat.column_reads("d", derived)


# formats._for_people's cells in SQL: cell_safety.safe_cell's test, and the layout's times.
FORMULA_START = r"^ *[-=+@\t\r]"
A_NUMBER = r"^\s*([+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?|-)\s*$"


def _for_people(column, text, codes):
    if is_time(column):
        return f"""to_char({text}, 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM')"""
    if is_flag(column, codes):
        return f"CASE WHEN {text} THEN 'True' WHEN NOT {text} THEN 'False' END"
    if is_peoples_words(column):
        value = f"NULLIF({text}, '')"
        return (f"CASE WHEN {value} ~ {literal(FORMULA_START)} AND {value} !~ {literal(A_NUMBER)} "
                f"THEN {literal(chr(39))} || {value} ELSE {value} END")
    return text


def is_time(column):
    return column.record in ("created_at", "updated_at") or entry_columns.is_time(column)


def is_flag(column, codes):
    """Whether a column's values are true or false."""
    return _as_stored(column, codes) and (bool(column.confirmed) or column.record == "assigned_to_is_dpo")


def is_date(column, codes=True):
    """Whether a column's values are dates (an answer to a date question)."""
    return _as_stored(column, codes) and column.question is not None and column.question.type == "date"


def _as_stored(column, codes):
    """Whether a column's values keep their type: no option of the layout makes them text."""
    return not (column.not_held or column.unknown or column.date_part or column.decimal_point
                or (column.codes if column.in_codes(codes) else column.labels))


def is_peoples_words(column):
    """Text answers (an entry's too), organisations' names, email addresses."""
    return column.record in PEOPLES_WORDS or (column.question is not None and column.question.type == "text" and (
        column.answer == column.question.id or bool(column.entry))) or (
        bool(column.entry) and column.entry.fact in ("name", "owner"))


def _name(name):
    return '"' + name.replace('"', '""') + '"'


def literal(text):
    """A SQL string literal."""
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
        checks = ", ".join(literal(check) for check in column.confirmed)
        text = f"CASE WHEN r.confirmations ?| ARRAY[{checks}] THEN true END"
    elif column.record:
        text = f"r.{_name('fact_' + column.record)}"
    elif column.entry:
        text = entry_columns.value(column)
    else:
        text = _variable(column)
    if column.else_entry:
        text = f"COALESCE({text}, {entry_columns.path_value(column.else_entry)})"
    if column.only_when:
        text = f"CASE WHEN {_holds(column, column.only_when)} THEN {text} END"
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
        instead = 'NULL' if (code if codes else label) is None else literal(code if codes else label)
        value = f"CASE WHEN {_holds(column, when)} THEN {instead} ELSE {value} END"
    return value


def _variable(column):
    if column.question is None:  # a derived value
        return f"d.{_name(column.answer)}"
    if column.filled_in:  # the service fills some answers in
        return f"COALESCE(a.{_name(column.answer)}, d.{_name(column.answer)})"
    return f"a.{_name(column.answer)}"


def _holds(column, when):
    return " AND ".join(f"{_condition_variable(column, name)} = {literal(code)}" for name, code in when)


def _places(column, name):
    """Whether a condition's variable may be in the answers, and in the derived values: a
    question's answer is never among the derived values unless the service fills it in, and
    a derived value is never an answer unless a question has its name."""
    return next(((answer, derived) for known, answer, derived in column.condition_places if known == name),
                (True, True))


def _condition_variable(column, name):
    answer, derived = _places(column, name)
    if answer and derived:
        return f"COALESCE(a.{_name(name)}, d.{_name(name)})"
    return f"a.{_name(name)}" if answer else f"d.{_name(name)}"


def _table(text, pairs):
    """A fixed table: a value not in it is written as nothing."""
    branches = " ".join(f"WHEN {literal(value)} THEN {'NULL' if shown is None else literal(shown)}"
                        for value, shown in pairs)
    return f"CASE {text} {branches} END"


def _plain(column, text, codes):
    """The value as codes or as the question's (or derived value's) labels."""
    if column.record or column.confirmed or (column.entry and column.question is None):
        return text
    question, derivation = column.question, column.derivation
    if question is None:
        return _coded(text, derivation.options, codes) if derivation.options else text
    stored = not column.filled_in  # the gateway's own: nothing computed it
    if question.type == "checkbox":
        return _coded(text, TICKED, codes, stored)
    if question.options or question.retired_options:
        return _coded(text, question.options + question.retired_options, codes, stored)
    if question.type == "date":
        return f"({text})::date"
    if question.type == "numeric" and question.step is None:
        return f"({text})::numeric::bigint"  # no step: a fraction may be stored, written rounded
    if question.type == "numeric" and float(question.step) == int(float(question.step)):
        return _whole(text, stored)
    return text


def _coded(text, options, codes, stored=False):
    """Codes as numbers where every code is one, else as text; or each code's label."""
    if codes:
        return _whole(text, stored) if all(isinstance(code, int) for code, _ in options) else text
    branches = " ".join(f"WHEN {literal(code)} THEN {literal(label)}" for code, label in options)
    return f"CASE {text} {branches} ELSE {text} END"


def _whole(text, stored):
    """A whole number. An answer as the gateway stored it is one already: its codes and the
    numbers of a whole step are JSON integers (definitions.values), and their text is the
    number's, so casting it cost a tenth of the query for nothing (ADR 0010). A
    derived value's arithmetic may store 2.0 for 2: that is cast."""
    return text if stored else f"({text})::numeric::bigint"
