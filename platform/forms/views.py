"""The web form's pages other than the question pages (see wizard.py): the list of
logs, setting up a new log, the task list, check your answers and soft checks."""

from functools import cached_property

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from cldc.platform import registry
from cldc.platform.audit.access import record_page_viewed
from cldc.platform.forms.choices import open_year_choices, record_type_choices, year_label
from cldc.platform.definitions.values import from_json
from cldc.platform.forms.logs import Log, changeable_log, may_change, reveals, visible_log
from cldc.platform.organisations import policy
from cldc.platform.records.gateway import StaleRecord, WindowClosed, submit
from cldc.platform.records.models import Record, Status, may_create_records
from cldc.platform.records.references import References, assignable_people
from cldc.platform.registers.choices import filled_rows, sole_words
from cldc.themes.forms import GDSFormMixin

PER_PAGE = 20
# The columns of a record the list of logs reads (its table, the possible duplicates).
LISTED_COLUMNS = ("id", "collection", "record_type", "version", "status", "answers", "provider_reference",
                  "duplicate_key", "owning_organisation", "assigned_to", "updated_at")


# --- The list of logs ------------------------------------------------------------------


def latest_definitions(service):
    """The newest definition of each record type the service collects."""
    return [registry.get(name).definition(rt, max(registry.get(name).versions(rt)))
            for name in service.collections for rt in registry.get(name).record_types]


def or_list(words):
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def search_label(service):
    """"Search by log ID, tenant code or postcode": the search fields in the words of
    the service's own definitions."""
    labels = []
    for definition in latest_definitions(service):
        for name in definition.search_fields:
            question = definition.variables[name]
            label = (question.label or question.text).lower()
            if label not in labels:
                labels.append(label)
    return "Search by " + or_list([f"{service.noun} ID"] + labels)


class LogFilters(forms.Form):
    search = forms.CharField(required=False)
    year = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Collection year")
    status = forms.ChoiceField(required=False, choices=[("", "Any status")] + list(Status.choices))
    record_type = forms.ChoiceField(required=False, label="Type of log")
    assigned = forms.ChoiceField(required=False, choices=[("", "Anyone"), ("me", "Me")], label="Assigned to")
    owning_organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    managing_organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["search"].label = search_label(service)
        self.fields["record_type"].choices = [("", "Any type")] + record_type_choices(service)
        self.fields["record_type"].label = f"Type of {service.noun}"
        years = sorted({v for name in service.collections for rt in registry.get(name).record_types
                        for v in registry.get(name).versions(rt)}, reverse=True)
        self.fields["year"].choices = [("", "Any year")] + [(y, year_label(y)) for y in years]
        organisations = [("", "Any organisation")] + [(o.pk, o.name) for o in policy.organisations_visible_to(user)]
        self.fields["owning_organisation"].choices = organisations
        self.fields["managing_organisation"].choices = organisations


COUNTED_UP_TO = 1_000  # logs counted one by one; past this the list says "more than 1,000"


class LogPaginator(Paginator):
    """Django's paginator, counting at most COUNTED_UP_TO logs and one more: an exact count
    of a large organisation's 300,000 logs reads every one of them on every page (1.5 s
    at a million records; 10,000 still 0.1 to 0.4 s on this machine), and nobody pages
    through them: they filter or search. Up to that many the count is exact, as people
    rely on for what they filtered; past it the list says "more than" (`more`), and the
    pages go on while there are logs."""

    @cached_property
    def count(self):
        return self.object_list.order_by()[:COUNTED_UP_TO + 1].count()

    @property
    def more(self):
        return self.count > COUNTED_UP_TO

    @cached_property
    def num_pages(self):
        return COUNTED_UP_TO // self.per_page if self.more else super().num_pages

    def validate_number(self, number):
        if not self.more:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("That page number is not a whole number")
        if number < 1:
            raise EmptyPage("That page number is less than 1")
        return number

    def page(self, number):
        if not self.more:
            return super().page(number)
        number = self.validate_number(number)
        start = (number - 1) * self.per_page
        rows = list(self.object_list[start:start + self.per_page + 1])  # one more: is there a next page
        if not rows and number > 1:  # past the end (an old link): the last page counted, which is full
            return self.page(self.num_pages)
        return LogPage(rows[:self.per_page], number, self, followed=len(rows) > self.per_page)


