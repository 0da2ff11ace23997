"""The tables of a return's quality report, declared by the package per record type in
reports/<record_type>.yaml (docs/reports.md):

    change_threshold: {percent: 20, at_least: 5}  # flag a figure that moves by more than 20% and 5 or more
    tables:
      - id: V1
        title: Visits by how they were made
        total: Visits                        # the first column's heading (default: Total)
        when: "repairs == 1"                 # optional: which records count
        rows: period                         # optional: one row per option, and a total (else one row)
        columns:                             # blocks of columns, in order
          - visitmode                        # a variable with options: one column each (a tick box: each option)
          - {variable: visitmode, title: How, codes: [1, 2]}     # a heading over them; only these options
          - {id: large, label: "Households of 3 or more", when: "members >= 3"}  # one column by a condition
        change_threshold: {percent: 50, at_least: 10}           # this table's own
    member_values:                           # optional: a repeat block's member open on a period's day
      - id: room_at_end                      # a variable like any other, in columns and conditions
        label: Room at the end of the quarter
        block: stay                          # a repeat block that says when members open (and close)
        open_on: quarter_end                 # started by then, not ended by then (the latest started)
        value: room{n}                       # that member's answer

A variable is an answer of some version of the record type or a derived value. The
options (labels, order, retired codes included) are those of the version of the year a
return's quarter is in. A condition is the definitions' expression language, in the part
of it that PostgreSQL computes over a snapshot's JSON (`condition_sql`): names, numbers,
text, comparisons, `in`, `and`, `or`, `not`, `present()`, `blank()`, and the period's
`quarter_start` and `quarter_end`. Anything else is refused when the file is read, as is
any name that is no answer or derived value. Nothing here names a collection."""

import ast
import json
import re
from dataclasses import dataclass
from functools import cache

from cldc.platform import registry
from cldc.platform.definitions.expressions import ExpressionError, compile_expression
from cldc.platform.definitions.model import DefinitionError, load_yaml
from cldc.platform.returns.declarations import PERIOD_NAMES

FILE_KEYS = {"change_threshold", "tables", "member_values"}
MEMBER_VALUE_KEYS = {"id", "label", "block", "open_on", "value"}
TABLE_KEYS = {"id", "title", "total", "when", "rows", "columns", "change_threshold"}
BLOCK_KEYS = {"variable", "title", "codes"}
COLUMN_KEYS = {"id", "label", "when"}
THRESHOLD_KEYS = {"percent", "at_least"}
DEFAULT_THRESHOLD = {"percent": 20, "at_least": 5}


@dataclass(frozen=True)
class Threshold:
    """A figure is flagged when it moves by more than `percent` per cent of the previous
    quarter's figure and by at least `at_least` records (any rise from 0 of that many)."""

    percent: float
    at_least: int

    def flags(self, previous, current):
        if previous is None:
            return False
        change = abs(current - previous)
        return change >= self.at_least and (previous == 0 or change * 100 > self.percent * previous)


@dataclass(frozen=True)
class Block:
    """Columns of one variable's options, or (`label` given) one column by a condition."""

    variable: str = ""
    title: str = ""
    codes: tuple = ()  # the options shown, in order; () is every option
    id: str = ""
    label: str = ""
    when: object = None  # a compiled Expression, for a column by a condition


@dataclass(frozen=True)
class MemberValue:
    """The answer `value` ({n}: the member's index) of the member of a repeat block that
    was open on a period's day (`open_on`): opened on or before it and not closed by it,
    as definitions.members.open_members judges; the latest opened, if several were. Read
    from the record's answers in SQL (report.member_value_sql), so that a quarter is
    judged by its members' dates, not by what the record holds now."""

    id: str
    label: str
    open_on: str  # a period name: quarter_start or quarter_end
    value: str  # an answer with {n}
    indices: tuple
    opens: str  # the block's date questions, with {n}
    closes: str = ""

    def of(self, pattern, index):
        return pattern.replace("{n}", str(index))


@dataclass(frozen=True)
class Table:
    id: str
    title: str
    total: str
    when: object  # a compiled Expression, or None: every record counts
    rows: str  # a variable, or ""
    blocks: tuple
    threshold: Threshold


