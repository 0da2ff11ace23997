"""A CSV file of register entries (docs/registers.md): one row an entry, the register's
field ids as headings (and `owner`, `manager`, or for a child register its parent's
code). Every row is checked as the add page checks one; if any has a problem, nothing
is stored and every problem is listed by row and column (all or nothing, as ADR 0007
has bulk upload of records)."""

import csv
import io
from dataclasses import dataclass, field

from django.db import transaction

from cldc.platform.definitions.routing import route, unanswered
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.organisations.models import Organisation
from cldc.platform.registers.forms import blank_message
from cldc.platform.registers.store import save_entry
from cldc.platform.uploads.provider_rows import read_date

MAX_BYTES = 5 * 1024 * 1024


@dataclass
class Imported:
    created: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # {row, column, message}

    @property
    def ok(self):
        return not self.problems


def _rows(uploaded):
    data = uploaded.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError("The file must be smaller than 5MB")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError("The file must be a CSV file saved as UTF-8") from None
    return list(csv.DictReader(io.StringIO(text)))


def import_file(register, uploaded, acted_for, parents, user):
    """Check every row, then store them all (or none). `acted_for`: the organisations the
    uploader acts for (owners they may name); `parents`: the parent entries they may add
    to (a child register), else None."""
    result = Imported()
    try:
        rows = _rows(uploaded)
    except ValueError as error:
        result.problems.append({"row": "", "column": "", "message": str(error)})
        return result
    if not rows:
        result.problems.append({"row": "", "column": "", "message": "The file has no rows of entries below its headings"})
        return result
    expected = {q.id for q in register.questions} | ({register.parent.name} if register.parent else {"owner", "manager"})
    unknown = sorted(set(rows[0]) - expected)
    if unknown:
        result.problems.append({"row": 1, "column": ", ".join(unknown),
                                "message": f"These columns are not {register.noun} fields: {', '.join(unknown)}"})
        return result
    acted = {o.pk for o in acted_for}
    checked = []
    for number, row in enumerate(rows, start=2):  # row 1 is the headings
        problems = []
        parent = owner = manager = None
        if register.parent:
            code = (row.get(register.parent.name) or "").strip()
            entry_number = register.parent.number(code)
            parent = parents.filter(pk=entry_number).first() if entry_number else None
            if parent is None:  # another organisation's scheme, or none: one message, nothing told about which
                problems.append((register.parent.name, f"Enter the code of a {register.parent.noun} of your "
                                                       f"organisations, like {register.parent.code(12)}"))
        else:
            for column in ("owner", "manager"):
                reference = (row.get(column) or "").strip()
                if not reference:
                    if column == "owner":
                        problems.append((column, "Enter the owning organisation"))
                    continue
                found = Organisation.objects.by_reference(reference)
                if found is None or found.pk not in acted:
                    problems.append((column, "Enter an organisation you act for: its ONS code, regulator number or "
                                             "ORG and its number"))
                elif column == "owner":
                    owner = found
                else:
                    manager = found
        raw = {q.id: row.get(q.id) for q in register.questions}
        for question in register.questions:  # a date as files write it (day first, or YYYY-MM-DD), as bulk upload reads it
            if question.type == "date" and (raw[question.id] or "").strip():
                raw[question.id], problem = read_date(raw[question.id], question)
                if problem:
                    problems.append((question.id, problem))
        values, errors = normalise(register.fields, raw)
        problems += [(error.field, error.message) for error in errors]
        refused = {error.field for error in errors}
        kept, _, applicable = route(register.fields, {k: v for k, v in values.items() if v is not None})
        problems += [(q.id, blank_message(q)) for q in unanswered(applicable, kept) if q.id not in refused]
        result.problems += [{"row": number, "column": column, "message": message} for column, message in problems]
        checked.append((parent, owner, manager, kept))
    if result.problems:
        return result
    with transaction.atomic():
        for parent, owner, manager, kept in checked:
            result.created.append(save_entry(register, None, parent, owner, manager, to_json(kept), user))
    return result
