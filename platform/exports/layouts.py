"""Export layouts: what an export holds, column by column. A package declares them per
record type and version in exports/<record_type>/<version>.yaml (docs/exports.md):

    layouts:
      - id: visits
        title: Home visits, one row per visit
        roles: [data_coordinator, analyst, support]   # who may have it (default: anyone who sees records)
        codes: [analyst, support]                     # who may have codes rather than labels (default: everyone)
        personal: [support]                           # who gets its personal columns (default: no one)
        columns:
          - {name: id, record: id}                    # a fact about the record (RECORD_FIELDS)
          - visitref                                  # an answer or derived value, by its variable name
          - {name: date_of_visit, answer: visitdate}  # the same under another name
          - {name: notes, answer: repairsdetail, personal: true}   # personal also when its question is

A version without a file has one layout, `all`: the record's id, status and owner, then
every question's variables and every derived value in the definition's order.
Nothing here names a collection or its variables."""

from dataclasses import dataclass

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, load_yaml

# The facts about a record a column may hold, besides its answers: name -> meaning.
RECORD_FIELDS = {
    "id": "the record's id in the service",
    "status": "not_started, in_progress or completed",
    "collection_year": "the version: 2026 for 2026/27",
    "source": "the channel that created it: form, upload or api",
    "created_at": "when it was created",
    "updated_at": "when it last changed",
    "owning_organisation": "the owning organisation's name",
    "managing_organisation": "the managing organisation's name",
    "assigned_to": "the email address of the person it is assigned to",
    "created_by": "the email address of the person who created it",
}
LAYOUT_KEYS = {"id", "title", "roles", "codes", "personal", "columns"}
COLUMN_KEYS = {"name", "record", "answer", "personal"}
EVERYONE = ("data_provider", "data_coordinator", "analyst", "support")


@dataclass(frozen=True)
class Column:
    name: str
    record: str = ""  # a RECORD_FIELDS name, or
    answer: str = ""  # a variable: an answer, else a derived value of that name
    question: object = None  # the answer's question (for its labels and type)
    derivation: object = None  # or the derived value's declaration (rules.engine.Derivation)
    personal: bool = False


@dataclass(frozen=True)
class Layout:
    id: str
    title: str
    collection: str
    record_type: str
    version: int
    columns: tuple
    roles: tuple = EVERYONE
    codes: tuple = EVERYONE
    personal: tuple = ()

    def may_have(self, role):
        return role in self.roles

    def columns_for(self, role=None):
        """The columns a person of this role gets (None: the command line's, all of them)."""
        if role is None or role in self.personal:
            return self.columns
        return tuple(column for column in self.columns if not column.personal)

    def codes_for(self, role=None):
        return role is None or role in self.codes


@dataclass(frozen=True)
class Selection:
    """What one export holds: a layout's columns for one person, as codes or labels."""

    layout: Layout
    columns: tuple
    codes: bool

    @classmethod
    def of(cls, layout, role=None, codes=True):
        """The layout as a person of `role` may have it (None: the command line, all of
        it). Asking for codes or personal columns the role may not have is refused
        (PermissionError), never answered with less."""
        if role is not None and not layout.may_have(role):
            raise PermissionError(f"The {layout.title} export is not for {role.replace('_', ' ')}s")
        if codes and not layout.codes_for(role):
            raise PermissionError(f"The {layout.title} export gives {role.replace('_', ' ')}s labels, not codes")
        return cls(layout, layout.columns_for(role), codes)


def layouts(collection_name, record_type, version):
    """{layout id: Layout} for one record type and version."""
    collection = registry.get(collection_name)
    definition = collection.definition(record_type, version)
    derived = {d.id: d for d in collection.rule_pack(record_type, version).derivations}
    path = collection.file("exports", record_type=record_type, version=version)
    if not path.exists():
        return {"all": _everything(definition, derived)}
    return read_layouts(path, definition, derived)


def read_layouts(path, definition, derived):
    """The layouts of one file, checked against the definition and its derived values
    ({id: Derivation}): a mistake is a DefinitionError naming the file and the place."""
    raw = load_yaml(path) or {}
    found = {}
    for place, entry in enumerate(raw.get("layouts") or []):
        layout = _layout(path, place, entry, definition, derived)
        if layout.id in found:
            raise DefinitionError(f"{path}: layout {layout.id!r} is declared twice")
        found[layout.id] = layout
    if not found:
        raise DefinitionError(f"{path}: no layouts")
    return found


def layout(collection_name, record_type, version, layout_id=None):
    """One layout: the one named, or the first declared."""
    found = layouts(collection_name, record_type, version)
    if layout_id is None:
        return next(iter(found.values()))
    if layout_id not in found:
        raise LookupError(f"{collection_name} {record_type} {version} has no export layout {layout_id!r}; "
                          f"it has {', '.join(found)}")
    return found[layout_id]


def _everything(definition, derived):
    columns = [Column(name, record=name) for name in ("id", "status", "owning_organisation")]
    for name, question in definition.variables.items():
        if name not in definition.record_fields.values():
            columns.append(Column(name, answer=name, question=question, personal=bool(question.personal)))
    columns += [Column(name, answer=name, derivation=derivation) for name, derivation in derived.items()]
    return Layout("all", f"{definition.title}: every answer", definition.collection, definition.record_type,
                  definition.version, tuple(columns))


def _layout(path, place, entry, definition, derived):
    where = f"{path}: layout {entry.get('id') or place + 1}"
    unknown = set(entry) - LAYOUT_KEYS
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    if not entry.get("id") or not entry.get("columns"):
        raise DefinitionError(f"{where}: a layout needs an id and columns")
    columns, names = [], set()
    for raw in entry["columns"]:
        column = _column(where, raw, definition, derived)
        if column.name in names:
            raise DefinitionError(f"{where}: column {column.name!r} appears twice")
        names.add(column.name)
        columns.append(column)
    roles = {key: tuple(entry.get(key, default)) for key, default in
             (("roles", EVERYONE), ("codes", EVERYONE), ("personal", ()))}
    for key, named in roles.items():
        if set(named) - set(EVERYONE):
            raise DefinitionError(f"{where}: {key}: unknown roles {', '.join(sorted(set(named) - set(EVERYONE)))}; "
                                  f"roles are {', '.join(EVERYONE)}")
    return Layout(entry["id"], entry.get("title") or entry["id"], definition.collection, definition.record_type,
                  definition.version, tuple(columns), **roles)


def _column(where, raw, definition, derived):
    raw = {"name": raw, "answer": raw} if isinstance(raw, str) else dict(raw)
    unknown = set(raw) - COLUMN_KEYS
    if unknown:
        raise DefinitionError(f"{where}: column {raw.get('name')!r}: unknown keys {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not name:
        raise DefinitionError(f"{where}: a column needs a name")
    if raw.get("record"):
        if raw["record"] not in RECORD_FIELDS:
            raise DefinitionError(f"{where}: column {name!r}: record: {raw['record']!r} is not one of "
                                  f"{', '.join(RECORD_FIELDS)}")
        return Column(name, record=raw["record"], personal=bool(raw.get("personal")))
    variable = raw.get("answer") or name
    question = definition.variables.get(variable)
    if question is None and variable not in derived:
        raise DefinitionError(f"{where}: column {name!r}: no question or derived value {variable!r}")
    personal = bool(raw.get("personal")) or bool(question is not None and question.personal)
    return Column(name, answer=variable, question=question, derivation=None if question else derived[variable],
                  personal=personal)
