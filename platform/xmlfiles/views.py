"""The XML import page (/xml/): a data coordinator uploads their organisation's files
(the data file, and the personal-data file if the layout has one) and sees what was
created, updated and left as it was, or every problem by record, element and question,
with nothing stored. The import runs while the request waits, so each file is limited
to XML_MAX_BYTES; larger files go through `cldc import-xml`."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from cldc.platform import registry
from cldc.platform.forms.choices import changeable_year_choices, year_label
from cldc.platform.organisations import policy
from cldc.platform.xmlfiles.importer import import_files
from cldc.platform.xmlfiles.layout import xml_layout
from cldc.themes.forms import GDSFormMixin

XML_MAX_BYTES = 10 * 1024 * 1024


def layouts_of(service):
    """{(collection, record type, version): XmlLayout} the service's collections declare."""
    found = {}
    for name in service.collections:
        collection = registry.get(name)
        for record_type in collection.record_types:
            for version in collection.versions(record_type):
                try:
                    found[(name, record_type, version)] = xml_layout(name, record_type, version)
                except LookupError:
                    continue
    return found


def coordinated(user):
    """The organisations a person may import files for: those they coordinate and act for."""
    return policy.organisations_managed(user) & policy.organisations_acted_for(user)


def may_import_xml(user, service):
    return bool(layouts_of(service)) and coordinated(user).exists()


class XmlImportForm(GDSFormMixin, forms.Form):
    submit_label = "Import the files"

    kind = forms.ChoiceField(widget=forms.RadioSelect, error_messages={"required": "Select what the files hold"})
    organisation = forms.TypedChoiceField(label="Which organisation are the files for?", coerce=int,
                                          error_messages={"required": "Select the organisation"})
    main = forms.FileField(error_messages={"required": "Select the file", "empty": "The selected file is empty."})
    personal = forms.FileField(required=False, error_messages={"empty": "The selected file is empty."})

    def __init__(self, *args, service, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.layouts = layouts_of(service)
        open_years = {year for year, _ in changeable_year_choices(service)}
        self.fields["kind"].choices = [
            (f"{c}:{rt}:{v}", f"{rt.replace('_', ' ').capitalize()}, {year_label(v)}")
            for (c, rt, v) in self.layouts if v in open_years]
        self.fields["kind"].label = f"Which {service.nouns} and year are in the files?"
        if len(self.fields["kind"].choices) == 1:  # one choice: nothing to ask
            self.fields["kind"].widget = forms.HiddenInput()
            self.fields["kind"].initial = self.fields["kind"].choices[0][0]
        self.fields["organisation"].choices = [("", "Select an organisation")] + [
            (o.pk, o.name) for o in coordinated(user)]
        first = next(iter(self.layouts.values()), None)
        if first is not None:
            self.fields["main"].label = f"The {first.main.title.lower()} file"
            self.fields["main"].help_text = f"XML, up to {XML_MAX_BYTES // (1024 * 1024)} MB"
            if first.personal_file is not None:
                self.fields["personal"].label = f"The {first.personal_file.title.lower()} file (optional)"
                self.fields["personal"].help_text = (f"Matched to the {first.main.title.lower()} on the reference. "
                                                     "Without it, the personal answers stay as they are.")
            else:
                del self.fields["personal"]

    def clean(self):
        for name in ("main", "personal"):
            upload = self.cleaned_data.get(name)
            if upload is not None and upload.size > XML_MAX_BYTES:
                self.add_error(name, f"The selected file must be smaller than {XML_MAX_BYTES // (1024 * 1024)} MB")
        return self.cleaned_data


@login_required
def import_xml(request):
    service = request.tenant
    if not may_import_xml(request.user, service):
        raise PermissionDenied("Only data coordinators import XML files")
    form = XmlImportForm(request.POST or None, request.FILES or None, service=service, user=request.user)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collection, record_type, version = data["kind"].split(":")
        organisation = coordinated(request.user).get(pk=data["organisation"])
        personal = data.get("personal")
        result = import_files(collection, record_type, int(version), organisation, request.user,
                              main=data["main"].read(), personal=personal.read() if personal else None)
        if result.stored:
            form = XmlImportForm(service=service, user=request.user)  # done: the form is ready for the next files
    return render(request, "xmlfiles/import.html", {"form": form, "result": result, "multipart": True,
                                                   "page_title": f"Import {service.nouns} from XML files"})