@dataclass(frozen=True)
class Column:
    key: str  # as in a drill-down's URL
    label: str
    sql: str  # a condition on the source row `s`
    params: tuple = ()
    names: tuple = ()  # the variables it reads


@dataclass(frozen=True)
class Heading:
    title: str
    span: int


@dataclass(frozen=True)
class ReportTables:
    collection: str
    record_type: str
    tables: tuple
    member_values: tuple = ()  # (MemberValue, ...)

    def table(self, table_id):
        return next((table for table in self.tables if table.id == table_id), None)


@cache
def report_tables_of(collection_name, record_type):
    """The report tables one record type declares, or None without a file."""
    collection = registry.get(collection_name)
    path = collection.file("reports", record_type=record_type)
    if not path.exists():
        return None
    definitions = [collection.definition(record_type, version) for version in collection.versions(record_type)]
    derived = {d.id for version in collection.versions(record_type)
               for d in collection.rule_pack(record_type, version).derivations}
    return read_report_tables(path, definitions, derived)


def read_report_tables(path, definitions, derived):
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("tables"), list) or not raw["tables"]:
        raise DefinitionError(f"{path}: give `tables:`, a list of tables")
    _no_unknown(path, raw, FILE_KEYS, "a reports file")
    default = _threshold(path, raw.get("change_threshold") or DEFAULT_THRESHOLD)
    variables = {name for definition in definitions for name in definition.variables} | derived
    member_values = _member_values(path, raw.get("member_values"), definitions, variables)
    variables = variables | {member.id for member in member_values}
    tick_boxes = {q.id for definition in definitions for q in definition.questions.values() if q.type == "checkbox"}
    tables = []
    for place, entry in enumerate(raw["tables"], 1):
        where = f"{path}: table {place}"
        if not isinstance(entry, dict) or not entry.get("id") or not entry.get("title") or not entry.get("columns"):
            raise DefinitionError(f"{where}: give an id, a title and columns")
        where = f"{path}: table {entry['id']}"
        _no_unknown(where, entry, TABLE_KEYS, "a table")
        rows = entry.get("rows") or ""
        if rows and rows not in variables:
            raise DefinitionError(f"{where}: rows: no answer or derived value called {rows!r}")
        if any(rows == member.id for member in member_values):
            raise DefinitionError(f"{where}: rows: a member's value cannot be a table's rows; count it in columns")
        if not isinstance(entry["columns"], list):
            raise DefinitionError(f"{where}: columns: give a list of variables or columns")
        blocks = tuple(_block(f"{where}: columns: entry {n}", block, variables, tick_boxes)
                       for n, block in enumerate(entry["columns"], 1))
        ids = [block.id for block in blocks if block.id]
        if len(set(ids)) != len(ids):
            raise DefinitionError(f"{where}: columns: a column id is used twice")
        when = _condition(f"{where}: when", entry.get("when"), variables)
        threshold = _threshold(where, entry["change_threshold"]) if "change_threshold" in entry else default
        tables.append(Table(str(entry["id"]), str(entry["title"]), str(entry.get("total") or "Total"), when, rows,
                            blocks, threshold))
    if len({table.id for table in tables}) != len(tables):
        raise DefinitionError(f"{path}: a table id is used twice")
    latest = definitions[-1]
    return ReportTables(latest.collection, latest.record_type, tuple(tables), member_values)


