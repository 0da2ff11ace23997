"""Pages where the person steers an upload: match its columns, match its values,
correct failing cells, give one answer for every row to a question the file has no
column for, confirm warnings in bulk, and create the valid rows now. Each saves what
the person chose and checks the file again in the worker."""

import datetime as dt
from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.uploads import automap
from cldc.platform.uploads.files import column_letter, open_upload
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.pipeline import (OPTION_RULES, column_plan, read_headings, save_columns, save_every_row,
                                            save_values, saved_values)
from cldc.platform.uploads.provider_rows import (CONFIDENT, WRITE_DATES, parse_target, read_date, target_key, value_guess,
                                                 value_key)
from cldc.platform.uploads.views import every_row_questions, start, visible_uploads
from cldc.themes.forms import GDSFormMixin

NOT_NEEDED = ("", "This column is not needed")
LEAVE_AS_IT_IS = ("", "Leave it: report it as an error")
MAX_RADIOS = 12  # more options than this are a select


def steers_an_upload(view):
    """Views that change what an upload does: the person must be able to see it
    (others get 404), and while it is being processed they go back to its progress."""

    @login_required
    @wraps(view)
    def wrapped(request, pk, **kwargs):
        upload = get_object_or_404(visible_uploads(request.user), pk=pk)
        if upload.status in (Upload.Status.RECEIVED, Upload.Status.PROCESSING):
            return redirect("upload-detail", pk=upload.pk)
        return view(request, upload, **kwargs)

    return wrapped


def definition_of(upload):
    return registry.get(upload.collection).definition(upload.record_type, upload.version)


# --- Columns ---------------------------------------------------------------------------


class ColumnsForm(GDSFormMixin, forms.Form):
    submit_label = "Save these matches and check the file"

    def __init__(self, *args, plan, definition, **kwargs):
        super().__init__(*args, **kwargs)
        everything = target_choices(definition)
        labels = dict(choice for _, group in everything for choice in group)
        self.plan = {f"column_{c.index}": c for c in plan}
        for name, choice in self.plan.items():
            suggested = [(key, f"{labels.get(key) or automap.describe(definition, s.target)} ({s.score}% match)")
                         for s, key in ((s, target_key(s.target)) for s in choice.suggestions)]
            self.fields[name] = forms.ChoiceField(
                label=f"Column {column_letter(choice.index)}: “{choice.header}”",
                help_text=HINTS[choice.band], required=False,
                choices=[NOT_NEEDED, ("Suggested", suggested), *everything],
                initial=target_key(choice.target) if choice.target else "",
            )
        self.lay_out()

    def clean(self):
        taken = {}
        for name, key in list(self.cleaned_data.items()):  # add_error drops the field from cleaned_data
            target = parse_target(key)
            if target is None:
                continue
            for other_name, other in taken.items():
                if other.fills_the_same(target):
                    self.add_error(name, f"“{self.plan[name].header}” and “{self.plan[other_name].header}” "
                                         "fill the same answer: choose a different one for one of them, "
                                         "or say one is not needed")
            taken[name] = target
        return self.cleaned_data

    def choices(self):
        for name, choice in self.plan.items():
            choice.target = parse_target(self.cleaned_data.get(name) or "")
        return list(self.plan.values())


def target_choices(definition):
    """Every question and part a column can answer, grouped by the form's sections with
    person numbers, for a select: [(group, [(target key, label)])]."""
    return [(group, [(target_key(target), label) for target, label in targets])
            for group, targets in automap.grouped_targets(definition)]


HINTS = {
    "saved": "Matched as your organisation chose last time",
    "confident": "Matched automatically",
    "doubtful": "Check this match: we are not sure of it",
    "clash": "Another column fills the same answer: choose the question each one answers, or say one is not needed",
    "unmapped": "We could not match this column: choose a question, or leave it as not needed",
}


