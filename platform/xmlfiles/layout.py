"""XML layouts: how a package's records are written as XML files and read back, per
record type and version, in xml/<record_type>/<version>.yaml (docs/xml.md):

    files:                                    # one or two: the second holds the personal elements
      - {id: visits, title: Visit data, root: Visits, record: Visit}
      - {id: personal, title: Personal data, root: VisitsPersonal, record: Visit, personal: true}
    organisation: OrganisationCode            # every record: the organisation's code (ONS code, else ORG<id>)
    previous_reference: {element: PreviousVisitRef, variable: visitref}   # optional: the reference before a move
    elements:
      - {element: VisitRef, variable: visitref}  # the reference_key's variables: in every file, to match records
      - {element: Needs, variable: needs, item: Need}      # a tick-box question: its ticked codes
      - repeat: person                         # a repeat block: <Person n="2">...</Person>, one per index
        element: Person
        elements:
          - {element: Age, variable: "age{n}"}

An element is personal (in the personal file) when it says so or its question is
`personal: true`. Every mistake is a DefinitionError naming the file and the element.
Nothing here names a collection or its variables."""

import re
from dataclasses import dataclass, field
from functools import cache

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, load_yaml

LAYOUT_KEYS = {"files", "organisation", "previous_reference", "elements", "notes"}
SAME_AS = "same_as"  # a version whose layout is another's, read against its own definition
FILE_KEYS = {"id", "title", "root", "record", "personal"}
ELEMENT_KEYS = {"element", "variable", "item", "personal"}
REPEAT_KEYS = {"repeat", "element", "elements"}
INDEX_ATTRIBUTE = "n"  # a repeat block's index: <Person n="2">
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*\Z")  # an XML element name (no namespace prefix)


@dataclass(frozen=True)
class Element:
    """One element of a record: a variable's value, or a tick-box question's ticked
    codes as `item` elements. In a repeat block, `variable` holds {n}."""

    name: str
    variable: str  # the variable, or the tick-box question's id
    question: object
    item: str = ""
    personal: bool = False
    reference: bool = False  # one of the definition's reference_key: in every file

    def variable_at(self, n=None):
        return self.variable if n is None else self.variable.replace("{n}", str(n))

    def variables_at(self, n=None):
        """The stored variables it holds: a tick-box question's options, else its variable."""
        return list(self.question.variables) if self.item else [self.variable_at(n)]


@dataclass(frozen=True)
class Repeat:
    """A repeat block: one element per index that has an answer, each holding `elements`."""

    name: str
    group: str
    indices: tuple
    elements: tuple  # Elements, their variables templates with {n}
    question_at: dict = field(default_factory=dict, compare=False, hash=False)  # (template, n) -> Question


@dataclass(frozen=True)
class XmlFile:
    id: str
    title: str
    root: str
    record: str
    personal: bool = False


@dataclass(frozen=True)
class XmlLayout:
    collection: str
    record_type: str
    version: int
    files: tuple  # XmlFiles: the main file first
    organisation: str  # the element holding the organisation's code
    elements: tuple  # Elements and Repeats, in order
    previous_reference: Element | None = None
    source: str = ""

    @property
    def main(self):
        return self.files[0]

    @property
    def personal_file(self):
        return next((f for f in self.files if f.personal), None)

    def parts_of(self, xml_file):
        """The elements and repeat blocks written in one file: the reference in each,
        personal ones only in the personal file (in the only file, when there is one)."""
        if len(self.files) == 1:
            return list(self.elements)
        parts = []
        for part in self.elements:
            if isinstance(part, Repeat):
                inner = tuple(e for e in part.elements if e.reference or e.personal == xml_file.personal)
                if inner:
                    parts.append(Repeat(part.name, part.group, part.indices, inner, part.question_at))
            elif part.reference or part.personal == xml_file.personal:
                parts.append(part)
        return parts

    @property
    def reference_elements(self):
        return [e for e in self.elements if isinstance(e, Element) and e.reference]

    @property
    def personal_variables(self):
        """The variables its personal elements hold (what an import keeps of a record it
        does not send, and what access to personal data is recorded for)."""
        personal = set()
        for part in self.elements:
            for element in part.elements if isinstance(part, Repeat) else [part]:
                if element.personal:
                    for n in part.indices if isinstance(part, Repeat) else [None]:
                        personal.update(element.variables_at(n))
        return personal

    @property
    def variables(self):
        """Every stored variable the layout holds: an import sends each, blank when absent."""
        found = []
        for part in self.elements:
            if isinstance(part, Repeat):
                found += [v for n in part.indices for e in part.elements for v in e.variables_at(n)]
            else:
                found += part.variables_at()
        return found


def xml_layout(collection_name, record_type, version):
    """The package's XML layout of one record type and version; LookupError without one."""
    return _load(collection_name, record_type, int(version))


@cache
def _load(collection_name, record_type, version):
    collection = registry.get(collection_name)
    path = collection.file("xml_layout", record_type=record_type, version=version)
    if not path.exists():
        raise LookupError(f"{collection_name} {record_type} {version} has no XML layout ({path.name})")
    return read_layout(path, collection.definition(record_type, version))


