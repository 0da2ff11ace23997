"""Pages where the person steers an upload: match its columns, match its values,
correct failing cells, confirm warnings in bulk, and create the valid rows now.
Each saves what the person chose and checks the file again in the worker."""

from functools import wraps

from django import forms
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cldc.platform import registry
from cldc.platform.uploads import automap
from cldc.platform.uploads.files import column_letter, open_upload
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.pipeline import OPTION_RULES, column_plan, read_headings, save_columns, save_values
from cldc.platform.uploads.provider_rows import parse_target, target_key, value_key, value_suggestions
from cldc.platform.uploads.views import start, visible_uploads
from cldc.themes.forms import GDSFormMixin

NOT_NEEDED = ("", "This column is not needed")
LEAVE_AS_IT_IS = ("", "Leave it: report it as an error")


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
        everything = [(target_key(t), automap.describe(definition, t)) for t in automap.targets(definition)]
        self.plan = {f"column_{c.index}": c for c in plan}
        for name, choice in self.plan.items():
            suggested = [(target_key(s.target), f"{automap.describe(definition, s.target)} ({s.score}% match)")
                         for s in choice.suggestions]
            self.fields[name] = forms.ChoiceField(
                label=f"Column {column_letter(choice.index)}: “{choice.header}”",
                help_text=HINTS[choice.band], required=False,
                choices=[NOT_NEEDED, ("Suggested", suggested), ("Every question", everything)],
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
                if other.variable == target.variable and (other.part is None or target.part is None or other.part == target.part):
                    self.add_error(name, f"“{self.plan[name].header}” and “{self.plan[other_name].header}” "
                                         "fill the same answer: choose a different one for one of them, "
                                         "or say one is not needed")
            taken[name] = target
        return self.cleaned_data

    def choices(self):
        for name, choice in self.plan.items():
            choice.target = parse_target(self.cleaned_data.get(name) or "")
        return list(self.plan.values())


HINTS = {
    "saved": "Matched as your organisation chose last time",
    "confident": "Matched automatically",
    "doubtful": "Check this match: we are not sure of it",
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
    submit_label = "Save these answers and check the file"

    def __init__(self, *args, wanted, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = {}
        for n, (variable, key, example, rows) in enumerate(wanted):
            question = definition.variables[variable]
            options = [(str(code), label) for code, label in question.options]
            suggested = [(str(code), f"{label} ({score}% match)") for code, label, score in value_suggestions(question, example)]
            name = f"value_{n}"
            self.wanted[name] = (variable, key)
            self.fields[name] = forms.ChoiceField(
                label=f"“{example}” as an answer to “{question.label or question.text}”",
                help_text=f"In {rows} row{'s' if rows != 1 else ''}. Choose the answer it means.",
                required=False, choices=[LEAVE_AS_IT_IS, ("Suggested", suggested), ("Every answer", options)],
                initial=suggested[0][0] if suggested else "",
            )
        self.lay_out()

    def corrections(self):
        chosen = {}
        for name, (variable, key) in self.wanted.items():
            if self.cleaned_data.get(name):
                chosen.setdefault(variable, {})[key] = self.cleaned_data[name]
        return chosen


@steers_an_upload
def match_values(request, upload):
    definition = definition_of(upload)
    wanted = values_to_match(upload, definition)
    if not wanted:
        return redirect("upload-detail", pk=upload.pk)
    form = ValuesForm(request.POST or None, wanted=wanted, definition=definition)
    if request.method == "POST" and form.is_valid():
        save_values(upload, form.corrections(), request.user)
        upload.values_confirmed = True
        upload.save(update_fields=["values_confirmed"])
        start(upload, request.tenant.schema_name)
        return redirect("upload-detail", pk=upload.pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Match your answers to ours", "caption": upload.filename,
        "intro": "Some answers in your file are not worded as ours. Choose what each one means: it is changed in "
                 "every row that has it, and we will remember it for your next file.",
    })


# --- Cells -----------------------------------------------------------------------------


class RowForm(GDSFormMixin, forms.Form):
    submit_label = "Save these corrections"

    def __init__(self, *args, cells, **kwargs):
        super().__init__(*args, **kwargs)
        for cell, (column, value, messages) in cells.items():
            self.fields[f"cell_{cell}"] = forms.CharField(
                label=f"Column {column_letter(cell)}: {column}", help_text=" ".join(messages), required=False,
                initial=value, max_length=1000)
        self.lay_out()


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
    cells = {}
    for issue in issues:
        cells.setdefault(issue.cell, (issue.column, values.get(issue.cell, ""), []))[2].append(issue.message)
    form = RowForm(request.POST or None, cells=cells)
    if request.method == "POST" and form.is_valid():
        upload.cell_edits[str(row)] = {
            **upload.cell_edits.get(str(row), {}),
            **{str(cell): form.cleaned_data[f"cell_{cell}"].strip() for cell in cells},
        }
        upload.save(update_fields=["cell_edits"])
        return redirect("upload-detail", pk=upload.pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Correct row {row}", "caption": upload.filename,
        "intro": "Your corrections are kept with this upload. When you have made them all, check the file again.",
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

