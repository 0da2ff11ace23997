"""Importing an organisation's XML files (the data file, and the personal-data file if
the layout has one) through the gateway, all or nothing:

    result = import_files("visits", "visit", 2026, organisation, person, main=bytes, personal=bytes)
    result.problems   # [] when every record was stored; else nothing was stored

1. Each file is read safely and checked against the package's XSD (reader.py).
2. Every record must be the organisation's (its organisation element), once in the
   data file; a personal-data record must have its record in the data file.
3. Each record is matched to a stored one the person may change, by the organisation and
   the reference; one not found under its reference is found under its previous
   reference (a supplier change), and its reference is changed (the revision shows it).
4. Every record goes through gateway.submit(validate_only=True): every variable the
   layout holds is sent, blank when the file leaves it out (the file is the record as
   it stands), so the same file again changes nothing.
5. Only when no record has an error, all are stored in one transaction
   (gateway.create_many, gateway.commit): nothing half-imported.

Memory (a large organisation's quarter is 20,000 records): each file's records are
released as they are validated, and of each outcome only what is to be stored is kept
(ToStore: a new record, or a changed one with its changes); an unchanged one is counted.
"""

from dataclasses import dataclass, field

from django.db import transaction

from cldc.platform import registry
from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Organisation
from cldc.platform.records.gateway import StaleRecord, WindowClosed, commit, create_many, provider_reference, submit
from cldc.platform.records.models import Record
from cldc.platform.records.references import References
from cldc.platform.returns.tasks import refresh_after_bulk_change
from cldc.platform.windows.service import Windows
from cldc.platform.xmlfiles.layout import Repeat, xml_layout
from cldc.platform.xmlfiles.reader import Problem, Refused, read

SOURCE = "upload"  # a file of records, as bulk upload: the revisions say so


@dataclass
class ToStore:
    """Of a record's Outcome, what gateway.create_many and gateway.commit read: the
    record (its answers set by the gateway) and the changes for its revision."""

    record: Record
    changes: dict
    created: bool
    saved: bool = False


@dataclass
class Result:
    records: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    relinked: int = 0  # records found by their previous reference
    problems: list = field(default_factory=list)  # Problems: none stored when there are any
    warnings: list = field(default_factory=list)  # Problems: soft checks to confirm, answers not stored

    @property
    def stored(self):
        return not self.problems

    def as_dict(self):
        return {"records": self.records, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "relinked": self.relinked, "stored": self.stored,
                "problems": [p.as_dict() for p in self.problems], "warnings": [w.as_dict() for w in self.warnings]}


def import_files(collection, record_type, version, organisation, user, main=None, personal=None, today=None):
    """Import the files (bytes) for `organisation`, as `user`; see the module's doc."""
    layout = xml_layout(collection, record_type, version)
    definition = registry.get(collection).definition(record_type, version)
    try:
        return _import(layout, definition, organisation, user, main, personal, today)
    except Refused as refused:
        return Result(problems=refused.problems)


def _import(layout, definition, organisation, user, main, personal, today):
    noun, nouns = definition.nouns
    main_file, personal_file = layout.main, layout.personal_file
    if main is None:
        raise Refused(Problem(f"Upload the {main_file.title.lower()} file: "
                              + (f"the {personal_file.title.lower()} file is read only with it, matched on the "
                                 f"{noun} reference." if personal is not None and personal_file else
                                 f"it holds the {nouns}."), main_file.title, rule="xml_main_file_missing"))
    if personal is not None and personal_file is None:
        raise Refused(Problem(f"These {nouns} have one file only.", rule="xml_no_personal_file"))
    if not policy.may_act_for(user, organisation):
        raise Refused(Problem(f"You cannot submit {nouns} for {organisation.name}.", rule="xml_organisation"))
    records = read(layout, main_file, main)
    personal_records = read(layout, personal_file, personal) if personal is not None else []
    problems = _organisation_problems(layout, organisation, main_file, records)
    problems += _organisation_problems(layout, organisation, personal_file, personal_records)
    by_reference = {}
    for record in records:
        key = _key(definition, record.reference)
        if key in by_reference:
            problems.append(Problem(f"{noun.capitalize()} {record.reference_text} is in the file twice "
                                    f"(records {by_reference[key].position} and {record.position}). Remove one.",
                                    main_file.title, record.reference_text, main_file.record, rule="xml_duplicate"))
        by_reference.setdefault(key, record)
    seen_personal = set()
    for record in personal_records:
        key = _key(definition, record.reference)
        if key not in by_reference:
            problems.append(Problem(f"The {personal_file.title.lower()} of {noun} {record.reference_text} has no "
                                    f"{noun} in the {main_file.title.lower()} file. Send both files with the "
                                    f"same {nouns}.", personal_file.title, record.reference_text,
                                    personal_file.record, rule="xml_personal_without_main"))
        elif key in seen_personal:
            problems.append(Problem(f"{noun.capitalize()} {record.reference_text} is in the "
                                    f"{personal_file.title.lower()} file twice. Remove one.", personal_file.title,
                                    record.reference_text, personal_file.record, rule="xml_duplicate"))
        else:
            seen_personal.add(key)
            by_reference[key].answers.update(record.answers)
    del by_reference, personal_records  # each record is released once it has been through the gateway
    if problems:
        raise Refused(problems)
    return _through_the_gateway(layout, definition, organisation, user, records, personal is not None, today)


