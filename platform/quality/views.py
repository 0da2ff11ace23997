"""Data quality in real time: the figures of every organisation a person may see for a
collection year, one row each, sortable by each figure with plain links; and the
records behind each figure. Data coordinators see their organisations and their
children, analysts and support every organisation; for anyone else the pages are a
404, as another organisation's drill-down is."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render

from cldc.platform import registry
from cldc.platform.forms.choices import record_type_choices, year_label
from cldc.platform.forms.views import PER_PAGE
from cldc.platform.quality import figures
from cldc.platform.queries.access import raisable_records
from cldc.platform.records.models import Record
from cldc.platform.windows.service import open_for_changes

SORTS = ["organisation", *figures.FIGURE_KEYS]
BEHIND = [*figures.FIGURE_KEYS, "waiting", "corrected"]  # a soft check's own figures too


class YearForm(forms.Form):
    """Which collection year the figures are of: read from the query string."""

    record_type = forms.ChoiceField()
    year = forms.TypedChoiceField(label="Collection year", coerce=int,
                                  error_messages={"required": "Select the collection year",
                                                  "invalid_choice": "Select the collection year"})

    def __init__(self, data, *, service):
        kinds = record_type_choices(service)
        years = sorted({v for name in service.collections for rt in registry.get(name).record_types
                        for v in registry.get(name).versions(rt)}, reverse=True)
        collection, record_type = kinds[0][0].split(":")
        current = open_for_changes(collection, record_type)
        defaults = {"record_type": kinds[0][0], "year": str(current[-1] if current else years[0])}
        super().__init__({**defaults, **{k: v for k, v in data.items() if k in defaults}})
        self.fields["record_type"].choices = kinds
        self.fields["record_type"].label = f"Type of {service.nouns}"
        self.fields["record_type"].error_messages.update(required=f"Select the type of {service.nouns}",
                                                         invalid_choice=f"Select the type of {service.nouns}")
        self.fields["year"].choices = [(year, year_label(year)) for year in years]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        collection, record_type = data["record_type"].split(":")
        if data["year"] not in registry.get(collection).versions(record_type):
            self.add_error("year", f"There is no {year_label(data['year'])} collection year for "
                                   f"{record_type.replace('_', ' ')}; select another year")
            return data
        data["chosen"] = figures.Year(collection, record_type, data["year"])
        return data


def reported_organisations(request):
    """The organisations whose figures the person may see; a 404 for a person who may see none."""
    if not figures.may_see_figures(request.user):
        raise Http404("No data-quality figures for you")
    return figures.organisations_reported_to(request.user)


def may_raise_queries_on(user, records):
    """Whether the person may raise a query on every one of these records: the queries
    page refuses the lot otherwise, so the button is shown only then."""
    ids = {record.pk for record in records}
    return bool(ids) and raisable_records(user).filter(pk__in=ids).count() == len(ids)


@login_required
def national(request):
    organisations = reported_organisations(request)
    form = YearForm(request.GET, service=request.tenant)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "organisation"
    descending = request.GET.get("order") == "desc"
    context = {"form": form, "sort": sort, "descending": descending, "figures": figures.FIGURES,
               "page_title": "Data quality", "national": figures.sees_every_organisation(request.user)}
    if form.is_valid():
        year = form.cleaned_data["chosen"]
        context.update(
            year=year, year_label=year_label(year.version), query=f"record_type={form.cleaned_data['record_type']}"
            f"&year={year.version}", deadline=year.deadline, deadline_passed=year.deadline_passed(),
            rows=figures.rows(year, organisations, sort=sort, descending=descending),
            soft_checks=figures.soft_checks(year, organisations))
    return render(request, "quality/national.html", context)


@login_required
def records_behind(request):
    """The records behind one figure: of one organisation (`organisation`), or of all
    the person's (a soft check's figures, `rule`)."""
    organisations = reported_organisations(request)
    form = YearForm(request.GET, service=request.tenant)
    figure = request.GET.get("figure")
    if not form.is_valid() or figure not in BEHIND:
        raise Http404("No such figure")
    year = form.cleaned_data["chosen"]
    organisation, chosen = None, request.GET.get("organisation", "")
    if chosen:
        if not chosen.isdecimal():
            raise Http404("No such organisation")
        organisation = get_object_or_404(organisations, pk=int(chosen))  # another's is a 404
        organisations = organisations.filter(pk=organisation.pk)
    rule = request.GET.get("rule") or None
    one_checks = figure in ("waiting", "corrected")  # a soft check's figures alone
    if (one_checks and rule is None) or (rule is not None and not (one_checks or figure == "confirmed")):
        raise Http404("No such figure")
    mine = Record.objects.visible_to(request.user).filter(owning_organisation__in=organisations)
    records = figures.records_behind(figure, year, mine, rule=rule).select_related("owning_organisation")
    page = Paginator(records.order_by("pk"), PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    heading = dict(figures.FIGURES).get(figure, figure.capitalize())
    return render(request, "quality/records.html", {
        "page": page, "total": page.paginator.count, "query": query.urlencode(), "organisation": organisation,
        "rule": rule, "heading": heading, "year_label": year_label(year.version), "year": year,
        "national_query": f"record_type={form.cleaned_data['record_type']}&year={year.version}",
        "may_raise_queries": may_raise_queries_on(request.user, page.object_list),
        "page_title": f"{heading}: {organisation.name if organisation else 'all your organisations'}, "
                      f"{year_label(year.version)}",
    })
