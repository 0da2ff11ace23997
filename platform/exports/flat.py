"""Each record's answers and derived values kept flat, one text column a name, so that an
export reads them as columns instead of unpacking every record's JSON (ADR 0010, "Flat
rows"). Unpacking cost about 65 ns a name a row, half of an export's database time.

One table a collection, record type and version, in the service's schema, made the
first time an export reads it (`ensure`) and filled from the records then: a column
"a.<name>" for each answer and "d.<name>" for each derived value an export has read
(a layout that reads more remakes it with them all). Triggers on the records table keep
it in step with every statement that writes records, so the gateway stays the only
writer of records and nothing else has to remember the table:

- inserted records of its version are flattened (one statement, however many rows);
- updated records are flattened again when their answers, derived values or version
  changed; a record that left the version (a move to a later one) is taken out;
- deleted records are taken out; a truncate empties it.

The export joins it by the record's id and reads its columns under the names `a` and
`d` (columns.py), as the unpacked JSON was read. Nothing here names a collection."""

import hashlib
import re

from django.db import connection, transaction

from cldc.platform.exports import columns as sql  # its quoting (it imports this module too: read at call time)
from cldc.platform.records.models import Record

# Bumped whenever the table or its triggers change shape: a table of another form is remade.
FORM = "cldc flat rows 1"
IDENTIFIER = 63  # PostgreSQL's longest name, in bytes
EVENTS = ("added", "changed", "removed", "emptied")  # its triggers on the records: insert, update, delete, truncate


def ensure(collection, record_type, version, answers, derived):
    """The flat table of the records of (collection, record_type, version), with a column for
    each of the `answers` and `derived` names (and any it had): its quoted, schema-qualified
    name. Made, or remade with more columns, and filled from the records, when it lacks one."""
    table = _table_name(collection, record_type, version)
    wanted = {_column(place, name): (place, name) for place, names in (("a", answers), ("d", derived))
              for name in names}
    if wanted.keys() <= _columns_held(table).keys():
        analyse_if_stale([Record._meta.db_table, table])
        return _qualified(table)
    with transaction.atomic(), connection.cursor() as cursor:
        # One maker at a time; its triggers lock out writers of records until the fill is committed.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{connection.schema_name}.{table}"])
        held = _columns_held(table)
        if not wanted.keys() <= held.keys():
            _make(cursor, table, (collection, record_type, version), dict(sorted((held | wanted).items())))
    return _qualified(table)


def column_reads(place, names):
    """The SQL that reads the flat table (alias f) under the names the JSON had: `place` is
    "a" (answers) or "d" (derived). PostgreSQL folds it away (no cost a row)."""
    if not names:
        return ""
    reads = ", ".join(f"f.{sql._name(_column(place, name))} AS {sql._name(name)}" for name in sorted(names))
    return f" CROSS JOIN LATERAL (SELECT {reads}) AS {place}"


# PostgreSQL's own autovacuum analyses a table once this share of its rows has changed, but
# only when its next round comes: an export straight after a large upload would be planned
# on the old counts. Measured: 1,000,000 records exported after 900,000 of them were added
# took over 4 minutes (a plan for 100,000) instead of 14 s.
STALE_SHARE, STALE_ROWS = 0.1, 50  # autovacuum_analyze_scale_factor and _threshold, PostgreSQL's defaults