def _through_the_gateway(layout, definition, organisation, user, records, with_personal, today):
    result = Result(records=len(records))
    held = set(layout.variables)
    if not with_personal:  # the records' personal answers stay as they are
        held = {name for name in held if name not in layout.personal_variables}
    stored = _stored(layout, definition, organisation, user, records)
    references = References(definition, {organisation.pk: organisation})
    windows = Windows()
    where = _elements(layout)
    to_store, matched = [], {}  # matched: {stored record's id: the reference that found it}
    for position, record in enumerate(records):
        records[position] = None  # released when done with: the file's records are not held to the end
        key = _key(definition, record.reference)
        found = stored.get(key)
        relinked = False
        if found is None and record.previous:
            found = stored.get(_key(definition, {**record.reference, layout.previous_reference.variable: record.previous}))
            relinked = found is not None
        if found is not None and found.pk in matched:  # a previous reference naming another record's
            result.problems.append(Problem(
                f"{definition.nouns[0].capitalize()} {record.reference_text} and {matched[found.pk]} are both "
                f"{definition.nouns[0]} {found.reference_text}: check the previous reference.", layout.main.title,
                record.reference_text, f"{layout.main.record}/{layout.previous_reference.name}",
                rule="xml_duplicate"))
            continue
        if found is not None:
            matched[found.pk] = record.reference_text
        incoming = {name: record.answers.get(name) for name in held}
        if found is None:
            found = Record(collection=definition.collection, record_type=definition.record_type,
                           version=definition.version, owning_organisation=organisation,
                           managing_organisation=organisation)
            incoming |= references.resolve({}, defaults={"owning_organisation": organisation,
                                                         "managing_organisation": organisation,
                                                         "assigned_to": user}).answers
        try:
            outcome = submit(found, incoming, SOURCE, user, validate_only=True, windows=windows, today=today)
        except WindowClosed as closed:
            result.problems.append(Problem(str(closed), layout.main.title, record.reference_text, rule="window_closed"))
            continue
        refused = set()  # a value refused is told once, why (a retired code: its replacements), not again as blank
        for error in outcome.errors:
            if error["field"] in outcome.rejected:
                if error["field"] in refused:
                    continue
                refused.add(error["field"])
            result.problems.append(_at(layout, definition, record, error, where))
        for note in outcome.warnings + outcome.notes:
            result.warnings.append(_at(layout, definition, record, note, where))
        result.relinked += relinked
        if outcome.created or outcome.changes:
            to_store.append(ToStore(outcome.record, outcome.changes, outcome.created))
        else:
            result.unchanged += 1
    if result.problems:
        result.unchanged = 0
        return result
    new = [change for change in to_store if change.created]
    try:
        with transaction.atomic():
            if new:
                create_many(new, SOURCE, user)
            for change in to_store:
                if not change.created:
                    commit(change, SOURCE, user)
    except StaleRecord:  # someone changed one of them since it was read: the whole import is undone
        result.problems.append(Problem(f"Someone changed one of these {definition.nouns[1]} while the files were "
                                       "being imported, so nothing was imported. Import the files again.",
                                       rule="changed_during_import"))
        result.unchanged = 0
        return result
    result.created = len(new)
    result.updated = len(to_store) - len(new)
    if to_store:  # a quarter's cases at once: its returns are judged in the background
        refresh_after_bulk_change(definition.collection, definition.record_type)
    return result


def _stored(layout, definition, organisation, user, records):
    """{reference key: Record}: the organisation's stored records the person may change
    that the file's records (or their previous references) name."""
    keys = {_key(definition, r.reference) for r in records}
    if layout.previous_reference is not None:
        variable = layout.previous_reference.variable
        keys |= {_key(definition, {**r.reference, variable: r.previous}) for r in records if r.previous}
    found = Record.objects.changeable_by(user).filter(
        collection=definition.collection, record_type=definition.record_type, version=definition.version,
        owning_organisation=organisation, provider_reference__in=keys - {""})
    return {record.provider_reference: record for record in found.select_related("owning_organisation",
                                                                                  "managing_organisation")}


def _key(definition, reference):
    return provider_reference(definition, reference)


def _organisation_problems(layout, organisation, xml_file, records):
    """Records that name another organisation than the one importing."""
    problems, named = [], {}
    for record in records:
        code = record.organisation
        if code not in named:
            named[code] = Organisation.objects.by_reference(code)
        if named[code] != organisation:
            problems.append(Problem(
                f"Record {record.reference_text}: <{layout.organisation}> is “{code}”, which is not {organisation.name}"
                f". Send only {organisation.name}’s records, or choose the organisation the file is for.",
                xml_file.title, record.reference_text, f"{xml_file.record}/{layout.organisation}",
                rule="xml_other_organisation"))
    return problems


def _elements(layout):
    """{variable: (file title, element path)}."""
    found = {}
    for part in layout.elements:
        for element in part.elements if isinstance(part, Repeat) else [part]:
            xml_file = layout.personal_file if element.personal else layout.main
            for n in part.indices if isinstance(part, Repeat) else [None]:
                at = f"{part.name}[@n='{n}']/" if n is not None else ""
                for variable in element.variables_at(n):
                    item = f"/{element.item}" if element.item else ""
                    found[variable] = (xml_file.title, f"{xml_file.record}/{at}{element.name}{item}")
    return found


def _at(layout, definition, record, issue, where):
    """A gateway error, warning or note of a record, at its element."""
    variable = issue.get("field") or ""
    title, element = where.get(variable, (layout.main.title, ""))
    question = definition.variables.get(variable)
    label = (question.label or question.text or question.id) if question is not None else ""
    return Problem(issue["message"], title, record.reference_text, element, variable, label, issue.get("rule", ""))
