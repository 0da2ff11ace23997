"""New rows of a model stored by PostgreSQL's COPY instead of the ORM's INSERT: the
same rows (every concrete field, as the ORM would save it: defaults, `auto_now`
timestamps, JSON), about five times faster for the bulk-upload pipeline's chunks of
records and their first revisions (ADR 0021).

    copy_new(Record, records)   # each gets its primary key, as bulk_create() gives it

COPY returns no ids, so they are taken from the table's own sequence first (one
query), and written with the rows. It is one statement, so the records table's
statement-level triggers (the flat rows of exports, the data-quality counts) fire
once with every row, as for one multi-row INSERT. It only writes: what is stored was
judged before (gateway.create_many is the only caller for records).
"""

from django.db import connection


def copy_new(model, objects, db=connection):
    """Store unsaved `objects` of `model` in one COPY; set their primary keys. Returns them."""
    objects = list(objects)
    if not objects:
        return objects
    meta = model._meta
    if any(obj.pk is not None for obj in objects):
        raise ValueError("copy_new stores new rows only")
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    # pre_save sets auto_now fields and returns the value; other fields' values are read as they are.
    stamped = [f for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)]
    quoted = db.ops.quote_name
    table, columns = quoted(meta.db_table), ", ".join(quoted(f.column) for f in [meta.pk, *fields])
    with db.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                       [meta.db_table, meta.pk.column, len(objects)])
        ids = [pk for (pk,) in cursor.fetchall()]
        prepare = [(f.attname, f.get_db_prep_save) for f in fields]
        with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for pk, obj in zip(ids, objects):
                for f in stamped:
                    f.pre_save(obj, add=True)
                copy.write_row([pk, *(prep(getattr(obj, name), db) for name, prep in prepare)])
    for pk, obj in zip(ids, objects):
        obj.pk = pk
        obj._state.adding, obj._state.db = False, db.alias
    return objects
