"""The bulk-upload pages: choose a file, watch it being processed, see every error
in one place; and the pages where the person steers an upload: match its columns and
its values, correct failing cells, give one answer for every row to a question the
file has no column for, confirm warnings in bulk, and create the valid rows now (their
forms are in fixes.py). Each of those saves what the person chose and checks the file
again. Processing runs in a Celery worker (tasks.py)."""

import tempfile
from functools import wraps
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min, Q
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cldc.platform import registry
from cldc.platform.organisations import policy
from cldc.platform.forms.choices import changeable_year_choices, record_type_choices, year_label
from cldc.platform.records.models import may_create_records
from cldc.platform.uploads.annotated import XLSX, annotated_file
from cldc.platform.uploads.fixes import (ColumnsForm, EveryRowForm, RowForm, ValuesForm, cell_options, row_values,
                                        values_to_match)
from cldc.platform.uploads.importer import prepare, worded
from cldc.platform.uploads.member_parts import MAX_FILES, forget_files, keep_parts
from cldc.platform.uploads.mappings import (OPTION_RULES, column_plan, columns_not_read, not_read_in, read_headings,
                                            save_columns, save_every_row, save_values, saved_values)
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.progress import rows_done, set_progress
from cldc.platform.uploads.provider_rows import parse_target
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.report import question_label, summary
from cldc.platform.uploads.tasks import WAITING_FOR_QUEUE, send, send_if_waiting
from cldc.themes.forms import GDSFormMixin


def visible_uploads(user):
    """Uploads of the organisations the person acts for (support: all)."""
    uploads = Upload.objects.select_related("organisation", "user")
    if policy.is_support(user):
        return uploads
    return uploads.filter(Q(organisation__in=policy.organisations_acted_for(user)) | Q(user=user))


ON_ERRORS = [("wait", "Create no {nouns} until I have fixed them"),  # in the service's noun
             ("create_valid", "Create the {nouns} of the valid rows now, and fix the rest later"),
             ("check_only", "Only check the file: do not create or change any {nouns}")]


def several_files():
    """A file input that takes several files (`multiple`): still a ClearableFileInput,
    which the GOV.UK form layer styles as its file upload."""
    widget = forms.ClearableFileInput()
    widget.allow_multiple_selected, widget.attrs["multiple"] = True, True
    return widget


