"""What a record's chooser questions offer (docs/registers.md): the entries its
organisations may use on the record's date, and an entry's words where a record is read
back. The gateway's rules refuse any other choice, in every channel; this is what the
web form shows."""

from cldc.platform.organisations import merges
from cldc.platform.registers import context, declaration, periods
from cldc.platform.registers.models import Entry


def chooser(definition, question):
    """(binding, register) when the question chooses an entry, else None."""
    binding = declaration.binding(definition)
    name = binding.chooser(question.id) if binding else None
    if name is None:
        return None
    return binding, declaration.register(definition.collection, name)


def offered(record, definition, question, answers):
    """[(code, label)] of the entries the question offers now, or None when it chooses
    none: of a parent register (schemes), the complete entries the record's owning or
    managing organisation (or one merged into it by then) owns or manages, active on the
    record's date (today until it has one); of a child register (locations), the
    complete ones of the chosen parent entry, active on that date."""
    found = chooser(definition, question)
    if found is None:
        return None
    binding, register = found
    day = context.record_day(definition, answers)
    entries = Entry.objects.of(definition.collection, register.name).filter(complete=True)
    if register.parent is None:  # through a merge too: the absorbing organisation's records, from the merge date
        organisations = {record.owning_organisation_id, record.managing_organisation_id} - {None}
        entries = entries.usable_by(merges.reach(organisations, merges.merged_into(), day))
    else:
        parent_question = binding.chooses[register.parent.name]
        parent_number = register.parent.number(answers.get(parent_question))
        entries = entries.filter(parent_id=parent_number)
    entries = entries.select_related("parent").prefetch_related("deactivations", "parent__deactivations")
    choices = []
    for entry in entries:
        data = context.as_context(entry)
        if entry.parent_id:
            data["parent"] = context.as_context(entry.parent)
        if periods.active_on(data, day):
            choices.append((entry.code, label(entry)))
    return choices


def label(entry):
    """An entry as people read it: its name and its code."""
    return f"{entry.name} ({entry.code})"


def display(definition, question, value):
    """The words for a chooser's answer (the entry's name and code), or None when the
    question chooses no entries."""
    found = chooser(definition, question)
    if found is None or value in (None, ""):
        return None
    number = found[1].number(value)
    entry = Entry.objects.of(definition.collection, found[1].name).filter(pk=number).first() if number else None
    return label(entry) if entry else str(value)


def filled_rows(definition, question, answers):
    """[(record question, register noun)] of the answers the entry chosen by `question` fills."""
    found = chooser(definition, question)
    if found is None:
        return []
    binding, register = found
    return [(definition.variables[variable], register.noun) for variable, (name, _) in binding.fills.items()
            if name == register.name and answers.get(variable) is not None and variable in definition.variables]


def sole_entry(record, definition, question, answers):
    """The code of the one entry a child register's question offers (CORE: a scheme with
    one location active on the record's date), else None: the web form chooses it for the
    person and skips its page, as CORE does."""
    found = chooser(definition, question)
    if found is None or found[1].parent is None:
        return None
    entries = offered(record, definition, question, answers)
    return entries[0][0] if len(entries) == 1 else None


def left_behind(definition, stored, given):
    """{child question: None} for each child register's answer that does not belong to the
    parent entry `given` changes to (a location of the scheme chosen before): the web form
    clears it with the change, so that its page asks again (or the new parent's only child
    is chosen for them), as CORE does."""
    binding = declaration.binding(definition)
    if binding is None:
        return {}
    answers, cleared = {**stored, **given}, {}
    for name, question_id in binding.chooses.items():
        register = declaration.register(definition.collection, name)
        if register.parent is None or answers.get(question_id) in (None, ""):
            continue
        parent_question = binding.chooses[register.parent.name]
        if parent_question not in given or given[parent_question] == stored.get(parent_question):
            continue  # the parent is not changing: its child stands
        parent = register.parent.number(answers.get(parent_question))
        belongs = parent is not None and Entry.objects.of(definition.collection, name).filter(
            pk=register.number(answers[question_id]), parent_id=parent).exists()
        if not belongs:
            cleared[question_id] = None
    return cleared


def sole_words(definition, question):
    """How check your answers says an entry was chosen for the person: "The scheme's only location"."""
    register = chooser(definition, question)[1]
    return f"The {register.parent.noun}'s only {register.noun}"
