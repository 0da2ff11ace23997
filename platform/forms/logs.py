"""What the web form needs to know about a log: its definition and rule pack, its
answers as typed values, which questions apply, and the status of each task."""

import ast
import datetime as dt
from dataclasses import dataclass
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from cldc.platform import registry
from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.routing import is_answered, route, unanswered
from cldc.platform.definitions.values import from_json
from cldc.platform.records.gateway import context_for
from cldc.platform.records.models import Record
from cldc.platform.records.versions import later_versions
from cldc.platform.registers import choices as registers

CANNOT_START, NOT_STARTED, IN_PROGRESS, COMPLETED = "cannot_start", "not_started", "in_progress", "completed"
TASK_LABELS = {CANNOT_START: "Cannot start yet", NOT_STARTED: "Not yet started", IN_PROGRESS: "In progress",
               COMPLETED: "Completed"}


def visible_log(request, pk):
    """The log, if the person may see it; anyone else gets a 404."""
    return get_object_or_404(
        Record.objects.visible_to(request.user).select_related("owning_organisation", "managing_organisation", "assigned_to"),
        pk=pk,
    )


def changeable_log(request, pk):
    """The log, for a page that changes it. One the person may see but not change (an
    analyst's) is a 403; one they may not see, a 404 as everywhere."""
    record = visible_log(request, pk)
    if not may_change(request.user, record):
        raise PermissionDenied(f"You can see this {request.tenant.noun} but not change it")
    return record


def may_change(user, record):
    """Whether this person may change this log: pages show change links only then."""
    return Record.objects.changeable_by(user).filter(pk=record.pk).exists()


def reveals(page):
    """Follow-up questions that a radio on the same page reveals, as GOV.UK conditional
    reveals: {radio id: {code: [follow-ups]}}. A follow-up is one whose own condition
    is a single comparison with that radio (`repairs == 1`, `visitmode in (2, 3)`)."""
    radios = {q.id: q for q in page.questions if q.type == "radio"}
    found = {}
    for question in page.questions:
        condition = question.show_if
        if condition is None:
            continue
        tree = ast.parse(condition.source, mode="eval").body
        if not (isinstance(tree, ast.Compare) and len(tree.ops) == 1 and isinstance(tree.left, ast.Name)
                and tree.left.id in radios):
            continue
        right = tree.comparators[0]
        if isinstance(tree.ops[0], ast.Eq) and isinstance(right, ast.Constant):
            codes = [right.value]
        elif isinstance(tree.ops[0], ast.In) and isinstance(right, (ast.Tuple, ast.List, ast.Set)):
            codes = [e.value for e in right.elts if isinstance(e, ast.Constant)]
        else:
            continue
        for code in codes:
            found.setdefault(tree.left.id, {}).setdefault(code, []).append(question)
    return found


