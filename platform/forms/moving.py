"""Moving a log into the next collection year (records.versions): a page that shows
what the move keeps and which answers need a new answer, then moves it on a POST.
For those who may change the log; others get what every page of a log gives them
(changeable_log: 403 if they may only see it, 404 if not even that)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_http_methods

from cldc.platform import registry
from cldc.platform.definitions.values import from_json
from cldc.platform.forms.logs import Log, changeable_log
from cldc.platform.records.gateway import StaleRecord, WindowClosed
from cldc.platform.records.versions import MoveRefused, answer_label, later_versions, move_to_version
from cldc.platform.windows.models import collection_year


class MoveForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    lock_version = forms.IntegerField(widget=forms.HiddenInput)


@login_required
@require_http_methods(["GET", "POST"])
def move(request, pk):
    """/logs/<pk>/move/: what moving the log to the collection year after its own does,
    and a button that moves it (a POST, with the lock_version the page was shown at)."""
    log = Log(changeable_log(request, pk))
    record, noun = log.record, request.tenant.noun
    following = later_versions(record)
    if not following:
        raise Http404(f"There is no later collection year for this {noun}")
    version = following[0]
    form = MoveForm(request.POST or None, initial={"version": version, "lock_version": record.lock_version})
    refused = ""
    if request.method == "POST" and form.is_valid():
        try:
            moved = move_to_version(record, form.cleaned_data["version"], request.user, "form",
                                    expected_version=form.cleaned_data["lock_version"])
        except StaleRecord:
            messages.error(request, f"This {noun} has changed since you opened this page. Check what moving it "
                                    "does again.")
            return redirect("log-move", pk=pk)
        except (MoveRefused, WindowClosed) as problem:
            refused = str(problem)
        else:
            messages.success(request, f"{capfirst(noun)} moved to the {collection_year(moved.to_version)} "
                                      f"collection year. {_to_answer(len(moved.needs_answer))}")
            return redirect("log-tasks", pk=pk)
    preview = None
    if not refused:
        try:
            preview = move_to_version(record, version, request.user, "form", validate_only=True)
        except (MoveRefused, WindowClosed) as problem:
            refused = str(problem)
    after = registry.get(record.collection).definition(record.record_type, version)
    return render(request, "forms/move.html", {
        "log": log, "form": form, "refused": refused, "year": collection_year(version),
        "needs_answer": [_row(log.definition, item["field"], item["value"], item["message"])
                         for item in preview.needs_answer] if preview else [],
        "no_longer_asked": [_row(log.definition, item["field"], item["value"], item["message"])
                            for item in preview.no_longer_asked] if preview else [],
        "kept": [_row(log.definition, name, record.answers.get(name)) for name in preview.kept] if preview else [],
        "new_questions": [after.questions[name].label for name in preview.new_questions] if preview else [],
        "page_title": f"Move this {noun} to the {collection_year(version)} collection year",
        "caption": f"{capfirst(noun)} {pk}",
    })


def _to_answer(count):
    if not count:
        return "No answer needs a new answer."
    return f"{count} answer needs a new answer." if count == 1 else f"{count} answers need a new answer."


def _row(definition, name, stored, why=""):
    """An answer as people read it, by the log's own (old) version: its question's
    label, its value in words, and why it needs a new answer."""
    question = definition.variables[name]
    value = from_json(definition, {name: stored})[name]
    if question.type == "checkbox":
        shown = "Yes" if value == 1 else "No"
    elif question.is_coded and value is not None:
        shown = question.reads(value) or str(value)
    else:
        shown = definition.display(name, value)
    return {"field": name, "label": answer_label(definition, name), "value": shown, "why": why}