class LogPage(Page):
    """A page of a list counted only up to COUNTED_UP_TO: whether another follows is known
    from the page's own query (one row more), not from the count."""

    def __init__(self, object_list, number, paginator, *, followed):
        super().__init__(object_list, number, paginator)
        self.followed = followed

    def has_next(self):
        return self.followed


@login_required
def log_list(request):
    filters = LogFilters(request.GET or None, service=request.tenant, user=request.user)
    logs = Record.objects.visible_to(request.user).filter(collection__in=request.tenant.collections)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["search"]:
            term = data["search"].strip()
            # Any part of any of the definition's search_fields answers, in any case: kept
            # lower case in one trigram-indexed column by the gateway (gateway.search_text).
            query = Q(search_text__contains=term.lower())
            if term.isdecimal():
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
    # What the table shows: the organisations and people by name; of the JSON, only the
    # answers (the reference); newest first, then by id, so that pages do not overlap.
    logs = (logs.select_related("owning_organisation", "assigned_to")
            .only(*LISTED_COLUMNS, "owning_organisation__name", "assigned_to__name")
            .order_by("-updated_at", "-id"))
    page = LogPaginator(logs, PER_PAGE).get_page(request.GET.get("page"))
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
        "filters": filters, "page": page, "total": page.paginator.count, "more": page.paginator.more,
        "counted_up_to": f"{COUNTED_UP_TO:,}", "query": query.urlencode(),
        "duplicate_ids": duplicate_ids, "can_create": may_create_records(request.user),
        "page_title": request.tenant.nouns.capitalize(),
    })


# --- Setting up a log --------------------------------------------------------------------
#
# Two steps where a service collects more than one type of log: the type, then the
# set-up questions in that type's own words (two types of one service may ask who owns
# the log differently). The type chosen travels in the URL, then in the set-up form itself.

ASK_RECORD_TYPE = "record_type"  # the `step` value of the page asking the type of log


class RecordTypeForm(GDSFormMixin, forms.Form):
    submit_label = "Continue"

    step = forms.CharField(widget=forms.HiddenInput, initial=ASK_RECORD_TYPE, required=False)
    record_type = forms.ChoiceField(label="What type of log is this?", widget=forms.RadioSelect,
                                    error_messages={"required": "Select the type of log"})

    def __init__(self, *args, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].choices = record_type_choices(service)
        self.fields["record_type"].label = f"What type of {service.noun} is this?"
        self.fields["record_type"].error_messages["required"] = f"Select the type of {service.noun}"


def set_up_definition(service, record_type):
    """The definition whose questions a set-up page asks, for a "collection:record_type":
    the latest year open for new logs, else the latest year."""
    name, rt = record_type.split(":")
    collection = registry.get(name)
    open_years = [year for year, _ in open_year_choices(service, record_type=record_type)]
    return collection.definition(rt, max(open_years or collection.versions(rt)))


class YearField(forms.TypedChoiceField):
    """Offers the years open for new logs (its choices), and accepts every year in
    `accepted`: a closed one then gets the gateway's own message (WindowClosed), not
    "not one of the available choices"."""

    accepted = ()

    def valid_value(self, value):
        return str(value) in {str(year) for year in self.accepted}


