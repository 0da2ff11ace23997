"""A return's quality report: the package's tables (report_tables.py) counted by
PostgreSQL over the return's records as frozen in its latest snapshot (or, while the
return is open, over the records that belong now: its ReturnMembers), each figure with
the previous quarter's (its return's latest snapshot) and a flag where it moved by more
than the table's threshold; the records behind a figure; and the national tables, one
row per organisation, over every organisation's latest snapshot of a quarter.

Counting is SQL over the rows' JSON (answers and derived), one GROUP BY query for the
tables that share their rows, never a loop over records in Python. A source is a query giving rows `s` with record_number,
record_id, reference, answers, derived (and organisation_id, for the national tables)."""

from dataclasses import dataclass, field

from django.db import connection

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.returns.membership import refresh, return_for
from cldc.platform.returns.models import Return, ReturnMember, Snapshot, SnapshotRecord
from cldc.platform.returns.report_tables import (
    BLANK_JSON, bind, condition_sql, laid_out, names_of, report_tables_of, value_column)

# --- Sources ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    sql: str
    params: tuple = ()


def snapshot_source(snapshot_ids):
    """The rows frozen in these snapshots, with each one's organisation."""
    records, returns, snapshots = (model._meta.db_table for model in (SnapshotRecord, Return, Snapshot))
    return Source(
        f"SELECT r.record_number, r.record_id, r.reference, r.answers, r.derived, m.organisation_id "
        f"FROM {records} r JOIN {snapshots} n ON n.id = r.snapshot_id JOIN {returns} m ON m.id = n.return_made_id "
        f"WHERE r.snapshot_id = ANY(%s)", (list(snapshot_ids),))


def members_kept_source(made, organisation, user):
    """The records in an open return (its ReturnMembers, included) that the person sees,
    as they stand: the rows PostgreSQL counts, never brought to Python."""
    members, records = ReturnMember._meta.db_table, Record._meta.db_table
    visible, visible_params = Record.objects.visible_to(user).values("pk").query.sql_with_params()
    return Source(f"SELECT r.id AS record_number, r.id AS record_id, m.reference, r.answers, r.derived, "
                  f"%s::bigint AS organisation_id FROM {members} m JOIN {records} r ON r.id = m.record_id "
                  f"WHERE m.return_made_id = %s AND m.included AND r.id IN ({visible})",
                  (organisation.pk, made.pk, *visible_params))


def latest_snapshot(organisation, declared, period):
    made = Return.objects.filter(organisation=organisation, collection=declared.collection,
                                 record_type=declared.record_type, year=period.year, number=period.number).first()
    return made.latest_snapshot() if made else None


def latest_snapshots(organisations, declared, period):
    """{organisation id: Snapshot}: each one's latest snapshot of the period, if any."""
    found = {}
    for snapshot in (Snapshot.objects.filter(
            return_made__organisation__in=organisations, return_made__collection=declared.collection,
            return_made__record_type=declared.record_type, return_made__year=period.year,
            return_made__number=period.number).select_related("return_made").order_by("version")):
        found[snapshot.return_made.organisation_id] = snapshot
    return found


def return_sources(user, declared, organisation, period, made):
    """(the return's Source, the previous quarter's or None, whether frozen): its latest
    snapshot once submitted; while open (or reopened), the records that belong now."""
    if made is not None and not made.is_open:
        current = snapshot_source([made.latest_snapshot().pk])
    else:
        made = made or return_for(declared, organisation, period)
        refresh(declared, [made])
        current = members_kept_source(made, organisation, user)
    previous = latest_snapshot(organisation, declared, period.previous())
    return current, (snapshot_source([previous.pk]) if previous else None), not (made is None or made.is_open)


def with_values(source, names, member_values=()):
    """The source with each variable in `names` as a column of its own (report_tables.value_column):
    its answer, else the derived value of that name, as playback.figures.value_of reads a
    record; a report's member value (report_tables.MemberValue) as member_value_sql reads
    it. Read once a record here, however many columns and conditions test it."""
    names = sorted(set(names))
    if not names:
        return source
    members = {member.id: member for member in member_values}
    reads, params = [], []
    for name in names:
        sql, read_params = member_value_sql(members[name]) if name in members else (
            "COALESCE(s.answers -> %s, s.derived -> %s)", (name, name))
        reads.append(f"{sql} AS {value_column(name)}")
        params += read_params
    return Source(f"SELECT s.*, {', '.join(reads)} FROM ({source.sql}) s OFFSET 0", (*params, *source.params))


