"""The register pages (docs/registers.md): coordinators and support list, add (with
check your answers), change, deactivate and reactivate the entries of a register a
package declares (CORE's schemes and their locations), and upload them from CSV files.

Who sees what: a person sees the entries their organisations (those they act for:
cldc.platform.organisations.policy) own or manage; any other is a 404. Data
coordinators and support change them; others read them."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from cldc.platform.definitions.values import from_json, to_json
from cldc.platform.organisations import policy
from cldc.platform.registers import declaration, periods, store
from cldc.platform.registers.context import as_context
from cldc.platform.registers.forms import DeactivateForm, EntryForm, ReactivateForm, UploadForm
from cldc.platform.registers.models import Entry
from cldc.platform.registers.upload import import_file

PENDING = "registers-pending"  # the session key of what a check your answers page is about to save
STATUS_WORDS = {periods.ACTIVE: "Active", periods.INCOMPLETE: "Incomplete", periods.ACTIVATING_SOON: "Not available yet",
                periods.DEACTIVATED: "Deactivated", periods.REACTIVATING_SOON: "Deactivated for a time"}
STATUS_TAGS = {periods.ACTIVE: "govuk-tag--green", periods.INCOMPLETE: "govuk-tag--yellow",
               periods.ACTIVATING_SOON: "govuk-tag--blue", periods.DEACTIVATED: "govuk-tag--grey",
               periods.REACTIVATING_SOON: "govuk-tag--grey"}


def may_manage(user):
    return policy.role_of(user) in ("support", "data_coordinator")


def _register(request, name):
    """A register of one of the service's collections, or a 404."""
    for collection in request.tenant.collections:
        found = declaration.registers(collection).get(name)
        if found is not None:
            return found
    raise Http404("No such register")


def _organisations(user):
    return policy.organisations_acted_for(user)


def visible_entries(user, register):
    """The entries of a register this person may see: their organisations' own or managed."""
    entries = Entry.objects.of(register.collection, register.name)
    if policy.is_support(user):
        return entries
    top = Entry.objects.usable_by(_organisations(user))
    return entries.filter(pk__in=top.values("pk")) if register.parent is None else entries.filter(parent__in=top)


def _entry(request, register, pk, change=False):
    entry = visible_entries(request.user, register).select_related("owner", "manager", "parent").filter(pk=pk).first()
    if entry is None:
        raise Http404(f"No such {register.noun}")
    if change and not may_manage(request.user):
        raise PermissionDenied(f"You can see this {register.noun} but not change it")
    return entry


def status_of(entry, day=None):
    data = as_context(entry)
    if entry.parent_id:
        data["parent"] = as_context(entry.parent)
    status, when = periods.status_on(data, day or dt.date.today())
    words = STATUS_WORDS[status] + (f" until {when.day} {when:%B %Y}" if status == periods.REACTIVATING_SOON else "")
    words += f" from {when.day} {when:%B %Y}" if status in (periods.DEACTIVATED, periods.ACTIVATING_SOON) else ""
    return {"words": words, "tag": STATUS_TAGS[status], "status": status}


def field_rows(register, answers):
    values = from_json(register.fields, answers)
    return [{"label": q.label or q.text, "value": register.fields.display(q.id, values.get(q.id)), "id": q.id}
            for q in register.questions if values.get(q.id) is not None]


@login_required
def entry_list(request, name):
    register = _register(request, name)
    if register.parent is not None:
        raise Http404("Locations are listed on their scheme's page")
    entries = visible_entries(request.user, register).select_related("owner", "manager").prefetch_related(
        "deactivations", "children")
    rows = [{"entry": entry, "status": status_of(entry)} for entry in entries]
    return render(request, "registers/list.html", {
        "register": register, "rows": rows, "can_change": may_manage(request.user),
        "page_title": register.nouns.capitalize()})


@login_required
def entry_detail(request, name, pk):
    register = _register(request, name)
    entry = _entry(request, register, pk)
    children = []
    if register.child is not None:
        children = [{"entry": child, "status": status_of(child)}
                    for child in entry.children.select_related("parent").prefetch_related("deactivations")]
    can_change = may_manage(request.user)
    return render(request, "registers/detail.html", {
        "register": register, "entry": entry, "rows": field_rows(register, entry.answers),
        "status": status_of(entry), "deactivations": entry.deactivations.all(), "children": children,
        "history": history(register, entry) if can_change else None,
        "can_change": can_change, "page_title": str(entry)})


HISTORY_LABELS = {"owner": "Owned by", "manager": "Managed by", "deactivated_on": "Not available from",
                  "reactivated_on": "Available again from"}


