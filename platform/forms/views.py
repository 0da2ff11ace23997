"""The web form's pages other than the question pages (see wizard.py): the list of
logs, setting up a new log, the task list, check your answers and soft checks."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from cldc.platform import registry
from cldc.platform.forms.choices import open_year_choices, record_type_choices, year_label
from cldc.platform.forms.logs import Log, changeable_log, may_change, visible_log
from cldc.platform.organisations import policy
from cldc.platform.people.models import User
from cldc.platform.records.gateway import StaleRecord, submit
from cldc.platform.records.models import Record, Status, may_create_records
from cldc.platform.windows.service import WindowClosed, open_for_new_logs
from cldc.themes.forms import GDSFormMixin

PER_PAGE = 20


# --- The list of logs ------------------------------------------------------------------


class LogFilters(forms.Form):
    search = forms.CharField(required=False, label="Search by log ID, tenant code, property reference or postcode")
    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Collection year")
    status = forms.ChoiceField(required=False, choices=[("", "Any status")] + list(Status.choices))
    record_type = forms.ChoiceField(required=False, label="Type of log")
    assigned = forms.ChoiceField(required=False, choices=[("", "Anyone"), ("me", "Me")], label="Assigned to")
    owning_organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    managing_organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = [("", "Any type")] + record_type_choices(service)
        years = sorted({v for name in service.collections for rt in registry.get(name).record_types
                        for v in registry.get(name).versions(rt)}, reverse=True)
        self.fields["year"].choices = [("", "Any year")] + [(y, year_label(y)) for y in years]
        organisations = [("", "Any organisation")] + [(o.pk, o.name) for o in policy.organisations_visible_to(user)]
        self.fields["owning_organisation"].choices = organisations
        self.fields["managing_organisation"].choices = organisations


def searched_answers(service):
    """The answers people search logs by: each definition's `search_fields`."""
    return sorted({
        name for collection in service.collections for record_type in registry.get(collection).record_types
        for version in registry.get(collection).versions(record_type)
        for name in registry.get(collection).definition(record_type, version).search_fields
    })


@login_required
def log_list(request):
    filters = LogFilters(request.GET or None, service=request.tenant, user=request.user)
    logs = Record.objects.visible_to(request.user).filter(collection__in=request.tenant.collections)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["search"]:
            term = data["search"].strip()
            query = Q()
            for name in searched_answers(request.tenant):
                query |= Q(**{f"answers__{name}__icontains": term})
            if term.isdigit():
                query |= Q(pk=int(term))
            logs = logs.filter(query)
        if data["year"]:
            logs = logs.filter(version=data["year"])
        if data["status"]:
            logs = logs.filter(status=data["status"])
        if data["record_type"]:
            collection, record_type = data["record_type"].split(":")
            logs = logs.filter(collection=collection, record_type=record_type)
        if data["assigned"] == "me":
            logs = logs.filter(assigned_to=request.user)
        if data["owning_organisation"]:
            logs = logs.filter(owning_organisation_id=data["owning_organisation"])
        if data["managing_organisation"]:
            logs = logs.filter(managing_organisation_id=data["managing_organisation"])
    logs = logs.select_related("owning_organisation", "managing_organisation", "assigned_to").order_by("-updated_at")
    page = Paginator(logs, PER_PAGE).get_page(request.GET.get("page"))
    keys = {r.duplicate_key for r in page.object_list if r.duplicate_key}
    clashing = (
        Record.objects.filter(duplicate_key__in=keys).values("duplicate_key", "owning_organisation", "record_type")
        .annotate(count=Count("pk")).filter(count__gt=1)
    )
    clashes = {(c["duplicate_key"], c["owning_organisation"], c["record_type"]) for c in clashing}
    duplicate_ids = {r.pk for r in page.object_list if (r.duplicate_key, r.owning_organisation_id, r.record_type) in clashes}
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "forms/log_list.html", {
        "filters": filters, "page": page, "total": page.paginator.count, "query": query.urlencode(),
        "duplicate_ids": duplicate_ids, "can_create": may_create_records(request.user),
        "page_title": "Logs",
    })


