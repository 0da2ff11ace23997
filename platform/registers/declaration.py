"""What a package declares about a register (docs/registers.md): a list of entries a
service holds besides records, such as supported-housing schemes and their locations,
in `registers/<name>.yaml`. An entry's fields are questions, written as a definition's
are; they are built as a small definition, so that values are typed, routed and read
back by the same code as a record's answers.

    register = declaration.register("core", "scheme")
    register.fields          # a Definition: its questions are the entry's fields
    register.child           # the register of the entries that belong to one (locations)
    declaration.binding(definition)   # which questions of a record choose entries, and what they fill
"""

from dataclasses import dataclass, field
from functools import cache

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, build, load_yaml, unknown_keys

REGISTER_KEYS = {"register", "noun", "nouns", "code_prefix", "name_field", "available_from", "fields", "child", "records",
                 "demo", "notes"}
CHILD_KEYS = REGISTER_KEYS - {"child", "records", "demo"}
BINDING_KEYS = {"record_type", "active_on", "chooses", "fills", "notes"}


@dataclass(frozen=True)
class Register:
    """One register: what its entries are called, their fields, and how they are coded."""

    collection: str
    name: str  # e.g. "scheme"; an Entry's `register`
    noun: str
    nouns: str
    fields: object  # a Definition whose questions are the fields
    name_field: str  # the field people read an entry as
    code_prefix: str = ""  # an entry's code is this and its number ("S12"); none: its number
    available_from: str = ""  # the date field from which an entry is available; none: from when it is added
    parent: "Register | None" = None
    child: "Register | None" = None

    def code(self, number):
        return f"{self.code_prefix}{number}"

    def number(self, code):
        """The entry number a code names (the code, or the number alone), or None."""
        text = str(code or "").strip()
        if self.code_prefix and text.upper().startswith(self.code_prefix.upper()):
            text = text[len(self.code_prefix):]
        return int(text) if text.isdecimal() else None

    @property
    def questions(self):
        return [q for page in self.fields.pages for q in page.questions]


@dataclass(frozen=True)
class Binding:
    """How a record type uses registers: the question that chooses an entry of each, the
    record's date entries must be active on, and the answers an entry fills."""

    record_type: str
    active_on: str  # the record's date question
    chooses: dict  # {register name: question id}
    fills: dict = field(default_factory=dict)  # {record variable: (register name, field)}

    def chooser(self, question_id):
        """The register a question chooses an entry of, or None."""
        return next((name for name, qid in self.chooses.items() if qid == question_id), None)


def _fields(collection, name, raw, source):
    """The fields of a register as a one-page definition (its own questions only)."""
    definition = build({
        "collection": collection.name, "record_type": name, "version": 9999, "title": name,
        "valid_from": "2000-01-01", "valid_to": "2999-12-31",
        "sections": [{"id": name, "label": name, "subsections": [
            {"id": name, "label": name, "pages": [{"id": name, "questions": raw}]}]}],
    }, source)
    registry.offer_reference_lists(collection, definition)
    return definition


def _register(collection, raw, source, keys, parent=None):
    problems = unknown_keys(raw, keys, f"{source}: register {raw.get('register')!r}")
    if problems:
        raise DefinitionError(problems=problems)
    try:
        register = Register(
            collection=collection.name, name=raw["register"], noun=raw["noun"], nouns=raw["nouns"],
            fields=_fields(collection, raw["register"], raw["fields"], source), name_field=raw["name_field"],
            code_prefix=str(raw.get("code_prefix") or ""), available_from=raw.get("available_from") or "",
            parent=parent)
    except KeyError as error:
        raise DefinitionError(f"{source}: register missing {error.args[0]!r}") from None
    for named in (register.name_field, register.available_from):
        if named and named not in register.fields.variables:
            raise DefinitionError(f"{source}: register {register.name!r} names no field {named!r}")
    if raw.get("child"):
        object.__setattr__(register, "child", _register(collection, raw["child"], source, CHILD_KEYS, register))
    return register


@cache
def _declared(collection_name):
    collection = registry.get(collection_name)
    registers, bindings, demo = {}, {}, []
    for path in collection.files("registers"):
        raw = load_yaml(path)
        register = _register(collection, raw, path, REGISTER_KEYS)
        if raw.get("demo"):
            demo.append((register, raw["demo"]))
        for one in (register, register.child):
            if one is not None:
                registers[one.name] = one
        for entry in raw.get("records") or []:
            problems = unknown_keys(entry, BINDING_KEYS, f"{path}: records")
            if problems:
                raise DefinitionError(problems=problems)
            fills = {}
            for variable, source in (entry.get("fills") or {}).items():
                name, _, field_id = str(source).partition(".")
                if name not in registers or field_id not in registers[name].fields.variables:
                    raise DefinitionError(f"{path}: fills {variable} from {source!r}, which is no register's field")
                fills[variable] = (name, field_id)
            bindings[entry["record_type"]] = Binding(entry["record_type"], entry["active_on"], dict(entry["chooses"]), fills)
    return registers, bindings, demo


def demo_entries(collection_name):
    """[(Register, its `demo:` entries)]: what `cldc demo` gives the demo's organisations."""
    try:
        return _declared(collection_name)[2]
    except LookupError:
        return []


def registers(collection_name):
    """{name: Register} that a package declares (none for a package without registers)."""
    try:
        return _declared(collection_name)[0]
    except LookupError:  # a package made inside a test, not registered
        return {}


def register(collection_name, name):
    found = registers(collection_name).get(name)
    if found is None:
        raise LookupError(f"{collection_name} has no register {name!r}")
    return found


def binding(definition):
    """The Binding of a definition's record type, or None when it chooses no entries."""
    try:
        return _declared(definition.collection)[1].get(definition.record_type)
    except LookupError:
        return None


def collections_with_registers(service):
    """The names of a service's collections that declare registers."""
    return [name for name in service.collections if registers(name)]