def analyse_if_stale(tables, db=connection):
    """ANALYZE those of the service's `tables` that have changed by more than autovacuum
    allows since they were last analysed, so that the export's plan fits their size."""
    with db.cursor() as cursor:
        cursor.execute("SELECT relname FROM pg_stat_user_tables WHERE schemaname = %s AND relname = ANY(%s) "
                       "AND n_mod_since_analyze > %s + %s * greatest((SELECT reltuples FROM pg_class "
                       "WHERE oid = relid), 0)", [db.schema_name, list(tables), STALE_ROWS, STALE_SHARE])
        for (stale,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {sql._name(db.schema_name)}.{sql._name(stale)}")


def _columns_held(table):
    """{column: (place, name)} of the table of our form, with its triggers (none: not made, or
    of another form). A column's comment is its name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(%s) AND a.attnum > 1 AND NOT a.attisdropped "
            "AND obj_description(a.attrelid, 'pg_class') = %s "
            "AND (SELECT count(*) FROM pg_trigger t WHERE t.tgrelid = to_regclass(%s) AND t.tgname = ANY(%s)) = 4",
            [_qualified(table), FORM, _qualified(Record._meta.db_table), [f"{table}_{event}" for event in EVENTS]])
        return {column: (column[0], name) for column, name in cursor.fetchall()}


def _make(cursor, table, key, columns):
    """(Re)make the table with `columns` ({"a.x": ("a", "x"), ...}), its triggers, and fill it."""
    records, schema = _qualified(Record._meta.db_table), sql._name(connection.schema_name)
    qualified = _qualified(table)
    for suffix in EVENTS:
        cursor.execute(f"DROP TRIGGER IF EXISTS {sql._name(f'{table}_{suffix}')} ON {records}")
        cursor.execute(f"DROP FUNCTION IF EXISTS {schema}.{sql._name(f'{table}_{suffix}')}()")
    cursor.execute(f"DROP TABLE IF EXISTS {qualified}")
    cursor.execute(f"CREATE TABLE {qualified} (id bigint PRIMARY KEY, "
                   + ", ".join(f"{sql._name(column)} text" for column in columns) + ")")
    cursor.execute(f"COMMENT ON TABLE {qualified} IS {sql.literal(FORM)}")
    for column, (_, name) in columns.items():
        cursor.execute(f"COMMENT ON COLUMN {qualified}.{sql._name(column)} IS {sql.literal(name)}")

    collection, record_type, version = key
    of_version = (f"r.collection = {sql.literal(collection)} AND r.record_type = {sql.literal(record_type)} "
                  f"AND r.version = {int(version)}")
    names = ", ".join(sql._name(column) for column in columns)
    # jsonb_to_record gives each name's text as the export's query read it before: strings
    # unquoted, numbers and true/false as JSON writes them.
    values = ", ".join(f"{place}.{sql._name(name)}" for place, name in columns.values())
    flattened = (f"SELECT r.id, {values} FROM {{rows}} AS r"  # {rows}: the records to flatten
                 + _unpack("answers", "a", columns) + _unpack("derived", "d", columns))
    upsert = (f"INSERT INTO {qualified} (id, {names}) {{select}} ON CONFLICT (id) DO UPDATE SET ({names}) = "
              f"ROW({', '.join(f'EXCLUDED.{sql._name(column)}' for column in columns)})")
    bodies = {
        "added": _put(upsert, "{select}", _put(flattened, "{rows}", "added") + f" WHERE {of_version}"),
        "changed": (
            f"DELETE FROM {qualified} f USING removed AS r WHERE f.id = r.id AND NOT EXISTS "
            f"(SELECT 1 FROM added AS r WHERE r.id = f.id AND {of_version}); "
            + _put(upsert, "{select}", _put(flattened, "{rows}", "added") + f" JOIN removed AS o ON o.id = r.id "
                            f"WHERE {of_version} AND (o.answers, o.derived, o.collection, o.record_type, o.version) "
                            f"IS DISTINCT FROM (r.answers, r.derived, r.collection, r.record_type, r.version)")),
        "removed": f"DELETE FROM {qualified} f USING removed AS r WHERE f.id = r.id",
        "emptied": f"TRUNCATE {qualified}",
    }
    events = {"added": ("INSERT", "NEW TABLE AS added"),
              "changed": ("UPDATE", "OLD TABLE AS removed NEW TABLE AS added"),
              "removed": ("DELETE", "OLD TABLE AS removed"), "emptied": ("TRUNCATE", "")}
    for suffix, body in bodies.items():
        function = f"{schema}.{sql._name(f'{table}_{suffix}')}"
        cursor.execute(f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $flat$ "
                       f"BEGIN {body}; RETURN NULL; END $flat$")
        event, transition = events[suffix]
        cursor.execute(f"CREATE TRIGGER {sql._name(f'{table}_{suffix}')} AFTER {event} ON {records} "
                       + (f"REFERENCING {transition} " if transition else "")
                       + f"FOR EACH STATEMENT EXECUTE FUNCTION {function}()")
    # The records already there (writers wait for this transaction: the triggers lock them out).
    cursor.execute(_put(upsert, "{select}", _put(flattened, "{rows}", records) + f" WHERE {of_version}"))
    cursor.execute(f"ANALYZE {qualified}")


def _put(text, hole, sql_text):
    """`text` with its `hole` filled (not str.format: a name may hold braces)."""
    return text.replace(hole, sql_text)


def _unpack(field, place, columns):
    names = [name for where, name in columns.values() if where == place]
    if not names:
        return ""
    return (f" CROSS JOIN LATERAL jsonb_to_record(r.{field}) AS {place}("
            + ", ".join(f"{sql._name(name)} text" for name in names) + ")")


def _column(place, name):
    """A column is its place and its name ("a.rent" for the answer rent, "d.rent" for the
    derived value); a name too long for PostgreSQL is shortened with a digest of it (the
    column's comment is its name either way)."""
    column = f"{place}.{name}"
    if len(column.encode()) <= IDENTIFIER:
        return column
    return f"{place}.#{hashlib.sha256(name.encode()).hexdigest()[:40]}"


def _table_name(collection, record_type, version):
    name = re.sub(r"[^a-z0-9_]", "_", f"exports_flat_{collection}_{record_type}_{version}".lower())
    if len(name) > IDENTIFIER - 8:  # room for a trigger's suffix
        name = name[:IDENTIFIER - 25] + "_" + hashlib.sha256(name.encode()).hexdigest()[:16]
    return name


def _qualified(name):
    return f"{sql._name(connection.schema_name)}.{sql._name(name)}"
