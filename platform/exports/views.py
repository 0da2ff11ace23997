"""Downloads in the web service: a data coordinator, an analyst or support picks a
record type, a year, a layout, a format and (where their role may have both) codes or
labels; a Celery worker makes the file (tasks.make_download) as runs.run_export does
for the command line, with their records only (Record.visible_to) and their role's
columns; they watch it on a page that survives a reload and download it from the list
of their downloads. Another person's download is a 404."""

import mimetypes
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render

from cldc.platform import registry
from cldc.platform.audit.access import Channel, export_handed_out
from cldc.platform.exports.formats import FORMATS
from cldc.platform.exports.layouts import Selection, layouts
from cldc.platform.exports.models import Download
from cldc.platform.exports.tasks import make_download
from cldc.platform.forms.choices import record_type_choices, year_label
from cldc.platform.organisations import policy
from cldc.themes.forms import GDSFormMixin

DOWNLOADING_ROLES = ("data_coordinator", "analyst", "support")  # providers ask their coordinator
FILE_FORMATS = [("csv", "CSV"), ("xlsx", "Excel (XLSX)"), ("parquet", "Parquet")]  # the platform's own


def may_download(user):
    return policy.role_of(user) in DOWNLOADING_ROLES


def downloading_role(user):
    """The person's role, if it is one that downloads; otherwise the page is refused."""
    role = policy.role_of(user)
    if role not in DOWNLOADING_ROLES:
        raise PermissionDenied("Downloads are for data coordinators, analysts and support staff")
    return role


def service_layouts(service):
    """[(collection, record type, version, {layout id: Layout})] for everything the service collects."""
    return [(name, rt, version, layouts(name, rt, version))
            for name in service.collections for rt in registry.get(name).record_types
            for version in registry.get(name).versions(rt)]


def layout_choices(found, offered=lambda layout: True):
    """(layout id, titles) for the layouts of service_layouts() that `offered` accepts: one
    choice per id, with each title it has across record types and years."""
    titles = {}
    for *_, layouts_found in found:
        for layout in layouts_found.values():
            if offered(layout):
                named = titles.setdefault(layout.id, [])
                named += [] if layout.title in named else [layout.title]
    return [(layout_id, " / ".join(named)) for layout_id, named in titles.items()]


