"""The Collection resources page (everyone, signed in or not) and support's pages to
release a year's resources, hide them again, and add or remove files. A year not
released is not there for anyone but support (404)."""

from functools import lru_cache

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat

from cldc.platform import registry
from cldc.platform.forms.choices import year_label
from cldc.platform.organisations import policy
from cldc.platform.resources import files
from cldc.platform.resources.models import ExtraFile, Release
from cldc.platform.resources.paper_form import paper_form_pdf
from cldc.themes.forms import GDSFormMixin


def record_type_name(record_type):
    return record_type.replace("_", " ").capitalize()


def years_of(service, with_hidden=False):
    """The service's collection years, newest first: dicts of the collection, version,
    label, whether released, and per record type its definition and extra files. Years
    not released only `with_hidden` (support)."""
    released = set(Release.objects.values_list("collection", "version"))
    extra = {}
    for extra_file in ExtraFile.objects.filter(collection__in=service.collections):
        extra.setdefault((extra_file.collection, extra_file.record_type, extra_file.version), []).append(extra_file)
    several = len(service.collections) > 1
    years = []
    for name in service.collections:
        collection = registry.get(name)
        for version in sorted({v for rt in collection.record_types for v in collection.versions(rt)}, reverse=True):
            if (name, version) not in released and not with_hidden:
                continue
            years.append({
                "collection": name, "version": version, "released": (name, version) in released,
                "label": year_label(version) + (f" ({collection.title})" if several else ""),
                "record_types": [
                    {"record_type": rt, "name": record_type_name(rt), "extra": extra.get((name, rt, version), [])}
                    for rt in collection.record_types if version in collection.versions(rt)],
            })
    return sorted(years, key=lambda year: (-year["version"], year["collection"]))


def year_shown(request, collection, version):
    """A year whose resources this person may have: it must be the service's, and
    released unless they are support. Else 404."""
    if collection not in request.tenant.collections:
        raise Http404("No such collection")
    if not policy.is_support(request.user) and not Release.objects.filter(collection=collection, version=version).exists():
        raise Http404("These resources are not released yet")


def resource_list(request):
    support = policy.is_support(request.user)
    return render(request, "resources/list.html", {
        "page_title": "Collection resources", "years": years_of(request.tenant, with_hidden=support),
        "support": support, "kinds": files.kinds_named(), "max_size": filesizeformat(files.max_bytes())})


@lru_cache(maxsize=16)
def cached_paper_form(collection, record_type, version):
    """Definitions do not change while the service runs: each form is made once."""
    return paper_form_pdf(registry.get(collection).definition(record_type, version))


def paper_form(request, collection, record_type, version):
    year_shown(request, collection, version)
    try:
        registry.get(collection).definition(record_type, version)
    except LookupError:
        raise Http404("No such record type or year") from None
    response = HttpResponse(cached_paper_form(collection, record_type, version), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{collection}_{record_type}_{version}_paper_form.pdf"'
    return response


def extra_file(request, pk):
    kept = get_object_or_404(ExtraFile, pk=pk)
    year_shown(request, kept.collection, kept.version)
    content_type = files.KINDS[kept.kind][0]
    return FileResponse(kept.file.open("rb"), as_attachment=True, filename=kept.filename, content_type=content_type)


@login_required
def release(request, collection, version, hide=False):
    """Release a year's resources to everyone, or hide them again (support)."""
    policy.support_only(request.user)
    if collection not in request.tenant.collections or not any(
            version in registry.get(collection).versions(rt) for rt in registry.get(collection).record_types):
        raise Http404("No such collection year")
    label = year_label(version)
    if request.method == "POST":
        if hide:
            Release.objects.filter(collection=collection, version=version).delete()
            messages.success(request, f"The {label} resources are hidden: only support see them")
        else:
            Release.objects.get_or_create(collection=collection, version=version,
                                          defaults={"released_by": request.user})
            messages.success(request, f"The {label} resources are released: everyone can find them")
        return redirect("resource-list")
    title = f"Hide the {label} resources?" if hide else f"Release the {label} resources?"
    paragraphs = (["Only support will see them until they are released again."] if hide else
                  ["Everyone will find them on the Collection resources page, signed in or not: the paper forms, "
                   "the bulk-upload templates and specifications, and the files added to them."])
    return render(request, "resources/confirm.html", {"page_title": title, "paragraphs": paragraphs,
                                                       "button": "Hide them" if hide else "Release them",
                                                       "warning": hide})


class ExtraFileForm(GDSFormMixin, forms.Form):
    submit_label = "Add file"

    title = forms.CharField(label="What is the file called?", max_length=200,
                            help_text="People see this as the link, like Guidance on rent periods",
                            error_messages={"required": "Enter what the file is called",
                                            "max_length": "The name must be 200 characters or fewer"})
    file = forms.FileField(label="Choose the file", error_messages={"required": "Select a file",
                                                                     "empty": "The selected file is empty"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = f"A {files.kinds_named()}, smaller than {filesizeformat(files.max_bytes())}"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        self.kind = files.checked_kind(upload)
        return upload


@login_required
def add_file(request, collection, record_type, version):
    policy.support_only(request.user)
    if collection not in request.tenant.collections:
        raise Http404("No such collection")
    try:
        registry.get(collection).definition(record_type, version)
    except LookupError:
        raise Http404("No such record type or year") from None
    form = ExtraFileForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        ExtraFile.objects.create(collection=collection, record_type=record_type, version=version,
                                 title=form.cleaned_data["title"], file=upload, kind=form.kind, size=upload.size,
                                 filename=files.download_name(upload.name), uploaded_by=request.user)
        messages.success(request, f"{form.cleaned_data['title']} is added")
        return redirect("resource-list")
    return render(request, "pages/form.html", {
        "form": form, "multipart": True, "page_title": "Add a file",
        "caption": f"{record_type_name(record_type)}, {year_label(version)}"})


@login_required
def remove_file(request, pk):
    policy.support_only(request.user)
    kept = get_object_or_404(ExtraFile, pk=pk)
    if request.method == "POST":
        kept.file.delete(save=False)
        kept.delete()
        messages.success(request, f"{kept.title} is removed")
        return redirect("resource-list")
    return render(request, "resources/confirm.html", {
        "page_title": f"Remove {kept.title}?", "paragraphs": ["Nobody will be able to download it any more."],
        "button": "Remove file", "warning": True})