@dataclass
class Log:
    record: Record

    @cached_property
    def collection(self):
        return registry.get(self.record.collection)

    @cached_property
    def definition(self):
        return self.collection.definition(self.record.record_type, self.record.version)

    @cached_property
    def pack(self):
        return self.collection.rule_pack(self.record.record_type, self.record.version)

    @cached_property
    def context(self):
        return context_for(self.record, self.definition)

    @cached_property
    def answers(self):
        return from_json(self.definition, self.record.answers)

    @cached_property
    def next_version(self):
        """The collection year after the log's own, that it may move into (forms/moving.py), or None."""
        return next(iter(later_versions(self.record)), None)

    @cached_property
    def routed(self):
        kept, _, applicable = route(self.definition, self.answers, self.context)
        return kept, applicable

    @property
    def applicable(self):
        return self.routed[1]

    @cached_property
    def setup_questions(self):
        """Questions the set-up page asks (the log's own columns), not the page flow."""
        return set(self.definition.record_fields.values())

    def form_pages(self, subsection=None):
        """The pages that apply now, in order: the form's steps."""
        applicable = {q.id for q in self.applicable}
        return [
            page for page in self.definition.pages
            if (subsection is None or page.subsection.id == subsection.id)
            and any(q.id in applicable and q.id not in self.setup_questions for q in page.questions)
        ]

    def page(self, page_id):
        return next((p for p in self.definition.pages if p.id == page_id), None)

    def questions_on(self, page):
        """The questions a page asks now: those that apply, and the follow-ups a radio
        on the same page reveals (asked on the page, whatever was answered before)."""
        applicable = {q.id for q in self.applicable}
        revealed = {child.id for children in reveals(page).values() for kids in children.values() for child in kids}
        return [q for q in page.questions
                if (q.id in applicable or q.id in revealed) and q.id not in self.setup_questions]

    def asked_on(self, page):
        """The questions of a page that apply now: what its task needs and what check
        your answers lists (a follow-up the page shows under another answer does not)."""
        applicable = {q.id for q in self.applicable}
        return [q for q in page.questions if q.id in applicable and q.id not in self.setup_questions]

    def task_status(self, subsection):
        pages = self.form_pages(subsection)
        if not pages:
            return CANNOT_START
        questions = [q for page in pages for q in self.asked_on(page)]
        kept = self.routed[0]
        if not any(is_answered(q, kept) for q in questions):
            return NOT_STARTED
        missing = unanswered(questions, kept, self.context)
        return IN_PROGRESS if missing else COMPLETED

    def tasks(self):
        """Sections and their tasks (subsections), each with its status."""
        return [
            {"section": section, "tasks": [
                {"subsection": sub, "status": (status := self.task_status(sub)), "label": TASK_LABELS[status],
                 "first_page": (self.form_pages(sub) or [None])[0]}
                for sub in section.subsections
            ]}
            for section in self.definition.sections
        ]

    def offered(self, question):
        """The options the form offers now (Question.offered, which the gateway holds every
        channel to). An answer already given stays offered, so that the page shows it,
        a retired one too (the record keeps it); sent again, the gateway says on it what
        to choose instead, or keeps the retired code."""
        given = self.answers.get(question.id)
        entries = registers.offered(self.record, self.definition, question, self.answers)
        if entries is not None:  # a register's entries (docs/registers.md), the one given kept
            shown = [code for code, _ in entries]
            return entries + ([(given, registers.display(self.definition, question, given))]
                              if given is not None and given not in shown else [])
        offered = set(question.offered(scope(self.answers, self.context))) & set(self.listed(question))
        return [(code, label) for code, label in question.options + question.retired_options
                if (code, label) in offered or code == given]

    def listed(self, question):
        """The options of a dated reference list that exist on the log's date (the answer
        `listed_on` names), or, before it is answered, on any day of the version. The
        gateway does not hold other channels to this: the collection's own rule refuses an
        entry that did not exist then, in its words (docs/places.md)."""
        day = self.answers.get(question.extra.get("listed_on"))
        if isinstance(day, dt.date):
            return question.listed_on(day)
        return question.listed_on(self.definition.valid_from, self.definition.valid_to)

    def sole_choices(self):
        """{question: code} of the register questions that apply, unanswered, whose one
        entry the form chooses for the person (CORE: a scheme's only location)."""
        found = {}
        for question in self.applicable:
            code = None if self.answers.get(question.id) is not None else \
                registers.sole_entry(self.record, self.definition, question, self.answers)
            if code is not None:
                found[question.id] = code
        return found

    def chosen_for_them(self, page):
        """Whether every question a page asks holds the one entry it could: the page is
        skipped, and check your answers shows the answer without a change link."""
        asked = self.asked_on(page)
        return bool(asked) and all(
            self.answers.get(q.id) is not None
            and self.answers.get(q.id) == registers.sole_entry(self.record, self.definition, q, self.answers)
            for q in asked)

    def calculated(self, question):
        """A value the service calculates (a `derived` question, such as a total charge),
        as people read it."""
        value = self.record.derived.get(question.id)
        if value is not None and question.prefix == "£":
            return f"£{value:,.2f}"
        return self.definition.display(question.id, value)

    def display(self, question):
        """An answer as people read it."""
        if question.type == "checkbox":
            ticked = [text for var, text in question.options + question.retired_options if self.answers.get(var) == 1]
            return ", ".join(ticked)
        value = self.answers.get(question.id)
        entry = registers.display(self.definition, question, value)
        if entry is not None:  # a register entry the log chooses: by its name
            return entry
        if question.is_coded and value is not None:
            return question.reads(value) or str(value)
        return self.definition.display(question.id, value)