@steers_an_upload
def match_columns(request, upload):
    _, columns = read_headings(upload)
    definition = definition_of(upload)
    plan = column_plan(upload, columns)
    if upload.columns:  # changing a confirmed mapping: start from it
        for choice in plan:
            choice.target = parse_target(upload.columns.get(str(choice.index), ""))
    form = ColumnsForm(request.POST or None, plan=plan, definition=definition)
    if request.method == "POST" and form.is_valid():
        save_columns(upload, form.choices(), request.user)
        upload.values_confirmed = False
        upload.save(update_fields=["values_confirmed"])
        start(upload, request.tenant.schema_name)
        return redirect("upload-detail", pk=upload.pk)
    settled = sum(1 for c in plan if c.band in ("saved", "confident"))
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Match your columns to the questions", "caption": upload.filename,
        "intro": f"We matched {settled} of {len(plan)} columns. Check the others: choose the question each one "
                 "answers, or say it is not needed. We will remember your choices for your next file.",
    })


# --- Values ----------------------------------------------------------------------------


def values_to_match(upload, definition):
    """[(variable, value key, value as written, rows)]: before a check, the values no
    option matched; after one, the values the rules refused as not an option."""
    if upload.status == Upload.Status.VALUES:
        columns = {int(i): parse_target(key) for i, key in upload.columns.items()}
        return [(columns[int(c)].variable, key, example, count)
                for c, values in upload.unmatched.items() for key, (example, count) in values.items()
                if columns.get(int(c)) is not None]
    found = (upload.issues.filter(rule__in=OPTION_RULES).exclude(value="")
             .values("field", "value").annotate(rows=Count("id")).order_by("field", "-rows"))
    return [(f["field"], value_key(f["value"]), f["value"], f["rows"]) for f in found
            if f["field"] in definition.variables]


class ValuesForm(GDSFormMixin, forms.Form):
    """One select a value: "Leave it" or an answer. Only a confident guess is chosen for
    the person (provider_rows.value_guess); what they chose before comes first. Every
    choice is kept for the organisation, "Leave it" too (it is not asked again)."""

    submit_label = "Save these answers and check the file"

    def __init__(self, *args, wanted, definition, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = {}
        for n, (variable, key, example, rows) in enumerate(wanted):
            question = definition.variables[variable]
            options = [(str(code), label) for code, label in question.options]
            guess = value_guess(question, example)
            suggested = [(code, f"{label} ({score}% match)") for code, label, score in guess.suggestions]
            before = (saved or {}).get(variable, {})
            initial = before[key] if key in before else guess.code if guess.band == CONFIDENT else ""
            name = f"value_{n}"
            self.wanted[name] = (variable, key, example)
            self.fields[name] = forms.ChoiceField(
                label=f"“{example}” as an answer to “{question.label or question.text}”",
                help_text=f"In {rows} row{'s' if rows != 1 else ''}. " + (
                    "We think it means the answer chosen: check it." if guess.band == CONFIDENT and initial else
                    "Choose the answer it means, or leave it."),
                required=False, choices=[LEAVE_AS_IT_IS, ("Suggested", suggested), ("Every answer", options)],
                initial=initial,
            )
        self.lay_out()

    def corrections(self):
        """{variable: {value key: code, or '' for left as it is}}."""
        chosen = {}
        for name, (variable, key, _) in self.wanted.items():
            chosen.setdefault(variable, {})[key] = self.cleaned_data.get(name) or ""
        return chosen

    def written(self):
        return {(variable, key): example for variable, key, example in self.wanted.values()}


@steers_an_upload
def match_values(request, upload):
    definition = definition_of(upload)
    wanted = values_to_match(upload, definition)
    if not wanted:
        return redirect("upload-detail", pk=upload.pk)
    form = ValuesForm(request.POST or None, wanted=wanted, definition=definition, saved=saved_values(upload))
    if request.method == "POST" and form.is_valid():
        save_values(upload, form.corrections(), request.user, written=form.written())
        upload.values_confirmed = True
        upload.save(update_fields=["values_confirmed"])
        start(upload, request.tenant.schema_name)
        return redirect("upload-detail", pk=upload.pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Match your answers to ours", "caption": upload.filename,
        "intro": "Some answers in your file are not worded as ours. Choose what each one means: it is changed in "
                 "every row that has it, and we will remember it for your next file. An answer you leave is reported "
                 "as an error, and not asked about again: you can change any of these later, on your organisation’s "
                 "saved matches.",
    })