def member_value_sql(member):
    """(sql, params): the member's answer, from the row's answers, of the block's member
    open on the period's day (a placeholder for bind): opened on or before it (its
    opening date present) and not closed by then, as definitions.members.open_members
    judges; the latest opened if several are. Dates are ISO text, compared as the
    conditions compare them."""
    members, params = [], []
    for index in member.indices:
        closed = "s.answers -> %s" if member.closes else "NULL::jsonb"
        members.append(f"(%s::int, s.answers -> %s, {closed}, s.answers -> %s)")
        params += [index, member.of(member.opens, index), *([member.of(member.closes, index)] if member.closes else []),
                   member.of(member.value, index)]
    day = f"{{{member.open_on}}}"
    sql = (f"(SELECT m.value FROM (VALUES {', '.join(members)}) AS m(n, opened, closed, value) "
           f"WHERE jsonb_typeof(m.opened) = 'string' AND m.opened NOT IN {BLANK_JSON} AND m.opened <= %s::jsonb "
           f"AND (m.closed IS NULL OR m.closed IN {BLANK_JSON} OR m.closed > %s::jsonb) "
           f"ORDER BY m.opened DESC, m.n DESC LIMIT 1)")
    return sql, (*params, day, day)


# --- Counting --------------------------------------------------------------------------------


def names_read(layout, columns=None):
    """The variables a table's condition and columns (all, or these) read."""
    return {*names_of(layout.table.when), *(name for column in (columns or layout.columns) for name in column.names)}


def count(layouts, source, period, by_organisation=False):
    """[{row key: [count of each column]}], one for each table: row keys are a table's
    row codes as text (None for a record with none), or "" for a table without rows;
    organisation ids if `by_organisation` (a table's rows summed). Tables grouped by
    the same rows are counted in one pass over the source: each table's condition
    worked out once a record (the inner query), then one FILTER a column."""
    def rows_of(layout):
        return "" if by_organisation else layout.table.rows

    found = [None] * len(layouts)
    for rows in dict.fromkeys(rows_of(layout) for layout in layouts):
        places = [place for place, layout in enumerate(layouts) if rows_of(layout) == rows]
        if by_organisation:
            row, row_params = "s.organisation_id", ()
        elif rows:
            row, row_params = "COALESCE(s.answers ->> %s, s.derived ->> %s)", (rows, rows)
        else:
            row, row_params = "''", ()
        wheres = [condition_sql(layouts[p].table.when, None) if layouts[p].table.when else ("TRUE", ())
                  for p in places]
        counts = ", ".join(f"count(*) FILTER (WHERE s.counts_{n} AND {column.sql})"
                           for n, p in enumerate(places) for column in layouts[p].columns)
        held = ", ".join(f"{sql} AS counts_{n}" for n, (sql, _) in enumerate(wheres))
        read = with_values(source, [name for p in places for name in names_read(layouts[p])],
                           layouts[places[0]].member_values)
        sql = (f"SELECT {row} AS row, {counts} FROM (SELECT s.*, {held} FROM ({read.sql}) s OFFSET 0) s "
               f"GROUP BY 1")  # OFFSET 0: the conditions are worked out once, not again for each column
        params = (*row_params, *(v for p in places for column in layouts[p].columns for v in column.params),
                  *(v for _, where_params in wheres for v in where_params), *read.params)
        with connection.cursor() as cursor:
            cursor.execute(sql, bind(params, period))
            results = cursor.fetchall()
        start = 1
        for p in places:
            width = len(layouts[p].columns)
            found[p] = {result[0]: list(result[start:start + width]) for result in results}
            start += width
    return found


@dataclass
class Cell:
    column: object  # report_tables.Column
    count: int
    previous: int | None = None  # None: no previous quarter to compare with
    flagged: bool = False

    @property
    def change(self):
        return None if self.previous is None else self.count - self.previous