def history(register, entry):
    """The entry's changes, newest first, as its page lists them to coordinators and
    support: when, who, what, and each field's answer before and after in words."""
    questions = {q.id: q for q in register.questions}

    def words(field, value):
        if value in (None, ""):
            return "Not given" if field != "reactivated_on" else "Not again"
        if field in questions:
            typed = from_json(register.fields, {field: value}).get(field)
            return str(register.fields.display(field, typed))
        if field in ("deactivated_on", "reactivated_on"):
            day = dt.date.fromisoformat(value)
            return f"{day.day} {day:%B %Y}"
        return str(value)

    return [{"change": change, "who": change.changed_by.name if change.changed_by else "Not known",
             "fields": [{"label": HISTORY_LABELS.get(f["field"]) or (questions[f["field"]].label or questions[f["field"]].text
                                                                     if f["field"] in questions else f["field"]),
                         "before": words(f["field"], f["before"]), "after": words(f["field"], f["after"])}
                        for f in change.fields]}
            for change in entry.changes.select_related("changed_by")]


# --- Adding and changing, with check your answers ------------------------------------


def _parent(request, register):
    """The parent entry a new child entry (a location) is added to: one the person may change."""
    if register.parent is None:
        return None
    number = request.GET.get("parent") or request.POST.get("parent") or ""
    if not str(number).isdecimal():
        raise Http404(f"Add a {register.noun} from its {register.parent.noun}'s page")
    return _entry(request, register.parent, int(number), change=True)


@login_required
def entry_add(request, name):
    register = _register(request, name)
    if not may_manage(request.user):
        raise PermissionDenied(f"Only data coordinators and support add {register.nouns}")
    parent = _parent(request, register)
    return _entry_form(request, register, None, parent)


@login_required
def entry_change(request, name, pk):
    register = _register(request, name)
    entry = _entry(request, register, pk, change=True)
    return _entry_form(request, register, entry, entry.parent)


def _entry_form(request, register, entry, parent):
    organisations = None if parent else _organisations(request.user)
    pending = request.session.get(PENDING) or {}
    if request.method == "POST":
        form = EntryForm(request.POST, register=register, organisations=organisations)
        if form.is_valid():
            request.session[PENDING] = {
                "register": register.name, "entry": entry.pk if entry else None, "parent": parent.pk if parent else None,
                "owner": form.cleaned_data.get("owner"), "manager": form.cleaned_data.get("manager"),
                "answers": to_json(form.values)}
            return redirect("register-check", name=register.name)
    else:
        initial = {}
        same = pending.get("register") == register.name and pending.get("entry") == (entry.pk if entry else None)
        if same and request.GET.get("from") == "check":
            answers, initial = pending["answers"], {"owner": pending.get("owner"), "manager": pending.get("manager")}
        elif entry is not None:
            answers = entry.answers
            initial = {"owner": str(entry.owner_id), "manager": str(entry.manager_id or "")}
        else:
            answers = {}
        values = from_json(register.fields, answers)
        initial |= {k: (v if isinstance(v, dt.date) else str(v)) for k, v in values.items() if v is not None}
        form = EntryForm(register=register, organisations=organisations, initial=initial)
    doing = f"Change {entry}" if entry else f"Add a {register.noun}" + (f" to {parent}" if parent else "")
    return render(request, "pages/form.html", {"form": form, "page_title": doing,
                                               "caption": register.nouns.capitalize()})


@login_required
def entry_check(request, name):
    register = _register(request, name)
    pending = request.session.get(PENDING)
    if not pending or pending.get("register") != name or not may_manage(request.user):
        return redirect("register-list", name=(register.parent or register).name)
    entry = _entry(request, register, pending["entry"], change=True) if pending["entry"] else None
    parent = _entry(request, register.parent, pending["parent"], change=True) if pending["parent"] else None
    acted_for = _organisations(request.user)
    owner = parent.owner if parent else acted_for.filter(pk=pending["owner"]).first()
    manager = parent.manager if parent else acted_for.filter(pk=pending["manager"] or 0).first()
    if owner is None:  # the person no longer acts for it
        raise PermissionDenied("You do not act for this organisation")
    if request.method == "POST":
        with transaction.atomic():
            saved = store.save_entry(register, entry, parent, owner, manager, pending["answers"], request.user)
        del request.session[PENDING]
        messages.success(request, f"{saved} {'changed' if entry else 'added'}")
        return redirect("register-detail", name=register.name, pk=saved.pk)
    query = urlencode({"from": "check", **({"parent": parent.pk} if parent and not entry else {})})
    change_url = (reverse("register-change", kwargs={"name": name, "pk": entry.pk}) if entry else
                  reverse("register-add", kwargs={"name": name})) + f"?{query}"
    rows = [{"label": "Owned by", "value": owner.name}, {"label": "Managed by", "value": (manager or owner).name}]
    rows = (rows if not parent else [{"label": register.parent.noun.capitalize(), "value": str(parent)}])
    rows += field_rows(register, pending["answers"])
    return render(request, "registers/check.html", {
        "register": register, "rows": rows, "change_url": change_url, "entry": entry,
        "page_title": f"Check your answers: {'change ' + str(entry) if entry else 'new ' + register.noun}"})


