"""The gateway's judgement of upload rows, on every core.

Judging a row (`gateway.submit(..., validate_only=True)`: normalise, route, derive,
check) is most of an upload's cost, and it is pure Python, so one process uses one
core. It reads no database once a record's organisations are loaded, so chunks of
rows can be judged in other processes while the pipeline's own process reads,
converts and stores the chunks before them (importer.py): the same call, the same
outcomes, whichever process makes it.

    with Judge(parallel=True) as judge:
        judged = judge.chunk([(record, answers), ...], user=person, confirm=[...], windows=windows)
        outcomes = judged.result()   # Judged; a WindowClosed in place of a row the window refuses

A judging process sends back, of each Outcome, only what the pipeline reads (Judged):
the record's stored fields as the gateway held them (put back on the pipeline's own
record, the one it sent), the changes, errors, warnings and notes; not the typed
answers, the rule engine's findings or the record's organisations, which cost more to
pickle and unpickle than the rest.

`CLDC_UPLOAD_PROCESSES` judging processes (one a CPU by default; 1 judges here). They
are forked once a run, so they start with what the parent has loaded (the definition,
the rule pack). A forked process shares its parent's database socket and must never close
it: psycopg would end the parent's session, and its open transaction, for it. So a
judging process forgets Django's connections without closing them, and refuses queries.

In a Celery worker, billiard marks the pool's processes daemonic, and multiprocessing
refuses a daemonic process children, so that nothing outlives the worker. Judging
processes end with the run and are killed if their parent dies first, so they are
allowed there. If no pool can be made, chunks are judged here, and the log says why.
"""

import ctypes
import logging
import multiprocessing
import os
import signal
import sys
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.db import connections

from cldc.platform.records.gateway import WindowClosed, submit
from cldc.platform.records.models import Record

log = logging.getLogger(__name__)
PR_SET_PDEATHSIG = 1  # linux/prctl.h
_parent_connections = []  # in a judging process: the parent's, kept unclosed (see above)
_fallback_logged = False


@dataclass
class Judged:
    """Of a row's Outcome, what the pipeline reads, and gateway.create_many and commit store."""

    record: Record
    status: str
    changes: dict
    errors: list
    warnings: list
    notes: list
    missing: list
    saved: bool = False


STORED = tuple(f.attname for f in Record._meta.concrete_fields)  # what the gateway holds on a record


def judge(rows, user, confirm, windows=None, inferred=frozenset()):
    """The gateway's judgement of (record, answers) pairs, as for any channel, as Judged;
    nothing saved. A row the collection window refuses gives its WindowClosed instead."""
    outcomes = []
    for record, answers in rows:
        try:
            outcome = submit(record, answers, source="upload", user=user, confirm=confirm, validate_only=True,
                             windows=windows, inferred=inferred)
            outcomes.append(Judged(record, outcome.status, outcome.changes, outcome.errors, outcome.warnings,
                                   outcome.notes, outcome.missing))
        except WindowClosed as closed:
            outcomes.append(closed)
    return outcomes


def _judge_elsewhere(rows, user, confirm, windows=None, inferred=frozenset()):
    """judge() in a judging process: each record's stored fields in place of the record."""
    return [outcome if isinstance(outcome, WindowClosed) else
            Judged(tuple(getattr(outcome.record, name) for name in STORED), outcome.status, outcome.changes,
                   outcome.errors, outcome.warnings, outcome.notes, outcome.missing)
            for outcome in judge(rows, user, confirm, windows, inferred)]


class _Returned:
    """A chunk judged elsewhere (a Future's `result()`): its records' stored fields put
    back on the records sent."""

    def __init__(self, judged, records):
        self.judged, self.records = judged, records

    def result(self, timeout=None):
        outcomes = self.judged.result(timeout)
        for record, outcome in zip(self.records, outcomes):
            if not isinstance(outcome, WindowClosed):
                for name, value in zip(STORED, outcome.record):
                    setattr(record, name, value)
                outcome.record = record
        return outcomes


class Judge:
    """Judges chunks of rows in a pool of processes, or here with one process."""

    def __init__(self, parallel=True):
        processes = settings.CLDC_UPLOAD_PROCESSES if parallel else 1
        self.pool = _start_pool(processes) if processes > 1 else None
        # Chunks sent ahead of the one the pipeline waits for: enough to keep every
        # judging process busy while the pipeline stores.
        self.ahead = processes if self.pool else 0

    @property
    def in_parallel(self):
        return self.pool is not None

    def chunk(self, rows, user, confirm, windows=None, inferred=frozenset()):
        """Judge [(record, answers)]; the future's result is their outcomes, in order."""
        if self.pool:
            return _Returned(self.pool.submit(_judge_elsewhere, rows, user, confirm, windows, inferred),
                             [record for record, _ in rows])
        judged = Future()
        judged.set_result(judge(rows, user, confirm, windows, inferred))
        return judged

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool:
            self.pool.shutdown(cancel_futures=True)


def _start_pool(processes):
    global _fallback_logged
    pool = None
    try:
        with _children_allowed():
            pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"),
                                       initializer=_judging_process, initargs=(os.getpid(),))
            pool.submit(int).result()  # a fork pool starts all its processes with the first task
        return pool
    except Exception as error:  # no fork, no memory for a process, ...: judge here
        if pool:
            pool.shutdown(cancel_futures=True)
        if not _fallback_logged:
            log.warning("Upload rows are judged in one process: no judging processes (%s)", error)
            _fallback_logged = True
        return None


@contextmanager
def _children_allowed():
    """A Celery (billiard) pool process is daemonic: allow it children while they start."""
    process = multiprocessing.current_process()
    if not process.daemon:
        yield
        return
    process._config["daemon"] = False  # the `daemon` setter refuses a started process
    try:
        yield
    finally:
        process._config["daemon"] = True


def _judging_process(parent):
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent, which ends the pool
    if sys.platform == "linux":  # killed when the parent dies, whatever kills it
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # it died before that
        os._exit(1)
    for connection in connections.all():
        _parent_connections.append(connection.connection)  # closing it would end the parent's session
        connection.connection = None
        connection.execute_wrappers.append(_no_queries)


def _no_queries(*args):
    raise RuntimeError("A judging process must not use the database (it shares its parent's connection).")