def read_layout(path, definition):
    raw = load_yaml(path) or {}
    where = str(path)
    if SAME_AS in raw:
        _known(raw, {SAME_AS, "notes"}, where)
        same = path.with_name(f"{raw[SAME_AS]}{path.suffix}")
        if not same.exists() or same == path:
            raise DefinitionError(f"{where}: same_as: no layout of version {raw[SAME_AS]!r} beside it")
        raw = load_yaml(same) or {}
        where = f"{where} (same_as {same.name})"
    _known(raw, LAYOUT_KEYS, where)
    files = tuple(_file(f"{where}: files[{i}]", entry) for i, entry in enumerate(raw.get("files") or []))
    if not 1 <= len(files) <= 2 or files[0].personal or (len(files) == 2 and not files[1].personal):
        raise DefinitionError(f"{where}: files: one main file, then optionally one with `personal: true`")
    organisation = _name(raw.get("organisation"), f"{where}: organisation")
    groups = {}  # repeat group -> {(template, n): question}
    for question in definition.questions.values():
        if question.repeat:
            template = re.sub(rf"{question.index}$", "{n}", question.id)
            groups.setdefault(question.repeat, {})[(template, question.index)] = question
    elements, seen = [], {organisation}
    for i, entry in enumerate(raw.get("elements") or []):
        place = f"{where}: elements[{i}]"
        if isinstance(entry, dict) and "repeat" in entry:
            _known(entry, REPEAT_KEYS, place)
            group = groups.get(entry["repeat"])
            if group is None:
                raise DefinitionError(f"{place}: no repeat block {entry['repeat']!r} in the definition")
            indices = tuple(sorted({n for _, n in group}))
            inner, inner_seen = [], set()
            for j, sub in enumerate(entry.get("elements") or []):
                if "{n}" not in str((sub or {}).get("variable", "")):
                    raise DefinitionError(f"{place}.elements[{j}]: a repeat block's variable holds {{n}}")
                questions = [group.get((sub["variable"], n)) for n in indices]
                if None in questions:
                    raise DefinitionError(f"{place}.elements[{j}]: {sub['variable']!r} is not a question of "
                                          f"repeat block {entry['repeat']!r} at every index")
                element = _element(f"{place}.elements[{j}]", sub, questions[0], definition, inner_seen)
                if element.item:
                    raise DefinitionError(f"{place}.elements[{j}]: a tick-box question in a repeat block is not "
                                          "supported: give each option's variable its own element")
                inner.append(element)
            name = _name(entry.get("element"), f"{place}: element")
            _once(name, seen, place)
            elements.append(Repeat(name, entry["repeat"], indices, tuple(inner),
                                   {(t, n): q for (t, n), q in group.items()}))
        else:
            _known(entry, ELEMENT_KEYS, place)
            question = definition.variables.get(entry.get("variable")) or definition.questions.get(entry.get("variable"))
            if question is None:
                raise DefinitionError(f"{place}: {entry.get('variable')!r} is not a question or variable of "
                                      f"{definition}")
            elements.append(_element(place, entry, question, definition, seen))
    for part in elements:
        for element in part.elements if isinstance(part, Repeat) else [part]:
            if element.variable in definition.record_fields.values():
                raise DefinitionError(f"{where}: {element.name}: {element.variable} is a record field; the "
                                      f"organisation is the `organisation` element")
    held = {e.variable for e in elements if isinstance(e, Element)}
    missing = [name for name in definition.reference_key if name not in held]
    if missing or not definition.reference_key:
        raise DefinitionError(f"{where}: elements: every variable of the reference_key is an element "
                              f"(missing: {', '.join(missing) or 'the definition has no reference_key'})")
    previous = None
    if raw.get("previous_reference"):
        entry = raw["previous_reference"]
        place = f"{where}: previous_reference"
        if not isinstance(entry, dict) or entry.get("variable") not in definition.reference_key:
            raise DefinitionError(f"{place}: {{element: ..., variable: <a variable of the reference_key>}}")
        previous = Element(_name(entry.get("element"), place), entry["variable"],
                           definition.variables[entry["variable"]])
        _once(previous.name, seen, place)
    return XmlLayout(definition.collection, definition.record_type, definition.version, files, organisation,
                     tuple(elements), previous, str(path))


def _element(place, entry, question, definition, seen):
    name = _name(entry.get("element"), f"{place}: element")
    _once(name, seen, place)
    item = ""
    if question.type == "checkbox":
        if entry["variable"] != question.id:
            raise DefinitionError(f"{place}: a tick-box question is one element, by its id {question.id!r}, "
                                  f"with `item:` naming the element of each ticked option")
        item = _name(entry.get("item"), f"{place}: item")
    elif entry.get("item"):
        raise DefinitionError(f"{place}: item: only a tick-box question has items")
    reference = entry["variable"] in definition.reference_key
    return Element(name, entry["variable"], question, item,
                   personal=bool(entry.get("personal") or question.personal) and not reference, reference=reference)


def _file(place, entry):
    _known(entry, FILE_KEYS, place)
    return XmlFile(str(entry.get("id") or ""), entry.get("title") or str(entry.get("id") or ""),
                   _name(entry.get("root"), f"{place}: root"), _name(entry.get("record"), f"{place}: record"),
                   bool(entry.get("personal")))


def _name(value, place):
    if not isinstance(value, str) or not NAME.match(value):
        raise DefinitionError(f"{place}: {value!r} is not an XML element name")
    return value


def _once(name, seen, place):
    if name in seen:
        raise DefinitionError(f"{place}: element {name!r} appears twice")
    seen.add(name)


def _known(entry, keys, place):
    if not isinstance(entry, dict):
        raise DefinitionError(f"{place}: expected a mapping")
    unknown = set(entry) - keys
    if unknown:
        raise DefinitionError(f"{place}: unknown keys {', '.join(sorted(unknown))}")