# --- Cells -----------------------------------------------------------------------------


class RowForm(GDSFormMixin, forms.Form):
    """The failing cells of a row: a select of the answers for a cell that holds an
    option question's answer (`options`: [(cell text, label)]), else a text input."""

    submit_label = "Save these corrections"

    def __init__(self, *args, cells, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        for cell, (column, value, messages) in cells.items():
            label, hint = f"Column {column_letter(cell)}: {column}", " ".join(messages)
            answers = (options or {}).get(cell)
            if answers:
                held = next((text for text, _ in answers if value_key(text) == value_key(value)), None)
                keep = [] if held is not None else [(value, f"“{value}”, as in your file") if value else ("", "No answer")]
                self.fields[f"cell_{cell}"] = forms.ChoiceField(
                    label=label, help_text=hint, required=False, choices=[*keep, *answers],
                    initial=held if held is not None else value)
            else:
                self.fields[f"cell_{cell}"] = forms.CharField(
                    label=label, help_text=hint, required=False, initial=value, max_length=1000)
        self.lay_out()


def cell_options(upload, definition, cell, variable):
    """[(cell text, label)] of the answers a cell may hold, when it holds the code of an
    option question (as the official template writes it, or the provider's column
    matched to the whole question); else None, and the cell is corrected as text."""
    question = definition.variables.get(variable)
    if question is None or not question.is_coded or question.id != variable:
        return None
    if upload.layout == "template":
        declared = question.bulk_upload or {}
        if declared.get("kind") not in (None, "one_of"):
            return None  # flags, lookups and counts: the cell is not the answer itself
        in_file = {}
        for text, code in declared.get("codes") or []:
            in_file.setdefault(str(code), str(text))
        return [(in_file.get(str(code), str(code)), label) for code, label in question.options]
    target = parse_target(upload.columns.get(str(cell), ""))
    if target is None or target.variable != variable or target.part is not None:
        return None
    return [(str(code), label) for code, label in question.options]


def row_values(upload, number):
    """A row of the kept file, with the corrections already made to it."""
    with open_upload(upload.path, upload.filename) as file:
        values = next((values for n, values in file.rows() if n == number), None)
    if values is None:
        raise Http404("No such row")
    edits = upload.cell_edits.get(str(number), {})
    return {**values, **{int(c): v for c, v in edits.items()}}


@steers_an_upload
def edit_row(request, upload, row):
    """Correct the failing cells of one row in the browser."""
    issues = upload.issues.filter(row=row, cell__isnull=False)
    if not issues.exists():
        raise Http404("This row has no cells to correct")
    values = row_values(upload, row)
    definition = definition_of(upload)
    cells, options = {}, {}
    for issue in issues:
        cells.setdefault(issue.cell, (issue.column, values.get(issue.cell, ""), []))[2].append(issue.message)
        if issue.cell not in options:
            options[issue.cell] = cell_options(upload, definition, issue.cell, issue.field)
    form = RowForm(request.POST or None, cells=cells, options=options)
    if request.method == "POST" and form.is_valid():
        upload.cell_edits[str(row)] = {  # the cells sent: a cell left out of the form is not blanked
            **upload.cell_edits.get(str(row), {}),
            **{str(cell): form.cleaned_data[f"cell_{cell}"].strip() for cell in cells if f"cell_{cell}" in form.data},
        }
        upload.save(update_fields=["cell_edits"])
        return redirect("upload-detail", pk=upload.pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Correct row {row}", "caption": upload.filename,
        "intro": "Your corrections are kept with this upload. When you have made them all, check the file again.",
    })


# --- One answer for every row -----------------------------------------------------------------