class FilesField(forms.FileField):
    """One file, or a main file and its members' files (member_parts.py): a list."""

    def __init__(self, **kwargs):
        super().__init__(widget=several_files(), **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if not files:
            return super().clean(None, initial)
        return [super(FilesField, self).clean(file, initial) for file in files]


class UploadForm(GDSFormMixin, forms.Form):
    submit_label = "Upload and check the file"

    record_type = forms.ChoiceField(widget=forms.RadioSelect)  # its label in the service's noun
    year = forms.TypedChoiceField(label="Which collection year are they for?", coerce=int, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the collection year"})
    organisation = forms.TypedChoiceField(label="Which organisation is uploading?", coerce=int,
                                          error_messages={"required": "Select the organisation"})
    file = FilesField(
        label="Upload a file",
        help_text="A CSV or Excel (XLSX) file: the official template, or your own columns with one row of headings. "
                  "Your system may export each record’s members (the people of a household, say) in sheets or files of their "
                  "own, each row with the record’s reference: upload the workbook, or select every CSV file at once",
        error_messages={"required": "Select a file", "empty": "The selected file is empty."})
    on_errors = forms.ChoiceField(
        label="If some rows have errors", widget=forms.RadioSelect, initial="wait",
        error_messages={"required": "Select what to do if some rows have errors"})

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices(service)
        if len(self.fields["record_type"].choices) == 1:  # one type of record: nothing to ask
            self.fields["record_type"].widget = forms.HiddenInput()
            self.fields["record_type"].initial = self.fields["record_type"].choices[0][0]
        self.fields["record_type"].label = f"What type of {service.nouns} are in the file?"
        self.fields["record_type"].error_messages["required"] = f"Select the type of {service.nouns}"
        self.fields["on_errors"].choices = [(value, label.format(nouns=service.nouns)) for value, label in ON_ERRORS]
        self.fields["year"].choices = changeable_year_choices(service)  # corrections after new logs close
        self.fields["organisation"].choices = [("", "Select an organisation")] + [
            (o.pk, o.name) for o in policy.organisations_acted_for(user)]

    def clean_file(self):
        files = self.cleaned_data["file"]
        return checked_files(files, lambda message: forms.ValidationError(message))


def checked_files(files, refusal):
    """The files of one upload, refused (`refusal(message)` raised) when there are too
    many or they are too large together: a main file and its members' files."""
    if len(files) > MAX_FILES:
        raise refusal(f"Select at most {MAX_FILES} files: a main file and the files of its members")
    most = settings.CLDC_UPLOAD_MAX_BYTES
    if sum(file.size for file in files) > most:
        together = " together" if len(files) > 1 else ""
        raise refusal(f"The selected file{'s' if len(files) > 1 else ''} must be smaller than "
                      f"{most // (1024 * 1024)} MB{together}")
    return files


def start(upload, schema_name):
    """Check (and import) the file in a Celery worker; the detail page shows progress."""
    upload.status, upload.processed_rows, upload.message = Upload.Status.RECEIVED, 0, ""
    upload.save(update_fields=["status", "processed_rows", "message"])
    set_progress(upload)
    send(schema_name, upload)


@login_required
def upload_list(request):
    uploads = visible_uploads(request.user).filter(collection__in=request.tenant.collections)[:50]
    downloads = [
        {"label": f"{rt.replace('_', ' ').capitalize()} {year_label(v)}", "collection": c, "record_type": rt, "version": v}
        for c in request.tenant.collections for rt in registry.get(c).record_types for v in registry.get(c).versions(rt)
    ]
    return render(request, "uploads/list.html", {"uploads": uploads, "downloads": downloads, "page_title": "Bulk uploads",
                                                 "can_upload": may_create_records(request.user)})


@login_required
def new_upload(request):
    if not may_create_records(request.user):  # as setting up a log: for the organisations one acts for
        raise PermissionDenied(f"You do not act for an organisation, so you cannot upload {request.tenant.nouns}")
    form = UploadForm(request.POST or None, request.FILES or None, service=request.tenant, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collection, record_type = data["record_type"].split(":")
        upload = Upload.objects.create(
            collection=collection, record_type=record_type, version=data["year"],
            organisation=policy.organisations_acted_for(request.user).get(pk=data["organisation"]),
            user=request.user, filename=Path(data["file"][0].name).name[:200], path="",
            dry_run=data["on_errors"] == "check_only", create_valid_now=data["on_errors"] == "create_valid",
        )
        try:
            keep_parts(upload, data["file"], request.tenant.schema_name, definition_of(upload))
            unsettled = prepare(upload)
        except UploadError as error:  # nothing kept: the person sees why on the form, in the pack's words
            forget_files(upload)
            upload.delete()
            form.add_error("file", str(worded(error, definition_of(upload))))
        else:
            if unsettled:
                return redirect("upload-columns", pk=upload.pk)
            start(upload, request.tenant.schema_name)
            return redirect("upload-detail", pk=upload.pk)
    return render(request, "pages/form.html", {"form": form, "page_title": f"Upload {request.tenant.nouns}",
                                               "multipart": True})


@login_required
def upload_detail(request, pk):
    upload = get_object_or_404(visible_uploads(request.user), pk=pk)
    if upload.status == Upload.Status.MAPPING:
        return redirect("upload-columns", pk=upload.pk)
    if upload.status == Upload.Status.VALUES:
        return redirect("upload-values", pk=upload.pk)
    send_if_waiting(request.tenant.schema_name, upload)
    report = summary(upload) if upload.status in Upload.FINISHED else None
    corrections = bool(report) and upload.issues.filter(rule__in=OPTION_RULES).exclude(value="").exists()
    every_row, not_read = [], []
    if report and upload.status != Upload.Status.FAILED:
        definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
        every_row = [{**q, "label": question_label(definition, q["field"])} for q in every_row_questions(upload, definition)]
        not_read = columns_not_read(upload)
    done = rows_done(upload)
    return render(request, "uploads/detail.html", {
        "upload": upload, "report": report, "page_title": upload.filename, "corrections": corrections,
        "every_row": every_row, "not_read": not_read, "workbook": Path(upload.filename).suffix.lower() == ".xlsx",
        "waiting": upload.message == WAITING_FOR_QUEUE,  # the task queue could not be reached: sent again later
        "valid_rows": upload.total_rows - upload.rejected, "done": done, "percent": percent(done, upload.total_rows),
    })


def every_row_questions(upload, definition):
    """[{field, rows, message}] of the questions that failed in rows of an upload whose
    file has no column for them (no issue of theirs has a cell): one answer can be
    given for every row (answer_every_row)."""
    found = (upload.issues.filter(severity="hard", sheet=upload.main_part).exclude(field="").values("field")
             .annotate(rows=Count("row", distinct=True), cells=Count("cell"), message=Min("message")).order_by("field"))
    answerable = {name for name, question in definition.variables.items()
                  if name == question.id and question.type not in ("checkbox", "derived")}
    return [{"field": f["field"], "rows": f["rows"], "message": f["message"]} for f in found
            if not f["cells"] and f["field"] in answerable]


@login_required
def annotated_download(request, pk):
    """The person's own file with a column for each failing question's message and the
    log id of each imported row, to fix it in their own system: a workbook for a
    workbook, and for a CSV on request (?format=xlsx)."""
    upload = get_object_or_404(visible_uploads(request.user), pk=pk, status__in=Upload.FINISHED[:2])
    definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
    labels = {}

    def labelled(issues):
        for row, cell, severity, column, field, message in issues:
            if not column and field:
                column = labels.setdefault(field, question_label(definition, field))
            yield row, cell, severity, column, message

    out = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)
    issues = (upload.issues.filter(sheet=upload.main_part)  # in parts: the main part's file, with its rows' issues
              .values_list("row", "cell", "severity", "column", "field", "message").iterator())
    log_ids = dict(upload.imported_rows.values_list("row", "record_id"))
    corrections = {int(row): {int(cell): value for cell, value in cells.items()} for row, cells in upload.cell_edits.items()}
    content_type, name = annotated_file(upload.path, upload.filename, labelled(issues), out, corrections=corrections,
                                        log_ids=log_ids, kind=XLSX if request.GET.get("format") == "xlsx" else None,
                                        sheet=upload.parts[0]["sheet"] if upload.parts else None)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=name, content_type=content_type)


@login_required
def upload_status(request, pk):
    upload = get_object_or_404(visible_uploads(request.user), pk=pk)
    send_if_waiting(request.tenant.schema_name, upload)
    done = rows_done(upload)
    return JsonResponse({"status": upload.status, "processed": done, "total": upload.total_rows,
                         "progress": percent(done, upload.total_rows)})


def percent(done, total):
    return int(100 * done / total) if total else 0


DOWNLOADS = {
    "template.csv": ("text/csv", "template_csv"),
    "template.xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "template_xlsx"),
    "specification.csv": ("text/csv", "specification_csv"),
}


def template_download(request, collection, record_type, version, name):
    """The bulk-upload template or specification of a version, made from its definition."""
    from django.http import Http404, HttpResponse

    from cldc.platform.uploads import template_files

    if collection not in request.tenant.collections or name not in DOWNLOADS:
        raise Http404("No such download")
    try:
        definition = registry.get(collection).definition(record_type, version)
    except LookupError:
        raise Http404("No such version") from None
    content_type, maker = DOWNLOADS[name]
    response = HttpResponse(getattr(template_files, maker)(definition), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{collection}_{record_type}_{version}_{name}"'
    return response


# --- Pages that steer an upload (their forms: fixes.py) ----------------------------------


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
    not_read = ", ".join(f"“{c.heading}”" + (f" of “{c.sheet}”" if c.sheet else "") for c in not_read_in(plan))
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Match your columns to the questions", "caption": upload.filename,
        "intro": f"We matched {settled} of {len(plan)} columns. Check the others: choose the question each one "
                 "answers, or say it is not needed. We will remember your choices for your next file."
                 + (f" Not matched to a question, so not read unless you choose one: {not_read}." if not_read else ""),
    })


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


@steers_an_upload
def edit_row(request, upload, row):
    """Correct the failing cells of one row in the browser."""
    issues = upload.issues.filter(row=row, cell__isnull=False, sheet=upload.main_part)  # a member's own row: not here
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