class SetUpForm(GDSFormMixin, forms.Form):
    submit_label = "Save and continue"

    # The type chosen on the first step, posted again; create_log reads it, so not required here.
    record_type = forms.CharField(widget=forms.HiddenInput, required=False)
    year = YearField(label="Which collection year is it for?", coerce=int, widget=forms.RadioSelect,
                     error_messages={"required": "Select the collection year"})
    # Labels: the definition's own questions (see __init__); these where it has none.
    owning_organisation = forms.TypedChoiceField(label="Which organisation owns this log?", coerce=int,
                                                 error_messages={"required": "Select the owning organisation"})
    managing_organisation = forms.TypedChoiceField(label="Which organisation manages this log?", coerce=int,
                                                   error_messages={"required": "Select the managing organisation"})
    assigned_to = forms.TypedChoiceField(label="Who is this log assigned to?", coerce=int, required=False,
                                         empty_value=None)

    def __init__(self, *args, service, user, record_type, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record_type"].initial = record_type
        for column, verb in (("owning_organisation", "owns"), ("managing_organisation", "manages")):
            self.fields[column].label = f"Which organisation {verb} this {service.noun}?"
        self.fields["assigned_to"].label = f"Who is this {service.noun} assigned to?"
        definition = set_up_definition(service, record_type)
        if "managing_organisation" not in definition.record_fields:  # managed by its owner, as the API does
            del self.fields["managing_organisation"]
            self.lay_out()
        for column, variable in definition.record_fields.items():
            if column in self.fields:
                self.fields[column].label = definition.variables[variable].text
        name, rt = record_type.split(":")
        self.fields["year"].choices = open_year_choices(service, record_type=record_type)
        self.fields["year"].accepted = registry.get(name).versions(rt)
        organisations = [("", "Select an organisation")] + [(o.pk, o.name) for o in policy.organisations_acted_for(user)]
        for column in ("owning_organisation", "managing_organisation"):
            if column in self.fields:
                self.fields[column].choices = organisations
        people = assignable_people(policy.organisations_acted_for(user))  # the log's own organisations are checked on saving
        self.fields["assigned_to"].choices = [("", "Nobody yet")] + [(p.pk, p.name or p.email) for p in people]
        self.fields["assigned_to"].initial = user.pk


@login_required
def create_log(request):
    """/logs/new/: the type of log (when the service has several), then the set-up
    questions for that type (?record_type=<collection>:<record type>, posted back in the form)."""
    if not request.tenant.collections:
        raise Http404("This service collects nothing")
    if not may_create_records(request.user):
        raise PermissionDenied(f"You do not act for an organisation, so you cannot set up {request.tenant.nouns}")
    types = dict(record_type_choices(request.tenant))
    sent = request.POST if request.method == "POST" else request.GET
    chosen = next(iter(types)) if len(types) == 1 else sent.get("record_type")
    if len(types) > 1 and (sent.get("step") == ASK_RECORD_TYPE or chosen not in types):
        return choose_record_type(request)
    form = SetUpForm(request.POST or None, service=request.tenant, user=request.user, record_type=chosen)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collection, record_type = chosen.split(":")
        definition = registry.get(collection).definition(record_type, data["year"])
        acted_for = {o.pk: o for o in policy.organisations_acted_for(request.user)}
        named = References(definition, acted_for).resolve({  # as every channel names them
            "owning_organisation": f"ORG{data['owning_organisation']}",
            "managing_organisation": f"ORG{data.get('managing_organisation') or data['owning_organisation']}",
            "assigned_to": str(data["assigned_to"] or ""),
        })
        columns = {variable: column for column, variable in definition.record_fields.items()}
        for issue in named.issues:
            form.add_error(columns.get(issue["field"], issue["field"]), issue["message"])
        if named.ok:
            record = Record(
                collection=collection, record_type=record_type, version=data["year"],
                owning_organisation=named.owning_organisation, managing_organisation=named.managing_organisation,
                assigned_to=named.assigned_to, created_by=request.user,
            )
            try:
                submit(record, named.answers, source="form", user=request.user)
            except WindowClosed as closed:  # the gateway's one message for the collection window
                # (or for an organisation without its data sharing agreement: on that organisation)
                form.add_error(getattr(closed, "column", "") or "year", str(closed))
            else:
                return redirect("log-tasks", pk=record.pk)
    several = len(types) > 1
    back = f"{reverse('log-create')}?{urlencode({'step': ASK_RECORD_TYPE, 'record_type': chosen})}" if several else ""
    return render(request, "forms/set_up.html", {
        "form": form, "page_title": f"Set up a new {request.tenant.noun}", "caption": types[chosen] if several else "", "back_url": back,
    })


def choose_record_type(request):
    """The first step of setting up a log: its type. On to that type's set-up questions."""
    initial = {"record_type": request.GET.get("record_type")}  # the type chosen before, coming back
    form = RecordTypeForm(request.POST if request.method == "POST" else None, service=request.tenant, initial=initial)
    if request.method == "POST" and form.is_valid():
        return redirect(f"{reverse('log-create')}?{urlencode({'record_type': form.cleaned_data['record_type']})}")
    return render(request, "pages/form.html", {"form": form, "page_title": f"Set up a new {request.tenant.noun}"})


# --- The task list, check your answers, soft checks -----------------------------------------


@login_required
def task_list(request, pk):
    log = Log(visible_log(request, pk))
    duplicates = Record.objects.visible_to(request.user).duplicates_of(log.record)
    fields = [log.definition.variables[v].label.lower() for v in log.definition.duplicate_check_variables]
    return render(request, "forms/tasks.html", {
        "log": log, "page_title": f"{capfirst(request.tenant.noun)} {log.record.pk}", "duplicates": duplicates,
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
    rows = answer_rows(log, sub, request.get_full_path())
    record_page_viewed(request, log.record, f"{sub.label}: answers", shown_variables(rows))
    return render(request, "forms/check_answers.html", {
        "log": log, "subsection": sub, "rows": rows,
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
    record_page_viewed(request, log.record, "Review: every answer",
                       [v for task in tasks for v in shown_variables(task["rows"])])
    return render(request, "forms/review.html", {
        "log": log, "tasks": tasks, "derived": derived_rows(log),
        "page_title": f"Review {request.tenant.noun} {log.record.pk}",
        "can_change": may_change(request.user, log.record),
    })


def shown_variables(rows):
    """The variables whose answers answer_rows shows."""
    return [v for row in rows for v in row["question"].variables]


def answer_rows(log, subsection, here):
    """The questions asked in a task, with their answers, who gave them and a Change
    link that comes back to `here`. A radio and the follow-up it reveals that share a
    label are one row ("Lead tenant’s age: 45"); a value the service calculates is shown
    with its task, without a link."""
    sources = provenance(log.record)
    rows = []
    for page in log.form_pages(subsection):
        asked = log.asked_on(page)
        asked_ids = {q.id for q in asked}
        answered_by = {}  # a radio's id -> its same-labelled follow-up, when that applies
        for radio_id, by_code in reveals(page).items():
            radio = log.definition.questions[radio_id]
            for kid in (kid for kids in by_code.values() for kid in kids):
                if kid.label == radio.label and kid.id in asked_ids:
                    answered_by[radio_id] = kid
        shown_in = {kid.id for kid in answered_by.values()}
        for question in asked:
            if question.id in shown_in:
                continue
            holder = answered_by.get(question.id, question)
            if question.type == "derived":
                rows.append({"question": question, "calculated": True, "value": log.calculated(question)})
                continue
            revision = next((sources[v] for q in (holder, question) for v in q.variables if v in sources), None)
            rows.append({
                "question": question, "value": log.display(holder),
                "change_url": f"{reverse('log-page', kwargs={'pk': log.record.pk, 'step': page.id})}?return_to={here}",
                "revision": revision,
                # the one entry it could hold, chosen for them (a scheme's only location): nothing to change
                "chosen_as": sole_words(log.definition, question) if log.chosen_for_them(page) else None,
            })
            for filled, noun in filled_rows(log.definition, question, log.answers):  # la from the location
                rows.append({"question": filled, "value": log.display(filled), "filled_from": noun})
    return rows


def derived_rows(log):
    """Every derived value, by its label, in words: a code as its option's label, an
    amount as money, a tick box as Yes or No, a local authority by its name."""
    derivations = {d.id: d for d in log.pack.derivations}
    rows = []
    for name, value in log.record.derived.items():
        derivation, question = derivations.get(name), log.definition.variables.get(name)
        label = getattr(derivation, "label", "") or (question.label if question else "") or name
        rows.append({"name": name, "label": label, "value": derived_value(log.definition, derivation, name, value)})
    return rows


def derived_value(definition, derivation, name, value):
    """A stored derived value as people read it: as its question shows an answer when it
    repeats one (a local authority by name), else by the derivation's `options` or
    `prefix`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    question = definition.variables.get(name)
    if question is not None and question.type == "checkbox":
        return "Yes" if value == 1 else "No"
    if question is not None and question.type != "derived":
        return definition.display(name, from_json(definition, {name: value})[name])
    options = dict(getattr(derivation, "options", None) or [])
    if value in options:
        return str(options[value])
    if "£" in ((question.prefix if question else "") or getattr(derivation, "prefix", "")):
        return f"£{value:,.2f}"
    return str(value)


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
            messages.error(request, f"This {request.tenant.noun} has changed since you opened this page. "
                                    "Check the answers again.")
            return redirect(request.get_full_path())
        except WindowClosed as closed:  # a confirmation is a change too
            messages.error(request, str(closed))
            return redirect("log-tasks", pk=pk)
        return redirect(following)
    questions = {log.definition.variables[v].id: log.definition.variables[v]
                 for v in warning["attach_to"] if v in log.definition.variables}  # one line per question
    answers = [(q.label or q.text, log.display(q)) for q in questions.values() if log.display(q)]
    return render(request, "forms/soft_check.html", {
        "log": log, "warning": warning, "form": form, "answers": answers, "following": following,
        "page_title": warning["message"].split(".")[0],
    })