def _member_values(path, raw, definitions, variables):
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise DefinitionError(f"{path}: member_values: give a list of {{{', '.join(sorted(MEMBER_VALUE_KEYS))}}}")
    found = []
    for place, entry in enumerate(raw, 1):
        where = f"{path}: member_values: entry {place}"
        if not isinstance(entry, dict) or set(entry) != MEMBER_VALUE_KEYS:
            raise DefinitionError(f"{where}: give exactly {', '.join(sorted(MEMBER_VALUE_KEYS))}")
        where = f"{path}: member_values: {entry['id']}"
        if not NAME.fullmatch(str(entry["id"])) or entry["id"] in variables or entry["id"] in PERIOD_NAMES:
            raise DefinitionError(f"{where}: the id must be a new name of letters, digits and _, "
                                  f"not an answer, derived value or period name")
        if entry["open_on"] not in PERIOD_NAMES:
            raise DefinitionError(f"{where}: open_on: give one of {', '.join(sorted(PERIOD_NAMES))}")
        repeat = next((d.repeats[entry["block"]] for d in reversed(definitions) if entry["block"] in d.repeats), None)
        if repeat is None or not repeat.opens:
            raise DefinitionError(f"{where}: block: no repeat block called {entry['block']!r} that says when its "
                                  f"members open (`opens:`)")
        value = str(entry["value"])
        each = [value.replace("{n}", str(n)) for n in repeat.indices]
        missing = [variable for variable in each if variable not in variables]
        if "{n}" not in value or missing:
            raise DefinitionError(f"{where}: value: give an answer of each member, with {{n}} for its index "
                                  f"({', '.join(missing) or value} is not one)")
        found.append(MemberValue(str(entry["id"]), str(entry["label"]), entry["open_on"], value,
                                 tuple(repeat.indices), repeat.opens, repeat.closes))
    if len({member.id for member in found}) != len(found):
        raise DefinitionError(f"{path}: member_values: an id is used twice")
    return tuple(found)


def _no_unknown(where, raw, keys, what):
    unknown = set(raw) - keys
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {', '.join(sorted(map(str, unknown)))}; "
                              f"{what} has {', '.join(sorted(keys))}")


def _threshold(where, raw):
    if not isinstance(raw, dict) or set(raw) != THRESHOLD_KEYS or not all(
            isinstance(raw[key], (int, float)) and raw[key] >= 0 for key in THRESHOLD_KEYS):
        raise DefinitionError(f"{where}: change_threshold: give percent and at_least, both numbers of 0 or more")
    return Threshold(raw["percent"], int(raw["at_least"]))


def _block(where, raw, variables, tick_boxes):
    raw = {"variable": raw} if isinstance(raw, str) else raw
    if not isinstance(raw, dict):
        raise DefinitionError(f"{where}: give a variable, {{variable, title, codes}} or {{id, label, when}}")
    if "variable" in raw:
        _no_unknown(where, raw, BLOCK_KEYS, "a variable's columns")
        if raw["variable"] not in variables | tick_boxes:
            raise DefinitionError(f"{where}: no answer or derived value called {raw['variable']!r}")
        codes = raw.get("codes") or []
        if not isinstance(codes, list):
            raise DefinitionError(f"{where}: codes: give a list of the options to show")
        return Block(variable=raw["variable"], title=str(raw.get("title") or ""), codes=tuple(codes))
    if set(raw) != COLUMN_KEYS:
        raise DefinitionError(f"{where}: a column by a condition has exactly {', '.join(sorted(COLUMN_KEYS))}")
    return Block(id=str(raw["id"]), label=str(raw["label"]),
                 when=_condition(f"{where} ({raw['id']})", raw["when"], variables))


def _condition(where, source, variables):
    """A compiled condition; a definition's named conditions (predicates) are not
    offered, as PostgreSQL computes it from the source text."""
    if source in (None, ""):
        return None
    try:
        expression = compile_expression(source)
        condition_sql(expression, {name: None for name in PERIOD_NAMES})  # refuses what SQL cannot compute
    except ExpressionError as error:
        raise DefinitionError(f"{where}: {error}") from None
    unknown = set(expression.names) - variables - PERIOD_NAMES
    if unknown:
        raise DefinitionError(f"{where}: no answer, derived value or period name called {', '.join(sorted(unknown))}")
    return expression


# --- The layout of a table in one version --------------------------------------------------


def options_of(collection_name, record_type, version, variable):
    """[(code, label)] of a variable (or a tick-box question) in a version, retired
    codes last; a tick box's are its own options (each a variable of its own)."""
    collection = registry.get(collection_name)
    definition = collection.definition(record_type, version)
    question = definition.questions.get(variable) or definition.variables.get(variable)
    if question is not None:
        return [(code, label) for code, label in question.options + question.retired_options if label is not None]
    derivation = next((d for d in collection.rule_pack(record_type, version).derivations if d.id == variable), None)
    return [(code, label) for code, label in (derivation.options if derivation else ()) if label is not None]