def answer_field(question):
    """A form field for one answer to a question: its options (radios, or a select when
    there are many), else text, with an error message that names the question."""
    label = question.label or question.text or question.id
    named = label[0].lower() + label[1:] if label[1:2].islower() else label
    if question.is_coded:
        options = [(str(code), text) for code, text in question.options]
        many = len(options) > MAX_RADIOS
        return forms.ChoiceField(label=label, choices=[("", "Select an answer"), *options] if many else options,
                                 widget=forms.Select if many else forms.RadioSelect,
                                 error_messages={"required": f"Select the {named}", "invalid_choice": f"Select the {named}"})
    if question.type == "date":
        return WrittenDate(label=label, max_length=200, help_text=f"Write it as {WRITE_DATES}",
                           error_messages={"required": f"Enter the {named}"})
    return forms.CharField(label=label, max_length=200, error_messages={"required": f"Enter the {named}"})


def day_first(value):
    """A stored date (YYYY-MM-DD) as people and their files write it; anything else as it is."""
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


class WrittenDate(forms.CharField):
    """A date written as in a file's cells (checked_answer reads it); a saved one shown so."""

    def prepare_value(self, value):
        return day_first(value)


def checked_answer(definition, question, answer):
    """The answer, stripped (a date as YYYY-MM-DD), or ValidationError with the message
    the upload gives for such a cell, else the one every channel gives."""
    answer = answer.strip()
    if question.type == "date":
        answer, wrong = read_date(answer, question)
        if wrong:
            raise forms.ValidationError(wrong)
    _, errors = normalise(definition, {question.id: answer})
    if errors:
        raise forms.ValidationError(errors[0].message)
    return answer


class EveryRowForm(GDSFormMixin, forms.Form):
    submit_label = "Use this answer and check the file"

    def __init__(self, *args, question, definition, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.question, self.definition = question, definition
        self.fields["answer"] = answer_field(question)
        self.fields["remember"] = forms.BooleanField(
            label=f"Use this answer for {organisation}’s next files that have no column for it", required=False,
            help_text="You can change or remove it later, on your organisation’s saved matches.")
        self.lay_out()

    def clean_answer(self):
        return checked_answer(self.definition, self.question, self.cleaned_data["answer"])


@steers_an_upload
def answer_every_row(request, upload, variable):
    """Give one answer to a question the file has no column for, in every row."""
    definition = definition_of(upload)
    found = {q["field"]: q for q in every_row_questions(upload, definition)}
    if variable not in found:
        raise Http404("The file has a column for this question, or no row needs it")
    question = definition.variables[variable]
    form = EveryRowForm(request.POST or None, question=question, definition=definition,
                        organisation=upload.organisation.name)
    if request.method == "POST" and form.is_valid():
        save_every_row(upload, variable, form.cleaned_data["answer"], request.user, form.cleaned_data["remember"])
        start(upload, request.tenant.schema_name)
        return redirect("upload-detail", pk=upload.pk)
    rows = found[variable]["rows"]
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Give one answer for every row", "caption": upload.filename,
        "intro": f"Your file has no column for “{question.label or question.text}”, so {rows} "
                 f"row{'s' if rows != 1 else ''} failed: “{found[variable]['message']}” Choose the answer that is "
                 "right for every row of this file. Rows that answer it some other way keep their answer.",
    })


# --- Choices on the results page ----------------------------------------------------------


@require_POST
@steers_an_upload
def check_again(request, upload):
    start(upload, request.tenant.schema_name)
    return redirect("upload-detail", pk=upload.pk)


@require_POST
@steers_an_upload
def create_valid_now(request, upload):
    """Create the logs of the valid rows now; the rest wait for corrections."""
    upload.create_valid_now, upload.dry_run = True, False
    upload.save(update_fields=["create_valid_now", "dry_run"])
    start(upload, request.tenant.schema_name)
    return redirect("upload-detail", pk=upload.pk)


@require_POST
@steers_an_upload
def confirm_warnings(request, upload):
    """Confirm every warning of one soft check at once (the values each row gives)."""
    rule = request.POST.get("rule", "")
    if not upload.issues.filter(rule=rule, severity="soft").exists():
        raise Http404("No such warning")
    upload.confirmed_rules = sorted({*upload.confirmed_rules, rule})
    upload.save(update_fields=["confirmed_rules"])
    start(upload, request.tenant.schema_name)
    return redirect("upload-detail", pk=upload.pk)

