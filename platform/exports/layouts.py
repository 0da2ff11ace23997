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
          - needs                                     # a tick-box question: one column per option

A layout and its columns have more keys for a file that must match another system's
byte for byte (CORE's user downloads): LAYOUT_OPTIONS and COLUMN_OPTIONS say what each does.

A version without a file has one layout, `all`: the record's id, status and owner, then
every question's variables and every derived value in the definition's order.
Nothing here names a collection or its variables."""

from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, load_yaml
from cldc.platform.exports import entry_columns

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
    "created_by_id": "the id of the person who created it",
    "assigned_to_id": "the id of the person it is assigned to",
    "assigned_to_is_dpo": "whether the person it is assigned to is a data protection officer of an organisation "
                          "they belong to (blank when it is assigned to no one)",
    "updated_by": "the email address of the person who last changed it; blank until someone changes it",
    "updated_by_id": "the id of that person",
    "owning_organisation_id": "the owning organisation's id",
    "owning_organisation_type": "the owning organisation's type: local_authority, prp or other",
    "owning_organisation_regulator_number": "the owning organisation's regulator number",
    "managing_organisation_id": "the managing organisation's id",
    "managing_organisation_regulator_number": "the managing organisation's regulator number",
}
LAYOUT_OPTIONS = {  # besides id, title, roles, codes, personal and columns: how the file is written
    "description_row": "true: a row above the names, each column's `description` (else its question's text)",
    "byte_order_mark": "true: a CSV starts with U+FEFF, so that spreadsheets read it as UTF-8",
    "line_end": "a CSV's line end: \"\\r\\n\" (the default) or \"\\n\"; a cell holding either is quoted",
    "time_zone": "created_at and updated_at in this zone with its offset (Europe/London); default UTC",
}
COLUMN_OPTIONS = {  # besides name, record, answer and personal: what a column writes
    "description": "its text in the description row",
    "labels": "[[code, label], ...]: the labels a labels file writes, instead of the question's; "
              "a code not listed is written as nothing",
    "codes": "[[value, code], ...]: the codes a codes file writes instead of the values (a record fact's, a "
             "confirmed soft check's); a value not listed is written as nothing",
    "always": "code or label: written so in a codes file and a labels file alike",
    "decimal_point": "true: a number with at least one decimal place (200.0, 17.5)",
    "date_part": "day, month or year of a date",
    "only_when": "{variable: code}: written only when that answer or derived value has that code",
    "unknown": "[{when: {variable: code}, code: ..., label: ...}, ...]: written instead of the value "
               "when the first such condition holds (a person whose details are not known)",
    "confirmed": "a soft check's id, or a list of them: true when one fires on the record and is confirmed, "
                 "else nothing",
    "not_held": "why the service does not hold this column yet: written empty, so the file keeps its shape",
    "text": "true: a derived value that is text, not a number (a Parquet string column)",
    "else_entry": "<choosing question>.<field>: the chosen register entry's field when the answer is blank "
                  "(entry_columns.py)",
}
LAYOUT_KEYS = {"id", "title", "roles", "codes", "personal", "columns", *LAYOUT_OPTIONS}
COLUMN_KEYS = {"name", "record", "answer", "entry", "personal", *COLUMN_OPTIONS}  # entry: entry_columns.py
DATE_PARTS = ("day", "month", "year")
EVERYONE = ("data_provider", "data_coordinator", "analyst", "support")


@dataclass(frozen=True)
class Column:
    name: str
    record: str = ""  # a RECORD_FIELDS name, or
    answer: str = ""  # a variable: an answer, else a derived value of that name, or
    entry: object = None  # entry_columns.EntryPath: of the register entry the record chose
    else_entry: object = None  # an EntryPath read when the value is blank
    question: object = None  # the answer's question, or the entry's field (for its labels and type)
    derivation: object = None  # or the derived value's declaration (rules.engine.Derivation)
    filled_in: bool = False  # an answer the service may fill in: a derived value has its name too
    personal: bool = False
    description: str = None  # None: not declared ("" is a blank one)
    labels: tuple = None  # ((code, label), ...): a fixed label table
    codes: tuple = None  # ((value, code), ...): a fixed code table
    always: str = ""  # "code" or "label"
    decimal_point: bool = False
    date_part: str = ""
    only_when: tuple = ()  # ((variable, code), ...)
    unknown: tuple = ()  # (((variable, code), ...), code, label), ...
    confirmed: tuple = ()  # soft checks' ids
    not_held: str = ""
    text: bool = False
    # Of its conditions' variables: ((variable, a question's, a derived value's), ...), so that
    # PostgreSQL reads each only where it may be. None known: both places.
    condition_places: tuple = ()

    def in_codes(self, codes):
        """Whether it is written as codes in a file of codes (True) or of labels (False)."""
        return {"code": True, "label": False}.get(self.always, codes)

    @property
    def conditions(self):
        """The variables its only_when and unknown conditions read."""
        return {name for name, _ in self.only_when} | {name for when, *_ in self.unknown for name, _ in when}

    def heading(self):
        """Its text in a description row: as declared, else its question's or derived value's."""
        if self.description is not None or self.record or self.not_held:
            return self.description or ""
        if self.question is not None:
            return self.question.text
        return self.derivation.label if self.derivation is not None else ""


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
    options: tuple = ()  # ((name, value), ...): the LAYOUT_OPTIONS it sets

    def option(self, name, default=None):
        return dict(self.options).get(name, default)

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
    pack = collection.rule_pack(record_type, version)
    derived = {d.id: d for d in pack.derivations}
    path = collection.file("exports", record_type=record_type, version=version)
    if not path.exists():
        return {"all": _everything(definition, derived)}
    return read_layouts(path, definition, derived, {rule.id for rule in pack.rules if rule.severity == "soft"})


def read_layouts(path, definition, derived, soft_checks=()):
    """The layouts of one file, checked against the definition, its derived values
    ({id: Derivation}) and its soft checks' ids: a mistake is a DefinitionError naming the
    file and the place."""
    raw = load_yaml(path) or {}
    found = {}
    for place, entry in enumerate(raw.get("layouts") or []):
        layout = _layout(path, place, entry, definition, derived)
        if layout.id in found:
            raise DefinitionError(f"{path}: layout {layout.id!r} is declared twice")
        for column in layout.columns:
            for check in column.confirmed:
                if check not in soft_checks:
                    raise DefinitionError(f"{path}: layout {layout.id}: column {column.name!r}: confirmed: "
                                          f"no soft check {check!r}")
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
            columns.append(Column(name, answer=name, question=question, personal=bool(question.personal),
                                  filled_in=name in derived))
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
        for column in _columns(where, raw, definition, derived):
            if column.name in names:
                raise DefinitionError(f"{where}: column {column.name!r} appears twice")
            names.add(column.name)
            columns.append(column)
    if entry.get("line_end", "\r\n") not in ("\r\n", "\n"):
        raise DefinitionError(f"{where}: line_end: {entry['line_end']!r} is not \"\\r\\n\" or \"\\n\"")
    if entry.get("time_zone"):
        try:
            ZoneInfo(entry["time_zone"])
        except (ZoneInfoNotFoundError, ValueError):
            raise DefinitionError(f"{where}: time_zone: no time zone {entry['time_zone']!r}") from None
    roles = {key: tuple(entry.get(key, default)) for key, default in
             (("roles", EVERYONE), ("codes", EVERYONE), ("personal", ()))}
    for key, named in roles.items():
        if set(named) - set(EVERYONE):
            raise DefinitionError(f"{where}: {key}: unknown roles {', '.join(sorted(set(named) - set(EVERYONE)))}; "
                                  f"roles are {', '.join(EVERYONE)}")
    options = tuple((key, entry[key]) for key in LAYOUT_OPTIONS if key in entry)
    return Layout(entry["id"], entry.get("title") or entry["id"], definition.collection, definition.record_type,
                  definition.version, tuple(columns), options=options, **roles)


def _columns(where, raw, definition, derived):
    """A column entry's columns: a tick-box question's id, bare, gives one column per option."""
    question = definition.questions.get(raw) if isinstance(raw, str) else None
    if question is not None and question.type == "checkbox" and raw not in definition.variables:
        return [_column(where, variable, definition, derived) for variable in question.variables]
    return [_column(where, raw, definition, derived)]


def _column(where, raw, definition, derived):
    raw = {"name": raw, "answer": raw} if isinstance(raw, str) else dict(raw)
    unknown = set(raw) - COLUMN_KEYS
    if unknown:
        raise DefinitionError(f"{where}: column {raw.get('name')!r}: unknown keys {', '.join(sorted(unknown))}")
    name = raw.get("name")
    if not name:
        raise DefinitionError(f"{where}: a column needs a name")
    where = f"{where}: column {name!r}"
    shown = _shown(where, raw, definition, derived)
    if raw.get("not_held"):
        return Column(name, not_held=str(raw["not_held"]), personal=bool(raw.get("personal")), **shown)
    if raw.get("confirmed"):
        checks = raw["confirmed"] if isinstance(raw["confirmed"], list) else [raw["confirmed"]]
        return Column(name, confirmed=tuple(map(str, checks)), personal=bool(raw.get("personal")), **shown)
    if raw.get("entry"):
        return Column(name, personal=bool(raw.get("personal")), **entry_columns.parse(where, raw, definition), **shown)
    if raw.get("record"):
        if raw["record"] not in RECORD_FIELDS:
            raise DefinitionError(f"{where}: record: {raw['record']!r} is not one of {', '.join(RECORD_FIELDS)}")
        return Column(name, record=raw["record"], personal=bool(raw.get("personal")), **shown)
    variable = raw.get("answer") or name
    question = definition.variables.get(variable)
    if question is None and variable not in derived:
        raise DefinitionError(f"{where}: no question or derived value {variable!r}")
    personal = bool(raw.get("personal")) or bool(question is not None and question.personal)
    return Column(name, answer=variable, question=question, derivation=None if question else derived[variable],
                  personal=personal, filled_in=question is not None and variable in derived, **shown)


def _shown(where, raw, definition, derived):
    """The COLUMN_OPTIONS of a column entry, checked."""
    def table(key):
        pairs = raw.get(key)
        if pairs is None:
            return None
        if not isinstance(pairs, list) or not all(isinstance(pair, list) and len(pair) == 2 for pair in pairs):
            raise DefinitionError(f"{where}: {key}: should be a list of [code, label] pairs")
        return tuple(tuple(pair) for pair in pairs)

    def condition(when, key):
        if not isinstance(when, dict) or not when:
            raise DefinitionError(f"{where}: {key}: should be a mapping of variables to codes")
        for variable in when:
            if variable not in definition.variables and variable not in derived:
                raise DefinitionError(f"{where}: {key}: no question or derived value {variable!r}")
        return tuple(when.items())

    if raw.get("always", "code") not in ("code", "label"):
        raise DefinitionError(f"{where}: always: {raw['always']!r} is not code or label")
    if raw.get("date_part", "day") not in DATE_PARTS:
        raise DefinitionError(f"{where}: date_part: {raw['date_part']!r} is not one of {', '.join(DATE_PARTS)}")
    unknown = []
    for rule in raw.get("unknown") or []:
        if not isinstance(rule, dict) or set(rule) - {"when", "code", "label"} or "when" not in rule:
            raise DefinitionError(
                f"{where}: unknown: each entry is {{when: {{variable: code}}, code: ..., label: ...}}")
        unknown.append((condition(rule["when"], "unknown"), rule.get("code"), rule.get("label")))
    only_when = condition(raw["only_when"], "only_when") if "only_when" in raw else ()
    read = sorted({name for name, _ in only_when} | {name for when, *_ in unknown for name, _ in when})
    return {"description": None if raw.get("description") is None else str(raw["description"]),
            "labels": table("labels"), "codes": table("codes"), "always": raw.get("always", ""), "decimal_point": bool(raw.get("decimal_point")),
            "date_part": raw.get("date_part", ""), "only_when": only_when,
            "unknown": tuple(unknown), "text": bool(raw.get("text")),
            "else_entry": entry_columns.parse(where, {"entry": raw["else_entry"]}, definition)["entry"]
            if raw.get("else_entry") else None,
            "condition_places": tuple((name, name in definition.variables, name in derived) for name in read)}