@dataclass
class Row:
    key: str  # "" for the one row of a table without rows, "total" for the total row
    label: str
    cells: list


@dataclass
class Figures:
    layout: object  # report_tables.LaidOut
    rows: list = field(default_factory=list)
    flagged: int = 0

    @property
    def table(self):
        return self.layout.table


def table_figures(layout, now, before, label):
    """Figures of one table: its rows (and a total row when it has rows), each cell with
    the previous quarter's count (`before`: counts as count() gives them, or None)."""
    def cells(key, counts, previous):
        found = []
        for place, column in enumerate(layout.columns):
            value = counts[place] if counts else 0
            was = None if before is None else (previous[place] if previous else 0)
            found.append(Cell(column, value, was, layout.table.threshold.flags(was, value)))
        return found

    def summed(counts):
        return [sum(column) for column in zip(*counts.values())] if counts else None

    figures = Figures(layout)
    if layout.rows:
        for key, row_label in layout.rows:
            figures.rows.append(Row(key, row_label, cells(key, now.get(key), (before or {}).get(key))))
        figures.rows.append(Row("total", "Total", cells("total", summed(now), summed(before or {}))))
    else:
        figures.rows.append(Row("", label, cells("", now.get(""), (before or {}).get(""))))
    figures.flagged = sum(cell.flagged for row in figures.rows for cell in row.cells)
    return figures


def version_for(declared, period):
    """The version whose options a period's report shows: its collection year's, or the
    latest before it."""
    versions = registry.get(declared.collection).versions(declared.record_type)
    return max((v for v in versions if v <= period.year), default=min(versions))


def report(declared, organisation, period, source, previous_source, label):
    """[Figures] of every table the package declares, for one organisation's return."""
    tables = report_tables_of(declared.collection, declared.record_type)
    version = version_for(declared, period)
    layouts = [laid_out(tables, table.id, version) for table in tables.tables]
    now = count(layouts, source, period)
    before = count(layouts, previous_source, period.previous()) if previous_source else [None] * len(layouts)
    return [table_figures(layout, counts, was, label) for layout, counts, was in zip(layouts, now, before)]


def national(declared, period, snapshots, organisations):
    """[(layout, [(organisation, [count of each column])], [total of each column])]:
    every table, one row per organisation with a snapshot (in `organisations`' order)."""
    tables = report_tables_of(declared.collection, declared.record_type)
    version = version_for(declared, period)
    source = snapshot_source([snapshot.pk for snapshot in snapshots.values()])
    layouts = [laid_out(tables, table.id, version) for table in tables.tables]
    found = []
    for layout, counts in zip(layouts, count(layouts, source, period, by_organisation=True) if snapshots
                              else [{}] * len(layouts)):
        rows = [(organisation, counts.get(organisation.pk, [0] * len(layout.columns)))
                for organisation in organisations if organisation.pk in snapshots]
        totals = [sum(column) for column in zip(*(r[1] for r in rows))] if rows else [0] * len(layout.columns)
        found.append((layout, rows, totals))
    return found


def records_behind(layout, source, period, row_key, column, user):
    """[(record number, reference)] of the records counted in one figure, among those
    the person sees (Record.visible_to), in number order."""
    table = layout.table
    where, where_params = condition_sql(table.when, None) if table.when else ("TRUE", ())
    row_sql, row_params = "TRUE", ()
    if table.rows and row_key != "total":
        row_sql, row_params = "COALESCE(s.answers ->> %s, s.derived ->> %s) = %s", (table.rows, table.rows, row_key)
    visible, visible_params = Record.objects.visible_to(user).values("pk").query.sql_with_params()
    read = with_values(source, names_read(layout, [column]), layout.member_values)
    sql = (f"SELECT s.record_number, s.reference FROM ({read.sql}) s WHERE {where} AND {column.sql} AND {row_sql} "
           f"AND s.record_id IN ({visible}) ORDER BY s.record_number")
    params = (*read.params, *where_params, *column.params, *row_params, *visible_params)
    with connection.cursor() as cursor:
        cursor.execute(sql, bind(params, period))
        return cursor.fetchall()

