"""Support's page "Access to personal data": the service's rows, newest first, filtered
by person, organisation and dates with a plain GET form (no JavaScript), a page at a
time. For anyone else the page does not exist (404)."""

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from cldc.platform.audit.models import PersonalDataAccess
from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Organisation

PER_PAGE = 50


class AccessFilters(forms.Form):
    person = forms.CharField(required=False, label="Person",
                             help_text="Part of a name, an email address or an API key’s name")
    organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Organisation")
    start = forms.DateField(required=False, label="From (YYYY-MM-DD)", error_messages={
        "invalid": "Enter the date from as year-month-day, for example 2026-12-01"})
    end = forms.DateField(required=False, label="To (YYYY-MM-DD)", error_messages={
        "invalid": "Enter the date to as year-month-day, for example 2026-12-31"})

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()  # for crispy-forms-gds's error summary; the page lays the fields out
        self.fields["organisation"].choices = [("", "Any organisation")] + [(o.pk, o.name) for o in organisations]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The date to must be the same as or after the date from")
        return data


@login_required
def access_list(request):
    policy.support_only(request.user)
    rows = PersonalDataAccess.objects.filter(service=request.tenant.schema_name)
    organisations = Organisation.objects.filter(
        pk__in=rows.exclude(organisation=None).values("organisation")).order_by("name")
    filters = AccessFilters(request.GET or None, organisations=organisations)
    if filters.is_valid():
        data = filters.cleaned_data
        if who := data["person"].strip():
            rows = rows.filter(Q(who__icontains=who) | Q(person__name__icontains=who))
        if data["organisation"]:
            rows = rows.filter(organisation_id=data["organisation"])
        if data["start"]:
            rows = rows.filter(at__date__gte=data["start"])
        if data["end"]:
            rows = rows.filter(at__date__lte=data["end"])
    elif filters.is_bound:
        rows = rows.none()
    page = Paginator(rows.select_related("person", "organisation"), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/access_list.html", {
        "page_title": "Access to personal data", "filters": filters, "page": page, "total": page.paginator.count,
        "query": query.urlencode(),
    })
