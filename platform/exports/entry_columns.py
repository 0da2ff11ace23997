"""Export columns that read the register entry a record chose (docs/registers.md). A
layout names the choosing question and what of the entry it wants (docs/exports.md,
"Columns from a chosen entry"):

    - {name: ..., entry: <choosing question>.<field>}             # coded or labelled as the register's field is
    - {name: ..., entry: <choosing question>.id}                  # a fact about the entry (ENTRY_FACTS)
    - {name: ..., entry: <choosing question>.children.<field>}    # a numeric field summed over its children

PostgreSQL reads them as it reads answers (columns.py): each register a layout reads is
one lateral lookup of the entry by primary key, by the number in the record's stored
code, so a row costs one index probe a register (none for a record that chose nothing).
Nothing here names a collection, a register or a field."""

from dataclasses import dataclass

from cldc.platform.definitions.model import DefinitionError

ENTRY_FACTS = {  # what a column may read of an entry besides its fields: name -> meaning
    "id": "the entry's number",
    "code": "its code: the register's code_prefix and its number",
    "name": "its name (the register's name_field)",
    "owner": "its owner's name",
    "created_at": "when it was added",
    "status": "active, incomplete, activating_soon, deactivated or reactivating_soon on the record's date "
              "(the register binding's active_on; today without one), as periods.status_on says",
}
CHILDREN = "children"  # <question>.children.<field>: a numeric field summed over the entry's children


@dataclass(frozen=True)
class EntryPath:
    """Where a column's value is: the entry the record's `question` chose, of `register`,
    and its `field` (a field of the register) or `fact` (ENTRY_FACTS); `children`: the
    field summed over the entry's children."""

    question: str
    collection: str
    register: str
    code_prefix: str
    name_field: str
    active_on: str
    field: str = ""
    fact: str = ""
    children: bool = False


def parse(where, raw, definition):
    """The Column keywords of a layout's `entry: <question>.<field or fact>` (a
    DefinitionError naming the place when the question chooses no entry or the entry has
    no such field)."""
    from cldc.platform.registers import declaration

    question_id, _, wanted = str(raw["entry"]).partition(".")
    binding = declaration.binding(definition)
    register_name = binding.chooser(question_id) if binding else None
    if register_name is None:
        raise DefinitionError(f"{where}: entry: {question_id!r} is no question that chooses a register's entry")
    register = declaration.register(definition.collection, register_name)
    path = dict(question=question_id, collection=definition.collection, register=register.name,
                code_prefix=register.code_prefix, name_field=register.name_field, active_on=binding.active_on)
    if wanted.startswith(CHILDREN + "."):
        field = wanted[len(CHILDREN) + 1:]
        child = register.child
        if child is None or field not in child.fields.variables or child.fields.variables[field].type != "numeric":
            raise DefinitionError(f"{where}: entry: {register.name} has no children with a numeric field {field!r}")
        return {"entry": EntryPath(**path, field=field, children=True)}
    if wanted in register.fields.variables:
        return {"entry": EntryPath(**path, field=wanted), "question": register.fields.variables[wanted]}
    if wanted in ENTRY_FACTS:
        return {"entry": EntryPath(**path, fact=wanted)}
    raise DefinitionError(f"{where}: entry: {register.name} has no field {wanted!r}, and it is none of "
                          f"{', '.join(ENTRY_FACTS)}")


def _paths(columns):
    """The entry paths the columns read: their own, and those they fall back on (else_entry)."""
    return [path for column in columns for path in (column.entry, column.else_entry) if path]


def answers_read(columns):
    """The record answers the entry columns need unpacked: the choosing questions, and the
    dates a status is judged on."""
    paths = _paths(columns)
    return {path.question for path in paths} | {path.active_on for path in paths if path.fact == "status"}