# --- Deactivating and reactivating ---------------------------------------------------


@login_required
def deactivate(request, name, pk):
    register = _register(request, name)
    entry = _entry(request, register, pk, change=True)
    periods_held = [{"from": d.deactivated_on, "until": d.reactivated_on} for d in entry.deactivations.all()]
    form = DeactivateForm(request.POST or None, noun=register.noun)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["deactivated_on"], form.cleaned_data.get("reactivated_on")
        if periods.overlaps(periods_held, start, end):
            form.add_error("deactivated_on", f"This {register.noun} is already deactivated for part of that time: "
                                             f"reactivate it, or choose days after its deactivation ends")
        elif request.POST.get("confirm") == "yes":
            store.deactivate(entry, start, end, request.user)
            messages.success(request, f"{entry} deactivated from {start.day} {start:%B %Y}")
            return redirect("register-detail", name=name, pk=entry.pk)
        else:
            return render(request, "registers/confirm.html", {
                "register": register, "entry": entry, "post": request.POST, "page_title": f"Deactivate {entry}",
                "rows": [{"label": "Not available from", "value": f"{start.day} {start:%B %Y}"},
                         {"label": "Available again from", "value": f"{end.day} {end:%B %Y}" if end else "Not again"}],
                "warning": f"Logs that choose this {register.noun} with a tenancy start date in that time will need "
                           f"another {register.noun} or another date."})
    return render(request, "pages/form.html", {"form": form, "page_title": f"Deactivate {entry}",
                                               "caption": register.nouns.capitalize()})


@login_required
def reactivate(request, name, pk):
    register = _register(request, name)
    entry = _entry(request, register, pk, change=True)
    open_ended = entry.deactivations.filter(reactivated_on__isnull=True).last()
    form = ReactivateForm(request.POST or None, noun=register.noun)
    if open_ended is None:
        messages.info(request, f"{entry} is not deactivated")
        return redirect("register-detail", name=name, pk=entry.pk)
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["reactivated_on"]
        if day <= open_ended.deactivated_on:
            form.add_error("reactivated_on", f"The reactivation date must be after the day it was deactivated, "
                                             f"{open_ended.deactivated_on.day} {open_ended.deactivated_on:%B %Y}")
        elif request.POST.get("confirm") == "yes":
            store.reactivate(open_ended, day, request.user)
            messages.success(request, f"{entry} available again from {day.day} {day:%B %Y}")
            return redirect("register-detail", name=name, pk=entry.pk)
        else:
            return render(request, "registers/confirm.html", {
                "register": register, "entry": entry, "post": request.POST, "page_title": f"Reactivate {entry}",
                "rows": [{"label": "Available again from", "value": f"{day.day} {day:%B %Y}"}]})
    return render(request, "pages/form.html", {"form": form, "page_title": f"Reactivate {entry}",
                                               "caption": register.nouns.capitalize()})


# --- Uploading -----------------------------------------------------------------------


@login_required
def upload(request, name):
    """A CSV file of entries of one register: all of them stored, or none (with every
    problem listed by row and column)."""
    register = _register(request, name)
    if not may_manage(request.user):
        raise PermissionDenied(f"Only data coordinators and support upload {register.nouns}")
    form = UploadForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        parents = visible_entries(request.user, register.parent) if register.parent else None
        result = import_file(register, form.cleaned_data["file"], _organisations(request.user), parents, request.user)
        if result.ok:
            messages.success(request, f"{len(result.created)} {register.nouns if len(result.created) != 1 else register.noun} added")
            return redirect("register-list", name=(register.parent or register).name)
        problems = result.problems
        form.add_error("file", f"The file has {len(problems)} problem{'s' if len(problems) != 1 else ''}: "
                               f"nothing was added. Fix them and upload it again")
    return render(request, "registers/upload.html", {
        "register": register, "form": form, "problems": problems, "multipart": True,
        "columns": upload_columns(register), "page_title": f"Upload {register.nouns}",
        "caption": (register.parent or register).nouns.capitalize()})


def upload_columns(register):
    """The columns a file of entries has, with what each takes."""
    columns = [(register.parent.name, f"the {register.parent.noun}'s code, like {register.parent.code(12)}")] \
        if register.parent else [("owner", "the owning organisation: its ONS code, regulator number or ORG and its number"),
                                 ("manager", "optional: the organisation that manages it for the owner, the same way")]
    for question in register.questions:
        if question.is_coded:
            takes = "one of " + ", ".join(f"{code} ({label})" for code, label in question.options[:8]) + \
                    (", ..." if len(question.options) > 8 else "")
        elif question.type == "date":
            takes = "a date, like 01/04/2026 or 2026-04-01"
        else:
            takes = question.type
        columns.append((question.id, f"{question.label}: {takes}" + (" (only when it applies)" if question.show_if else "")))
    return columns