# --- Setting up a log --------------------------------------------------------------------


class SetUpForm(GDSFormMixin, forms.Form):
    submit_label = "Save and continue"

    record_type = forms.ChoiceField(label="What type of log is this?", widget=forms.RadioSelect,
                                    error_messages={"required": "Select the type of log"})
    year = forms.TypedChoiceField(label="Which collection year is it for?", coerce=int, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the collection year"})
    owning_organisation = forms.TypedChoiceField(label="Which organisation owns this property?", coerce=int,
                                                 error_messages={"required": "Select the owning organisation"})
    managing_organisation = forms.TypedChoiceField(label="Which organisation manages this letting or sale?", coerce=int,
                                                   error_messages={"required": "Select the managing organisation"})
    assigned_to = forms.TypedChoiceField(label="Who is this log assigned to?", coerce=int, required=False,
                                         empty_value=None)

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices(service)
        self.fields["year"].choices = open_year_choices(service)
        organisations = [("", "Select an organisation")] + [(o.pk, o.name) for o in policy.organisations_acted_for(user)]
        self.fields["owning_organisation"].choices = organisations
        self.fields["managing_organisation"].choices = organisations
        people = User.objects.filter(is_active=True, memberships__organisation__in=policy.organisations_acted_for(user)).distinct()
        self.fields["assigned_to"].choices = [("", "Nobody yet")] + [(p.pk, p.name or p.email) for p in people]
        self.fields["assigned_to"].initial = user.pk

    def clean(self):
        data = super().clean()
        if data.get("record_type") and data.get("year"):
            collection, record_type = data["record_type"].split(":")
            if data["year"] not in open_for_new_logs(collection, record_type, dt.date.today()):
                self.add_error("year", f"You cannot create a new log for the {year_label(data['year'])} collection year now")
        return data


@login_required
def create_log(request):
    if not request.tenant.collections:
        raise Http404("This service collects nothing")
    if not may_create_records(request.user):
        raise PermissionDenied("You do not act for an organisation, so you cannot set up logs")
    form = SetUpForm(request.POST or None, service=request.tenant, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collection, record_type = data["record_type"].split(":")
        acted_for = {o.pk: o for o in policy.organisations_acted_for(request.user)}
        record = Record(
            collection=collection, record_type=record_type, version=data["year"],
            owning_organisation=acted_for[data["owning_organisation"]],
            managing_organisation=acted_for[data["managing_organisation"]],
            assigned_to_id=data["assigned_to"], created_by=request.user,
        )
        fields = registry.get(collection).definition(record_type, data["year"]).record_fields
        setup = {"owning_organisation": record.owning_organisation_id, "managing_organisation": record.managing_organisation_id,
                 "assigned_to": record.assigned_to_id}
        answers = {variable: str(setup[column]) for column, variable in fields.items() if setup.get(column)}
        try:
            submit(record, answers, source="form", user=request.user)
        except WindowClosed as closed:
            form.add_error("year", str(closed))
        else:
            return redirect("log-tasks", pk=record.pk)
    return render(request, "pages/form.html", {"form": form, "page_title": "Set up a new log"})


# --- The task list, check your answers, soft checks -----------------------------------------


@login_required
def task_list(request, pk):
    log = Log(visible_log(request, pk))
    duplicates = Record.objects.visible_to(request.user).duplicates_of(log.record)
    fields = [log.definition.variables[v].label.lower() for v in log.definition.duplicate_check_variables]
    return render(request, "forms/tasks.html", {
        "log": log, "page_title": f"Log {log.record.pk}", "duplicates": duplicates,
        "duplicate_fields": ", ".join(dict.fromkeys(fields)), "can_change": may_change(request.user, log.record),
    })


def provenance(record):
    """For each variable, the revision that last set it: who, when, which channel."""
    latest = {}
    for revision in record.revisions.select_related("user").order_by("number"):
        for name in revision.changes:
            latest[name] = revision
    return latest


@login_required
def check_answers(request, pk, subsection):
    log = Log(visible_log(request, pk))
    sub = next((s for section in log.definition.sections for s in section.subsections if s.id == subsection), None)
    if sub is None:
        raise Http404("No such task")
    can_change = may_change(request.user, log.record)  # else the answers to read, without Change links
    return render(request, "forms/check_answers.html", {
        "log": log, "subsection": sub, "rows": answer_rows(log, sub, request.get_full_path()),
        "derived": derived_rows(log), "can_change": can_change,
        "page_title": f"Check your answers: {sub.label}" if can_change else f"{sub.label}: answers",
    })


@login_required
def review(request, pk):
    """The whole log on one page, task by task, each answer with its Change link (for
    those who may change it: an analyst reviews the log read-only)."""
    log = Log(visible_log(request, pk))
    here = request.get_full_path()
    tasks = [
        {"subsection": sub, "rows": rows}
        for section in log.definition.sections for sub in section.subsections
        if (rows := answer_rows(log, sub, here))
    ]
    return render(request, "forms/review.html", {
        "log": log, "tasks": tasks, "derived": derived_rows(log), "page_title": f"Review log {log.record.pk}",
        "can_change": may_change(request.user, log.record),
    })


def answer_rows(log, subsection, here):
    """The questions asked in a task, with their answers, who gave them and a Change
    link that comes back to `here`."""
    sources = provenance(log.record)
    rows = []
    for page in log.form_pages(subsection):
        for question in log.asked_on(page):
            revision = next((sources[v] for v in question.variables if v in sources), None)
            rows.append({
                "question": question, "value": log.display(question),
                "change_url": f"{reverse('log-page', kwargs={'pk': log.record.pk, 'step': page.id})}?return_to={here}",
                "revision": revision,
            })
    return rows


def derived_rows(log):
    return [
        {"name": name, "value": log.definition.display(name, value) if name in log.definition.variables else value}
        for name, value in log.record.derived.items()
    ]


class ConfirmForm(forms.Form):
    confirm = forms.ChoiceField(choices=[("yes", "Yes"), ("no", "No")], widget=forms.RadioSelect,
                                error_messages={"required": "Select yes if the answers are correct"})
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


@login_required
@require_http_methods(["GET", "POST"])
def soft_check(request, pk, rule):
    log = Log(changeable_log(request, pk))
    outcome = submit(log.record, {}, source="form", user=request.user, validate_only=True)
    warning = next((w for w in outcome.warnings if w["rule"] == rule), None)
    following = request.GET.get("next") or reverse("log-tasks", kwargs={"pk": pk})
    if not url_has_allowed_host_and_scheme(following, {request.get_host()}):
        following = reverse("log-tasks", kwargs={"pk": pk})
    if warning is None:  # nothing to confirm any more
        return redirect(following)
    form = ConfirmForm(request.POST or None, initial={"lock_version": log.record.lock_version})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"] == "no":
            variable = warning["attach_to"][0] if warning["attach_to"] else warning["fields"][0]
            question = log.definition.variables.get(variable)
            page = question.page if question else None
            if page is None:
                return redirect("log-tasks", pk=pk)
            return redirect(f"{reverse('log-page', kwargs={'pk': pk, 'step': page.id})}?return_to={following}")
        try:
            submit(log.record, {}, source="form", user=request.user, confirm=[rule],
                   expected_version=form.cleaned_data["lock_version"])
        except StaleRecord:
            messages.error(request, "This log has changed since you opened this page. Check the answers again.")
            return redirect(request.get_full_path())
        return redirect(following)
    questions = {log.definition.variables[v].id: log.definition.variables[v]
                 for v in warning["attach_to"] if v in log.definition.variables}  # one line per question
    answers = [(q.label or q.text, log.display(q)) for q in questions.values() if log.display(q)]
    return render(request, "forms/soft_check.html", {
        "log": log, "warning": warning, "form": form, "answers": answers, "following": following,
        "page_title": warning["message"].split(".")[0],
    })
