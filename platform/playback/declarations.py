"""What each organisation's figures show, declared by the package per record type and
version in figures/<record_type>/<version>.yaml (docs/playback.md):

    by_month: visitdate                  # a date: records counted by its month
    breakdowns:                          # answers or derived values with options: records counted by each
      - visitmode
      - {variable: repairs, title: Repairs reported}
    average: {variable: weekly_rent, title: Average weekly rent}   # a number, against similar organisations

Each figure is optional; a file declares at least one. A variable is an answer, or a
derived value of that name when no question has it. A version without a file has no
figures. Nothing here names a collection or its variables."""

from dataclasses import dataclass

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, load_yaml

FIGURE_KEYS = {"by_month", "breakdowns", "average"}
ENTRY_KEYS = {"variable", "title"}


@dataclass(frozen=True)
class Figure:
    variable: str
    title: str
    options: tuple = ()  # ((code, label), ...): a breakdown's, retired codes included
    prefix: str = ""  # "£": an amount of money


@dataclass(frozen=True)
class Figures:
    collection: str
    record_type: str
    version: int
    by_month: Figure | None = None
    breakdowns: tuple = ()
    average: Figure | None = None


def figures(collection_name, record_type, version):
    """The figures one record type and version declares, or None without a file."""
    collection = registry.get(collection_name)
    path = collection.file("figures", record_type=record_type, version=version)
    if not path.exists():
        return None
    definition = collection.definition(record_type, version)
    derived = {d.id: d for d in collection.rule_pack(record_type, version).derivations}
    return read_figures(path, definition, derived)


def service_figures(service):
    """[Figures] of everything the service collects that declares figures, newest year first."""
    found = [figures(name, record_type, version)
             for name in service.collections for record_type in registry.get(name).record_types
             for version in registry.get(name).versions(record_type)]
    return sorted((f for f in found if f is not None), key=lambda f: (-f.version, f.collection, f.record_type))


def read_figures(path, definition, derived):
    """The figures of one file, checked against the definition and its derived values
    ({id: Derivation}): a mistake is a DefinitionError naming the file and the place."""
    raw = load_yaml(path)
    if not isinstance(raw, dict) or not set(raw) & FIGURE_KEYS:
        raise DefinitionError(f"{path}: declares no figures; give one or more of {', '.join(sorted(FIGURE_KEYS))}")
    unknown = set(raw) - FIGURE_KEYS
    if unknown:
        raise DefinitionError(f"{path}: unknown keys {', '.join(sorted(unknown))}; "
                              f"figures are {', '.join(sorted(FIGURE_KEYS))}")
    by_month = average = None
    if raw.get("by_month") is not None:
        by_month = _figure(f"{path}: by_month", raw["by_month"], definition, derived)
        question = definition.variables.get(by_month.variable)
        if question is None or question.type != "date":
            raise DefinitionError(f"{path}: by_month: {by_month.variable!r} is not a date question")
    breakdowns = []
    if not isinstance(raw.get("breakdowns") or [], list):
        raise DefinitionError(f"{path}: breakdowns: give a list of variables")
    for place, entry in enumerate(raw.get("breakdowns") or [], 1):
        breakdown = _figure(f"{path}: breakdowns: entry {place}", entry, definition, derived)
        if not breakdown.options:
            raise DefinitionError(f"{path}: breakdowns: {breakdown.variable!r} has no options to count by")
        if breakdown.variable in {b.variable for b in breakdowns}:
            raise DefinitionError(f"{path}: breakdowns: {breakdown.variable!r} appears twice")
        breakdowns.append(breakdown)
    if raw.get("average") is not None:
        average = _figure(f"{path}: average", raw["average"], definition, derived)
        question = definition.variables.get(average.variable)
        if (question is not None and question.type != "numeric") or average.options:
            raise DefinitionError(f"{path}: average: {average.variable!r} is not a number")
    return Figures(definition.collection, definition.record_type, definition.version, by_month, tuple(breakdowns),
                   average)


def _figure(where, entry, definition, derived):
    entry = {"variable": entry} if isinstance(entry, str) else entry
    if not isinstance(entry, dict) or not entry.get("variable"):
        raise DefinitionError(f"{where}: give a variable's name, or {{variable: name, title: words}}")
    unknown = set(entry) - ENTRY_KEYS
    if unknown:
        raise DefinitionError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
    variable = entry["variable"]
    question = definition.variables.get(variable)
    derivation = derived.get(variable)
    if question is None and derivation is None:
        raise DefinitionError(f"{where}: no question or derived value {variable!r}")
    if question is not None and question.type == "checkbox":
        raise DefinitionError(f"{where}: {variable!r} is a tick box: count by a question with one answer")
    declared = question or derivation
    options = (question.options + question.retired_options) if question is not None else derivation.options
    title = entry.get("title") or declared.label or variable
    return Figure(variable, title, tuple((code, label) for code, label in options if label is not None),
                  declared.prefix or "")
