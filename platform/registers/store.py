"""Storing an entry, one way for the pages and the file upload."""

from cldc.platform.definitions.values import from_json
from cldc.platform.registers import declaration
from cldc.platform.registers.models import Deactivation, Entry, EntryChange


def save_entry(register, entry, parent, owner, manager, answers, user):
    """Create or change an entry from answers checked against the register's fields (every
    field that applies is answered: complete), and record the change in its history. A
    child entry has its parent's owner."""
    values = from_json(register.fields, answers)
    before = _as_recorded(entry) if entry is not None else None
    entry = entry or Entry(collection=register.collection, register=register.name, parent=parent, created_by=user)
    entry.owner, entry.manager = (parent.owner, parent.manager) if parent else (owner, manager if manager != owner else None)
    entry.answers, entry.complete = answers, True
    entry.available_from = values.get(register.available_from) if register.available_from else None
    entry.save()
    if parent is None:  # a child entry (a location) is its parent's owner's
        entry.children.update(owner=entry.owner, manager=entry.manager)
    changed = _differences(before or {}, _as_recorded(entry))
    if before is None or changed:  # saved again unchanged: nothing to record
        EntryChange.objects.create(entry=entry, kind=EntryChange.Kind.CHANGED if before else EntryChange.Kind.ADDED,
                                   fields=changed, changed_by=user)
    return entry


def deactivate(entry, start, end, user):
    """Make an entry unavailable from `start` until `end` (None: for good), in its history too."""
    Deactivation.objects.create(entry=entry, deactivated_on=start, reactivated_on=end, created_by=user)
    EntryChange.objects.create(entry=entry, kind=EntryChange.Kind.DEACTIVATED, changed_by=user, fields=_differences(
        {}, {"deactivated_on": start.isoformat(), "reactivated_on": end.isoformat() if end else None}))


def reactivate(period, day, user):
    """End a deactivation held for good on `day`, in its entry's history too."""
    period.reactivated_on = day
    period.save(update_fields=["reactivated_on"])
    EntryChange.objects.create(entry=period.entry, kind=EntryChange.Kind.REACTIVATED, changed_by=user, fields=[
        {"field": "deactivated_on", "before": period.deactivated_on.isoformat(), "after": period.deactivated_on.isoformat()},
        {"field": "reactivated_on", "before": None, "after": day.isoformat()}])


def _as_recorded(entry):
    """An entry's answers, owner and manager, as its history keeps them."""
    return {"owner": entry.owner.name, "manager": entry.manager.name if entry.manager else None, **entry.answers}


def _differences(before, after):
    return [{"field": key, "before": before.get(key), "after": after.get(key)}
            for key in list(after) + [key for key in before if key not in after]
            if before.get(key) != after.get(key)]


def entries_held(collections, organisation):
    """[(register, how many)] of the entries an organisation owns or manages in the
    current service, per register of its collections (a child register: those under
    them): what a merge lets the absorbing organisation use (organisations.merges)."""
    held = []
    for collection in collections:
        for register in declaration.registers(collection).values():
            top = Entry.objects.of(collection, (register.parent or register).name).usable_by([organisation])
            found = top if register.parent is None else Entry.objects.of(collection, register.name).filter(parent__in=top)
            count = found.count()
            if count:
                held.append((register, count))
    return held
