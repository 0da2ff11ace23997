"""Support's page for a service's nightly exports (schedule.py): what runs, at what time
(London), and whether it is paused; and the recent runs made for no one in particular,
whose files can be fetched again. Nobody else has these pages: for them they do not
exist (404)."""

import datetime as dt
import mimetypes
from pathlib import Path

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render

from cldc.platform import registry
from cldc.platform.audit.access import Channel, export_handed_out
from cldc.platform.exports import schedule
from cldc.platform.exports.formats import FORMATS
from cldc.platform.exports.layouts import layouts
from cldc.platform.exports.models import ExportRun
from cldc.platform.exports.views import layout_choices, service_layouts
from cldc.platform.organisations import policy
from cldc.themes.forms import GDSFormMixin


def format_choices(service):
    """The platform's formats and those the service's collection packages add."""
    for name in service.collections:
        registry.get(name).load_functions()
    return [(name, name.upper() if "." not in name else name) for name in FORMATS
            if "." not in name or name.split(".", 1)[0] in service.collections]


class ScheduleForm(GDSFormMixin, forms.Form):
    submit_label = "Save"

    layout = forms.ChoiceField(label="Which layout?", widget=forms.RadioSelect,
                               error_messages={"required": "Select a layout", "invalid_choice": "Select a layout"})
    format = forms.ChoiceField(label="Which file format?", widget=forms.RadioSelect,
                               error_messages={"required": "Select a file format",
                                               "invalid_choice": "Select a file format"})
    at = forms.CharField(label="At what time?",
                         help_text="Every day, London time, on the 24-hour clock, like 00:00 or 23:30",
                         error_messages={"required": "Enter the time of day the export runs"})
    enabled = forms.TypedChoiceField(label="Run it?", widget=forms.RadioSelect, coerce=lambda value: value == "yes",
                                     choices=[("yes", "Yes, every day"), ("no", "No, pause it")],
                                     error_messages={"required": "Select whether the export runs"})

    def __init__(self, *args, service, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.service, self.task = service, task
        self.fields["layout"].choices = layout_choices(service_layouts(service))
        self.fields["format"].choices = format_choices(service)
        self.lay_out()

    def clean(self):
        data = super().clean()
        if {"layout", "format"} <= set(data):
            same = schedule.scheduled_for(self.service).filter(
                name=schedule.name_of(self.service, data["format"], data["layout"]))
            if same.exclude(pk=getattr(self.task, "pk", None)).exists():
                self.add_error("layout", "There is already a nightly export of this layout in this format: "
                                         "change that one instead")
        return data

    def clean_at(self):
        text = self.cleaned_data["at"].strip()
        try:
            return dt.datetime.strptime(text, "%H:%M").time()
        except ValueError:
            raise forms.ValidationError("Enter the time as hours and minutes on the 24-hour clock, like 00:00 or 23:30")


@login_required
def schedule_list(request):
    policy.support_only(request.user)
    rows = [(task, *schedule.details(task)) for task in schedule.scheduled_for(request.tenant)]
    return render(request, "exports/schedule.html", {"rows": rows, "page_title": "Nightly exports",
                                                     "runs": sent_runs()[:RECENT_RUNS]})


RECENT_RUNS = 30


def sent_runs():
    """Runs made for no one in particular (scheduled, or from the command line): what was
    sent, kept so that a file can be fetched again."""
    return ExportRun.objects.filter(requested_by=None)


@login_required
def run_file(request, pk):
    """A file a run sent, fetched again."""
    policy.support_only(request.user)
    run = get_object_or_404(sent_runs().exclude(path=""), pk=pk)
    path = Path(run.path)
    if not path.is_file():
        raise Http404("This file is no longer kept")
    chosen = layouts(run.collection, run.record_type, run.version)[run.layout]
    export_handed_out(request.tenant, Channel.WEB, run, chosen.columns_for(run.role or None), person=request.user,
                      title=chosen.title)
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name, content_type=content_type)


@login_required
def schedule_edit(request, pk=None):
    policy.support_only(request.user)
    task = get_object_or_404(schedule.scheduled_for(request.tenant), pk=pk) if pk else None
    initial = {}
    if task:
        format, layout_id, at = schedule.details(task)
        initial = {"format": format, "layout": layout_id, "at": at.strftime("%H:%M"),
                   "enabled": "yes" if task.enabled else "no"}
    form = ScheduleForm(request.POST or None, initial=initial, service=request.tenant, task=task)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        schedule.save_schedule(request.tenant, data["format"], data["layout"], data["at"], data["enabled"], task)
        return redirect("export-schedule")
    title = "Change a nightly export" if task else "Add a nightly export"
    return render(request, "pages/form.html", {"form": form, "page_title": title})
