"""Rows made and written by PostgreSQL, in parts of the id range run side by side on
connections of their own, one a core: how exports go at the database's speed
(bench/exports.py). Two ways out: CSV written by COPY ... TO STDOUT (copy_csv), with no
value passing through Python; or one text a row that a format's SQL makes (texts).

A part on a connection of its own sees committed records only, as an export run by a
worker or a command does; so a run of fewer than EXPORT_PART_MIN records a part, as
every test's is, is one part on the caller's own connection.
tests/exports/test_csv_by_postgresql.py runs parts side by side on committed records.
"""

import os
import shutil
import tempfile
import threading

from django.conf import settings
from django.db import connection, transaction
from django_tenants.utils import schema_context

from cldc.platform.exports.columns import BATCH

POLL_SECONDS = 0.5  # how often progress is told while parts run side by side
TEXT_END = "\0"  # after each text in a part's file: no XML or CSV text holds it


def boundaries(records, total):
    """Split the records (a queryset of `total`) into parts of about equal counts: a list of
    querysets, in id order."""
    count = min(settings.EXPORT_WORKERS or os.cpu_count() or 1, max(1, total // settings.EXPORT_PART_MIN))
    if count == 1:
        return [records]
    ordered = records.order_by("pk").values_list("pk", flat=True)
    # Each later part's first id (none, if records went meanwhile: the parts are fewer).
    cuts = [first for i in range(1, count) for first in ordered[total * i // count:total * i // count + 1]]
    edges = [None, *sorted(set(cuts)), None]
    return [records.filter(**({"pk__gte": low} if low else {}), **({"pk__lt": high} if high else {}))
            for low, high in zip(edges, edges[1:])]


def copy_csv(queries, handle, line_end=b"\n", zone="UTC", progress=None, total=0):
    """Write the rows of each query ([(sql, params), ...], one a part, in order) to `handle`
    (binary) as CSV lines ending in `line_end`, PostgreSQL's session in time zone `zone`
    (what to_char writes times in); the number of rows. `progress(done, total)` is told
    how far it has got."""
    def write(cursor, sql, params, out, tally):
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            for row in copy:  # a row a block, ending in "\n"
                out.write(row if line_end == b"\n" else bytes(row[:-1]) + line_end)
                tally()

    if len(queries) == 1:
        return _part(*queries[0], handle, write, zone, progress and (lambda done: progress(done, total)))
    count, files = _side_by_side(queries, write, zone, progress, total)
    for file in files:
        with file:
            shutil.copyfileobj(file, handle, 1 << 20)
    return count


def texts(queries, zone="UTC", progress=None, total=0):
    """The text of each row (each query selects one), in order, the session in `zone`."""
    if len(queries) == 1:
        yield from _texts_of_one_part(*queries[0], zone, progress, total)
        return

    def write(cursor, sql, params, out, tally):
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(BATCH):
            out.write("".join(text + TEXT_END for text, in rows).encode())
            for _ in rows:
                tally()

    _, files = _side_by_side(queries, write, zone, progress, total, server_side=True)
    for file in files:
        with file:
            rest = b""
            while block := file.read(1 << 20):
                *whole, rest = (rest + block).split(TEXT_END.encode())
                yield from (text.decode() for text in whole)


def _texts_of_one_part(sql, params, zone, progress, total):
    from cldc.platform.exports.runs import PROGRESS_EVERY

    with _session(zone), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        done = 0
        while rows := cursor.fetchmany(BATCH):
            for text, in rows:
                yield text
            done += len(rows)
            if progress and done // PROGRESS_EVERY > (done - len(rows)) // PROGRESS_EVERY:
                progress(done, total)


def _side_by_side(queries, write, zone, progress, total, server_side=False):
    """Run each part on a thread and a connection of its own into an unnamed file: (rows,
    the files, read from their start)."""
    files = [tempfile.TemporaryFile() for _ in queries]
    counted, failures = [0] * len(queries), []
    schema = connection.schema_name

    def run(i):
        try:
            with schema_context(schema):
                _part(*queries[i], files[i], write, zone, lambda done: counted.__setitem__(i, done), server_side)
        except Exception as error:  # raised again by the caller's thread
            failures.append(error)
        finally:
            connection.close()  # this thread's own

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(queries))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(POLL_SECONDS)
                if progress:
                    progress(sum(counted), total)
        if failures:
            raise failures[0]
    except BaseException:
        for file in files:
            file.close()
        raise
    for file in files:
        file.seek(0)
    return sum(counted), files


def _part(sql, params, out, write, zone, tell=None, server_side=False):
    """One part's rows written to `out` by `write(cursor, sql, params, out, tally)`, which
    calls tally() after each row; tell(done) is told every PROGRESS_EVERY rows and at the end.
    The number of rows."""
    from cldc.platform.exports.runs import PROGRESS_EVERY

    done = 0

    def tally():
        nonlocal done
        done += 1
        if tell and done % PROGRESS_EVERY == 0:
            tell(done)

    with _session(zone), (connection.chunked_cursor() if server_side else connection.cursor()) as cursor:
        write(cursor, sql, params, out, tally)
    if tell and done % PROGRESS_EVERY:  # the rest, not yet told
        tell(done)
    return done


class _session:
    """A transaction with JIT and parallel query off and the session in time zone `zone`, then all as they were
    (the caller's connection goes on: a test's, say)."""

    def __init__(self, zone):
        self.zone = zone

    def __enter__(self):
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('jit'), current_setting('TimeZone'), "
                           "current_setting('max_parallel_workers_per_gather')")
            self.before = cursor.fetchone()
            # The query's cost is in functions the planner thinks cheap; JIT compiling it costs
            # more than it saves (twice as slow, measured on 50,000 records). Parts are our
            # parallelism: PostgreSQL's own made each worker read the whole flat table.
            cursor.execute("SELECT set_config('jit', 'off', true), set_config('TimeZone', %s, true), "
                           "set_config('max_parallel_workers_per_gather', '0', true)", [self.zone])

    def __exit__(self, kind, error, trace):
        if kind is None:  # after a failure, the rollback puts them back
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('jit', %s, true), set_config('TimeZone', %s, true), "
                               "set_config('max_parallel_workers_per_gather', %s, true)", self.before)
        return self.atomic.__exit__(kind, error, trace)
