"""Storing an entry, one way for the pages and the file upload."""

from cldc.platform.definitions.values import from_json
from cldc.platform.registers.models import Entry


def save_entry(register, entry, parent, owner, manager, answers, user):
    """Create or change an entry from answers checked against the register's fields (every
    field that applies is answered: complete). A child entry has its parent's owner."""
    values = from_json(register.fields, answers)
    entry = entry or Entry(collection=register.collection, register=register.name, parent=parent, created_by=user)
    entry.owner, entry.manager = (parent.owner, parent.manager) if parent else (owner, manager if manager != owner else None)
    entry.answers, entry.complete = answers, True
    entry.available_from = values.get(register.available_from) if register.available_from else None
    entry.save()
    if parent is None:  # a child entry (a location) is its parent's owner's
        entry.children.update(owner=entry.owner, manager=entry.manager)
    return entry