class AnyLayoutField(forms.ChoiceField):
    """Offers the layouts the role may have; takes any layout of the service, so that one
    the role may not have is refused in the form's clean() with the reason, on this field."""

    def __init__(self, *args, known=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.known = set(known)

    def valid_value(self, value):
        return value in self.known


class DownloadForm(GDSFormMixin, forms.Form):
    submit_label = "Make the file"

    record_type = forms.ChoiceField(widget=forms.RadioSelect)
    year = forms.TypedChoiceField(label="Which collection year?", coerce=int, widget=forms.RadioSelect,
                                  error_messages={"required": "Select the collection year",
                                                  "invalid_choice": "Select the collection year"})
    layout = AnyLayoutField(label="Which layout?", widget=forms.RadioSelect,
                            error_messages={"required": "Select a layout", "invalid_choice": "Select a layout"})
    format = forms.ChoiceField(label="Which file format?", widget=forms.RadioSelect, choices=FILE_FORMATS,
                               error_messages={"required": "Select a file format"})
    codes = forms.TypedChoiceField(
        label="Codes or labels?", widget=forms.RadioSelect, coerce=lambda value: value == "codes",
        choices=[("labels", "Labels: each answer in words"), ("codes", "Codes: each answer's code, as stored")],
        error_messages={"required": "Select codes or labels"})

    def __init__(self, *args, service, role, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.found = service_layouts(service)
        kinds = self.fields["record_type"]
        kinds.choices = record_type_choices(service)
        kinds.label = f"Which {service.nouns}?"
        kinds.error_messages["required"] = kinds.error_messages["invalid_choice"] = f"Select the type of {service.nouns}"
        if len(kinds.choices) == 1:  # one type of record: nothing to ask
            kinds.widget, kinds.initial = forms.HiddenInput(), kinds.choices[0][0]
        years = sorted({version for _, _, version, _ in self.found}, reverse=True)
        self.fields["year"].choices = [(year, year_label(year)) for year in years]
        offered = layout_choices(self.found, lambda layout: layout.may_have(role))
        self.fields["layout"].choices = offered
        self.fields["layout"].known = {layout_id for *_, found in self.found for layout_id in found}
        if len(offered) == 1:
            self.fields["layout"].initial = offered[0][0]
        if not any(layout.may_have(role) and layout.codes_for(role) for *_, found in self.found for layout in found.values()):
            self.fields["codes"].widget, self.fields["codes"].initial = forms.HiddenInput(), "labels"  # labels only
        self.lay_out()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        collection, record_type = data["record_type"].split(":")
        versions = {version: found for name, rt, version, found in self.found if (name, rt) == (collection, record_type)}
        if data["year"] not in versions:
            self.add_error("year", f"There is no {year_label(data['year'])} collection year for "
                                   f"{record_type.replace('_', ' ')}; select another year")
            return data
        layout = versions[data["year"]].get(data["layout"])
        if layout is None:
            self.add_error("layout", f"There is no such layout for {year_label(data['year'])}; "
                                     f"select one of {', '.join(found.title for found in versions[data['year']].values())}")
            return data
        try:  # refused, never a smaller file: the one rule, runs' own
            Selection.of(layout, self.role, data["codes"])
        except PermissionError as refusal:
            field = "layout" if not layout.may_have(self.role) else "codes"
            if field == "codes":  # not asked when only labels are offered: shown, to carry its error
                self.fields["codes"].widget = forms.RadioSelect(choices=self.fields["codes"].choices)
            self.add_error(field, str(refusal))
            return data
        data.update(collection=collection, record_type=record_type, chosen=layout)
        return data


def own_downloads(request):
    return Download.objects.filter(requested_by=request.user, collection__in=request.tenant.collections)


@login_required
def download_list(request):
    downloading_role(request.user)
    downloads = own_downloads(request).select_related("run")[:50]
    return render(request, "exports/list.html", {"downloads": downloads, "page_title": "Your downloads",
                                                 "schedules": policy.is_support(request.user)})


@login_required
def new_download(request):
    role = downloading_role(request.user)
    form = DownloadForm(request.POST or None, service=request.tenant, role=role)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        download = Download.objects.create(
            requested_by=request.user, collection=data["collection"], record_type=data["record_type"],
            version=data["year"], layout=data["chosen"].id, layout_title=data["chosen"].title, format=data["format"],
            codes=data["codes"], role=role)
        make_download.delay(request.tenant.schema_name, download.pk)
        return redirect("download-detail", pk=download.pk)
    return render(request, "pages/form.html", {"form": form, "page_title": f"Download {request.tenant.nouns}",
                                               "intro": intro(request, role)})


def intro(request, role):
    whose = ("every organisation" if role in ("analyst", "support")
             else "your organisations and the organisations they submit for")
    return (f"The file holds the {request.tenant.nouns} of {whose} for the year you choose, as they are "
            "when it is made.")


@login_required
def download_detail(request, pk):
    download = get_object_or_404(own_downloads(request).select_related("run"), pk=pk)
    done, total = download.progress
    return render(request, "exports/detail.html", {"download": download, "page_title": download.title,
                                                   "done": done, "total": total, "kept_days": settings.DOWNLOADS_KEPT_DAYS,
                                                   "percent": int(100 * done / total) if total else 0})


@login_required
def download_status(request, pk):
    """For the progress page's script; the page itself works without it."""
    download = get_object_or_404(own_downloads(request).select_related("run"), pk=pk)
    done, total = download.progress
    return JsonResponse({"status": download.status, "processed": done, "total": total,
                         "progress": int(100 * done / total) if total else 0})


@login_required
def download_file(request, pk):
    download = get_object_or_404(own_downloads(request).select_related("run"), pk=pk)
    if download.status != "done" or not Path(download.run.path).is_file():
        raise Http404("This file is not ready, or no longer kept")
    path = Path(download.run.path)
    chosen = layouts(download.collection, download.record_type, download.version)[download.layout]
    export_handed_out(request.tenant, Channel.WEB, download.run, chosen.columns_for(download.role),
                      person=request.user, title=download.layout_title)
    extension = FORMATS[download.format][1]
    name = f"{download.collection}-{download.record_type}-{download.version}-{download.layout}.{extension}"
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=content_type)
