"""The register entries a record chooses, as the rules see them: the gateway puts them
in the context under `entries` (contract.CONTEXT), so that a package's rules about them
run in every channel through the gateway's pure evaluate().

    context["entries"] == {"scheme": {...}, "location": {...}}   # or None: the answer names no entry

An entry in the context is a dict: `id`, `code`, `name`, `owner_id`, `manager_id`,
`complete`, `available_from`, `deactivations` ([{from, until}]), `fields` (its typed
answers), `usable` (the record's owning or managing organisation owns or manages it, or
one merged into it on or before the record's date does: organisations.merges.reach),
and for a child entry (a location) `parent` and `in_parent` (it belongs to the entry
the record chooses of the parent register); for a parent, `children`.

Bulk upload judges rows in processes that must not query the database: `pinned()`
loads a service's entries once, before they fork, and they read that.
"""

import datetime as dt
from contextlib import contextmanager

from django.db import connection

from cldc.platform.definitions.values import from_json
from cldc.platform.organisations import merges
from cldc.platform.registers import declaration
from cldc.platform.registers.models import Entry

_pinned = {}  # {schema name: ({entry id: context dict}, merges.merged_into())} while pinned()


def as_context(entry, children=None):
    """An Entry as the rules read it (without `usable` and `in_parent`, which depend on the record)."""
    register = entry.declared
    data = {
        "id": entry.pk, "code": entry.code, "name": entry.name, "register": entry.register,
        "owner_id": entry.owner_id, "manager_id": entry.manager_id, "complete": entry.complete,
        "available_from": entry.available_from, "parent_id": entry.parent_id,
        "deactivations": [{"from": d.deactivated_on, "until": d.reactivated_on} for d in entry.deactivations.all()],
        "fields": from_json(register.fields, entry.answers),
    }
    if children is not None:
        data["children"] = [as_context(child) for child in children]
    return data


def _load(ids):
    """Context dicts of entries by id, parents and their children included."""
    pinned = _pinned.get(connection.schema_name)
    if pinned is not None:
        return {pk: pinned[0][pk] for pk in ids if pk in pinned[0]}
    found = {}
    for entry in Entry.objects.filter(pk__in=ids).select_related("parent").prefetch_related("deactivations"):
        found[entry.pk] = _with_family(entry)
    return found


def _with_family(entry):
    children = list(entry.children.prefetch_related("deactivations")) if entry.declared.child else None
    data = as_context(entry, children)
    if entry.parent_id:
        data["parent"] = as_context(entry.parent)
    return data


@contextmanager
def pinned():
    """Hold every entry of the service in memory while the block runs (bulk upload's
    judging processes read these, and never the database)."""
    schema = connection.schema_name
    entries = Entry.objects.select_related("parent").prefetch_related("deactivations", "children__deactivations")
    _pinned[schema] = ({entry.pk: _with_family(entry) for entry in entries}, merges.merged_into())
    try:
        yield
    finally:
        _pinned.pop(schema, None)


def chosen_numbers(definition, answers):
    """{register name: entry number} for each entry the answers name; a value that
    names no entry's number at all maps to None."""
    binding = declaration.binding(definition)
    if binding is None:
        return {}
    registers = declaration.registers(definition.collection)
    chosen = {}
    for name, question_id in binding.chooses.items():
        value = answers.get(question_id)
        if value not in (None, ""):
            chosen[name] = registers[name].number(value)
    return chosen


def record_day(definition, answers):
    """The record's date that entries must be active on (the binding's `active_on`), from
    typed or stored answers; today until it has one."""
    value = answers.get(declaration.binding(definition).active_on)
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return dt.date.today()


def entries_for(record, definition, answers):
    """The `entries` of a record's context: each entry its answers choose, as the rules
    read it, or None for an answer that names no entry of the register."""
    chosen = chosen_numbers(definition, answers)
    if not chosen:
        return {}
    loaded = _load([n for n in chosen.values() if n is not None])
    pinned = _pinned.get(connection.schema_name)
    day = record_day(definition, answers)
    organisations = merges.reach({record.owning_organisation_id, record.managing_organisation_id} - {None},
                                 pinned[1] if pinned is not None else merges.merged_into(), day)
    registers = declaration.registers(definition.collection)
    entries = {}
    for name, number in chosen.items():
        entry = loaded.get(number)
        if entry is None or entry["register"] != name:
            entries[name] = None
            continue
        owners = {entry["owner_id"], entry["manager_id"]} - {None}
        entries[name] = {**entry, "usable": bool(owners & organisations)}
    for name, entry in entries.items():
        parent = registers[name].parent
        if entry is not None and parent is not None:
            chosen_parent = entries.get(parent.name)
            entry["in_parent"] = chosen_parent is not None and entry["parent_id"] == chosen_parent["id"]
    return entries


def canonical(definition, incoming):
    """Incoming answers with each entry named by its code ("12" -> "S12"), as stored;
    a value that names no entry number is left for the rules to refuse."""
    binding = declaration.binding(definition)
    if binding is None:
        return incoming
    registers = declaration.registers(definition.collection)
    changed = dict(incoming)
    for name, question_id in binding.chooses.items():
        value = incoming.get(question_id)
        number = registers[name].number(value) if value not in (None, "") else None
        if number is not None:
            changed[question_id] = registers[name].code(number)
    return changed


def fills(definition, entries, kept, applicable):
    """{record variable: value} that the chosen entries fill (the binding's `fills`),
    for the entries whose choosing question applies now and holds them (not a choice
    a hard rule refused)."""
    binding = declaration.binding(definition)
    if binding is None or not entries:
        return {}
    asked = {q.id for q in applicable}
    filled = {}
    for variable, (name, field_id) in binding.fills.items():
        entry = entries.get(name)
        chosen_now = kept.get(binding.chooses[name]) == entry["code"] if entry is not None else False
        if chosen_now and binding.chooses[name] in asked and entry["fields"].get(field_id) is not None:
            filled[variable] = entry["fields"][field_id]
    return filled