def joins(columns):
    """The SQL joining each chosen entry the columns read, after the answers' unpacking (`a`)."""
    from cldc.platform.registers.models import Entry

    seen, sql = set(), ""
    for path in _paths(columns):
        if path.question in seen:
            continue
        seen.add(path.question)
        prefix = "".join(ch if ch.isalnum() else "\\" + ch for ch in path.code_prefix)  # literal in a regex
        pattern = _literal(f"^(?:{prefix})?([0-9]{{1,18}})$")  # the code, or its number alone
        number = f"(regexp_match(a.{_name(path.question)}, {pattern}, 'i'))[1]::bigint"
        # LATERAL with LIMIT (which PostgreSQL does not flatten into a join), so that each row
        # looks its entry up by primary key: a join may be planned as a scan of every entry a record.
        sql += (f" LEFT JOIN LATERAL (SELECT * FROM {Entry._meta.db_table} AS e WHERE e.id = {number}"
                f" AND e.collection = {_literal(path.collection)} AND e.register = {_literal(path.register)} LIMIT 1)"
                f" AS {_alias(path)} ON true")
    return sql


def value(column):
    """A column's value before the layout's options: a field as the entry's answers hold it
    (columns._plain then codes or labels it as its question does), or a fact."""
    return path_value(column.entry)


def path_value(path):
    """The SQL of what `path` reads of the chosen entry."""
    from cldc.platform.organisations.models import Organisation
    from cldc.platform.registers.models import Entry

    entry = _alias(path)
    if path.children:
        return (f"(SELECT sum((child.answers->>{_literal(path.field)})::numeric)::bigint "
                f"FROM {Entry._meta.db_table} AS child WHERE child.parent_id = {entry}.id)")
    if path.field:
        return f"({entry}.answers->>{_literal(path.field)})"
    if path.fact == "id":
        return f"{entry}.id"
    if path.fact == "code":
        return f"({_literal(path.code_prefix)} || {entry}.id)"
    if path.fact == "name":
        return f"COALESCE({entry}.answers->>{_literal(path.name_field)}, {_literal(path.code_prefix)} || {entry}.id)"
    if path.fact == "owner":
        return f"(SELECT o.name FROM {Organisation._meta.db_table} AS o WHERE o.id = {entry}.owner_id)"
    if path.fact == "created_at":
        return f"{entry}.created_at"
    return _status(path, entry)


def _status(path, entry):
    """periods.status_on in SQL, on the record's date (today without one): incomplete; else
    not available yet; else the entry's own deactivation on that day; else its parent's."""
    from cldc.platform.registers.models import Deactivation

    day = f"COALESCE((a.{_name(path.active_on)})::date, CURRENT_DATE)"

    def deactivated(entry_id):
        return (f"(SELECT CASE WHEN x.reactivated_on IS NULL THEN 'deactivated' ELSE 'reactivating_soon' END "
                f"FROM {Deactivation._meta.db_table} AS x WHERE x.entry_id = {entry_id} AND x.deactivated_on <= {day} "
                f"AND (x.reactivated_on IS NULL OR {day} < x.reactivated_on) ORDER BY x.deactivated_on LIMIT 1)")

    return (f"CASE WHEN {entry}.id IS NULL THEN NULL WHEN NOT {entry}.complete THEN 'incomplete' "
            f"WHEN {entry}.available_from > {day} THEN 'activating_soon' "
            f"ELSE COALESCE({deactivated(f'{entry}.id')}, {deactivated(f'{entry}.parent_id')}, 'active') END")


def is_number(column):
    """Whether a column of an entry's fact (not a field) holds whole numbers."""
    return column.entry.children or column.entry.fact == "id"


def is_time(column):
    return bool(column.entry) and column.entry.fact == "created_at"


def arrow_type(column):
    """The Parquet type of an entry's fact."""
    import pyarrow as pa

    if is_number(column):
        return pa.int64()
    return pa.timestamp("us", tz="UTC") if is_time(column) else pa.string()


def _alias(path):
    return _name("entry_" + path.question)


def _name(name):
    from cldc.platform.exports.columns import _name as quoted

    return quoted(name)


def _literal(text):
    from cldc.platform.exports.columns import literal

    return literal(text)
