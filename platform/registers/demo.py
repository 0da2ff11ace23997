"""`cldc demo`'s register entries: each register file's `demo:` list, given to the demo's
organisations by their key in `cldc demo` (`parent`, `child`, `council`). Safe to run
again: an entry whose owner already has one of that name is kept as it is."""

from django_tenants.utils import schema_context

from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.registers import declaration
from cldc.platform.registers.models import Deactivation, Entry
from cldc.platform.registers.store import save_entry


def _answers(register, given):
    values, errors = normalise(register.fields, given)
    if errors:
        raise ValueError(f"demo {register.noun} {given}: {[e.message for e in errors]}")
    return to_json({k: v for k, v in values.items() if v is not None})


def _add(register, spec, parent, owner, manager):
    answers = _answers(register, spec["fields"])
    name = answers.get(register.name_field)
    same = Entry.objects.of(register.collection, register.name).filter(parent=parent, owner=owner)
    found = next((e for e in same if e.answers.get(register.name_field) == name), None)
    if found is not None:
        return found, False
    entry = save_entry(register, None, parent, owner, manager, answers, None)
    for period in spec.get("deactivations") or ():
        Deactivation.objects.create(entry=entry, deactivated_on=period["from"], reactivated_on=period.get("until"))
    return entry, True


def seed(service, organisations):
    """Give the demo's organisations ({key: Organisation}) the register entries the
    service's packages list for them; returns lines to print."""
    lines = []
    with schema_context(service.schema_name):
        for collection in service.collections:
            for register, specs in declaration.demo_entries(collection):
                made = 0
                for spec in specs:
                    owner, manager = organisations[spec["owner"]], organisations.get(spec.get("manager"))
                    entry, new = _add(register, spec, None, owner, manager)
                    made += new
                    for child in spec.get(register.child.nouns if register.child else "", ()) or ():
                        made += _add(register.child, child, entry, owner, manager)[1]
                if made:
                    lines.append(f"Made {made} demo {register.nouns} and {register.child.nouns if register.child else ''} "
                                 f"in {service.schema_name}.".replace(" and  in", " in"))
    return lines