def label_of(collection_name, record_type, version, variable):
    """A variable as people read it: its question's label, or the derived value's."""
    collection = registry.get(collection_name)
    question = collection.definition(record_type, version).variables.get(variable)
    if question is not None:
        return question.label or question.text or variable
    derivation = next((d for d in collection.rule_pack(record_type, version).derivations if d.id == variable), None)
    return (derivation.label if derivation else "") or variable


def is_tick_box(collection_name, record_type, version, variable):
    question = registry.get(collection_name).definition(record_type, version).questions.get(variable)
    return question is not None and question.type == "checkbox"


@dataclass(frozen=True)
class LaidOut:
    """A table in one version: its headings, columns (the total first) and rows."""

    table: Table
    headings: tuple  # (Heading, ...) over the columns after the total; () when no block has a title
    columns: tuple  # (Column, ...)
    rows: tuple  # ((code as text, label), ...); () for one row
    rows_title: str = ""  # the rows' variable, as people read it
    member_values: tuple = ()  # the report's (MemberValue, ...), for report.with_values

    def column(self, key):
        return next((column for column in self.columns if column.key == key), None)


@cache
def laid_out(report, table_id, version):
    table = report.table(table_id)
    collection, record_type = report.collection, report.record_type
    columns, headings = [Column("total", table.total, "TRUE")], []
    members = {member.id: member for member in report.member_values}
    for block in table.blocks:
        if block.when is not None:
            sql, params = condition_sql(block.when, None)
            made = [Column(block.id, block.label, sql, params, names_of(block.when))]
        else:
            member = members.get(block.variable)  # a member's value has the options of its first member's answer
            read = member.of(member.value, member.indices[0]) if member else block.variable
            options = _chosen(table, block, options_of(collection, record_type, version, read))
            if not options:
                raise DefinitionError(f"table {table.id}: columns: {block.variable} has no options to count by "
                                      f"in {version}; count a number with a column by a condition")
            if is_tick_box(collection, record_type, version, block.variable):  # each option a variable, ticked or not
                made = [Column(f"{block.variable}-{code}", label, f"{value_sql(code)} = '1'::jsonb", (), (code,))
                        for code, label in options]
            else:
                made = [Column(f"{block.variable}-{code}", label, f"{value_sql(block.variable)} = %s::jsonb",
                               (json.dumps(code),), (block.variable,)) for code, label in options]
        columns += made
        headings.append(Heading(block.title, len(made)))
    rows, rows_title = (), ""
    if table.rows:
        rows = tuple((str(code), label) for code, label in options_of(collection, record_type, version, table.rows))
        rows_title = label_of(collection, record_type, version, table.rows)
    return LaidOut(table, tuple(headings) if any(h.title for h in headings) else (), tuple(columns), rows, rows_title,
                   report.member_values)


def report_layouts(collection_name, record_type, version):
    """Every table of the record type's report laid out in a version ([] without a
    reports file): what `cldc lint` reads, so a mistake is found before anyone looks."""
    report = report_tables_of(collection_name, record_type)
    return [laid_out(report, table.id, version) for table in report.tables] if report else []


def _chosen(table, block, options):
    if not block.codes:
        return options
    labels = dict(options)
    unknown = [str(code) for code in block.codes if code not in labels]
    if unknown:
        raise DefinitionError(f"table {table.id}: columns: {block.variable} has no option {', '.join(unknown)}")
    return [(code, labels[code]) for code in block.codes]


def names_of(expression):
    """The variables a condition reads (not the period's days)."""
    return tuple(sorted(set(expression.names) - PERIOD_NAMES)) if expression is not None else ()


# --- Conditions as SQL over a row `s` with `answers` and `derived` (JSON) ------------------


def value_column(name):
    """The column report.with_values gives a variable (its answer, else the derived
    value of that name, as JSON), so that each is read once a record."""
    if not NAME.fullmatch(name):
        raise ExpressionError(f"{name!r} cannot be counted in a report: a name is letters, digits and _")
    return f'"v_{name}"'


def value_sql(name):
    """A variable of the row `s`."""
    return f"s.{value_column(name)}"


NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,60}")
BLANK_JSON = "('null'::jsonb, '\"\"'::jsonb, '[]'::jsonb)"
FALSY_JSON = "('null'::jsonb, '\"\"'::jsonb, '[]'::jsonb, '0'::jsonb, 'false'::jsonb)"
COMPARISONS = {ast.Eq: "=", ast.NotEq: "<>", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


def condition_sql(expression, period_values):
    """(sql, params): the expression as a condition that is never NULL, with the
    language's blank-safe meaning (a comparison with a blank is false, `!=` and `not in`
    true). `period_values`: {quarter_start: date, ...}, or None to leave them as
    parameters filled in later (see bind)."""
    tree = ast.parse(expression.source, mode="eval").body
    return _boolean(tree, expression, period_values)


def _boolean(node, expression, period):
    if isinstance(node, ast.BoolOp):
        parts = [_boolean(value, expression, period) for value in node.values]
        joiner = " AND " if isinstance(node.op, ast.And) else " OR "
        return "(" + joiner.join(sql for sql, _ in parts) + ")", tuple(p for _, params in parts for p in params)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        sql, params = _boolean(node.operand, expression, period)
        return f"(NOT {sql})", params
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("present", "blank") \
            and node.args and not node.keywords:
        values = [_value(arg, expression, period) for arg in node.args]
        test = "NOT IN" if node.func.id == "present" else "IN"
        check = "IS NOT NULL AND" if node.func.id == "present" else "IS NULL OR"
        sql = " AND ".join(f"(({v}) {check} ({v}) {test} {BLANK_JSON})" for v, _ in values)
        return f"COALESCE(({sql}), FALSE)", tuple(p for _, params in values for p in params * 2)
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left = _value(node.left, expression, period)
        op, right_node = node.ops[0], node.comparators[0]
        if isinstance(op, (ast.In, ast.NotIn)):
            if not isinstance(right_node, (ast.Tuple, ast.List, ast.Set)) or not all(
                    isinstance(e, ast.Constant) for e in right_node.elts):
                raise ExpressionError(f"{expression.source!r}: `in` takes a list of values in a report")
            items = [json.dumps(e.value) for e in right_node.elts]
            inside = f"({left[0]}) IN ({', '.join(['%s::jsonb'] * len(items))})"
            if isinstance(op, ast.In):
                return f"COALESCE({inside}, FALSE)", left[1] + tuple(items)
            return f"COALESCE(NOT {inside}, TRUE)", left[1] + tuple(items)
        if type(op) not in COMPARISONS:
            raise ExpressionError(f"{expression.source!r}: this comparison cannot be counted in a report")
        right = _value(right_node, expression, period)
        symbol = COMPARISONS[type(op)]
        same_kind = f"jsonb_typeof({left[0]}) = jsonb_typeof({right[0]})"
        sql = f"(({left[0]}) {symbol} ({right[0]}) AND {same_kind})"
        params = left[1] + right[1] + left[1] + right[1]
        return (f"COALESCE({sql}, TRUE)" if symbol == "<>" else f"COALESCE({sql}, FALSE)"), params
    if isinstance(node, ast.Name) or isinstance(node, ast.Constant):  # truthiness of a value
        value, params = _value(node, expression, period)
        return f"COALESCE(({value}) NOT IN {FALSY_JSON}, FALSE)", params
    raise ExpressionError(f"{expression.source!r}: a report's condition may use names, numbers, text, comparisons, "
                          f"in, and, or, not, present() and blank(), and nothing else")


def _value(node, expression, period):
    """(sql of a JSON value, params)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool):
        return "%s::jsonb", (json.dumps(node.value),)
    if isinstance(node, ast.Name):
        if node.id in PERIOD_NAMES:
            day = (period or {}).get(node.id)
            return "%s::jsonb", (json.dumps(day.isoformat()) if day else f"{{{node.id}}}",)
        return value_sql(node.id), ()
    raise ExpressionError(f"{expression.source!r}: a report's condition compares names with numbers, text or "
                          f"quarter_start and quarter_end, and nothing else")


def bind(params, period):
    """The parameters of a condition made with period_values=None, the period's days put in."""
    names = {f"{{{name}}}": json.dumps(day.isoformat()) for name, day in period.context().items()}
    return tuple(names.get(param, param) if isinstance(param, str) else param for param in params)
