"""The quality report pages (report.py): a return's report, beside its return page and
seen by whoever sees the return (access.py, through views.the_return: anyone else gets
a 404); the records behind one figure, only those Record.visible_to gives the person;
and the national tables of a quarter, for those who see every organisation (analysts
and support, as the data-quality pages say), one row per organisation."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from cldc.platform.forms.views import PER_PAGE
from cldc.platform.quality.figures import sees_every_organisation
from cldc.platform.returns import access
from cldc.platform.returns.declarations import Period, service_returns
from cldc.platform.returns.report import (
    latest_snapshots, national, records_behind, report, return_sources, version_for)
from cldc.platform.returns.report_tables import laid_out, report_tables_of
from cldc.platform.returns.views import the_return


def reported(declared):
    tables = report_tables_of(declared.collection, declared.record_type)
    if tables is None:
        raise Http404("This return has no quality report")
    return tables


def header(layout):
    """The table's heading rows: [(label, rowspan, colspan)] for the first, and the
    columns under a titled block for the second (empty when no block has a title)."""
    columns = list(layout.columns[1:])
    if not layout.headings:
        return [(column.label, 1, 1) for column in layout.columns], []
    top, below, place = [(layout.columns[0].label, 2, 1)], [], 0
    for heading in layout.headings:
        under = columns[place:place + heading.span]
        place += heading.span
        if heading.title:
            top.append((heading.title, 1, heading.span))
            below += [column.label for column in under]
        else:
            top += [(column.label, 2, 1) for column in under]
    return top, below


@login_required
def return_report(request, pk, collection, record_type, period):
    declared, organisation, found, made = the_return(request, pk, collection, record_type, period)
    reported(declared)
    current, previous, frozen = return_sources(request.user, declared, organisation, found, made)
    figures = report(declared, organisation, found, current, previous, organisation.name)
    return render(request, "returns/report.html", {
        "declared": declared, "organisation": organisation, "period": found, "made": made, "frozen": frozen,
        "snapshot": made.latest_snapshot() if frozen else None, "has_previous": previous is not None,
        "tables": [(f, *header(f.layout)) for f in figures], "flagged": sum(f.flagged for f in figures),
        "page_title": f"Quality report for {found.long_label}",
    })


@login_required
def figure_records(request, pk, collection, record_type, period, table):
    declared, organisation, found, made = the_return(request, pk, collection, record_type, period)
    tables = reported(declared)
    if tables.table(table) is None:
        raise Http404("No such table")
    layout = laid_out(tables, table, version_for(declared, found))
    column = layout.column(request.GET.get("column", "total"))
    row = request.GET.get("row", "")
    rows = {key for key, _ in layout.rows} | {"total"} if layout.rows else {""}
    if column is None or row not in rows:
        raise Http404("No such figure")
    current, _, frozen = return_sources(request.user, declared, organisation, found, made)
    listed = records_behind(layout, current, found, row, column, request.user)
    page = Paginator(listed, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    row_label = dict(layout.rows).get(row, "Total") if layout.rows else ""
    return render(request, "returns/report_records.html", {
        "declared": declared, "organisation": organisation, "period": found, "layout": layout, "column": column,
        "row_label": row_label, "page": page, "total": page.paginator.count, "query": query.urlencode(),
        "frozen": frozen, "page_title": f"{layout.table.id}: {column.label}",
    })


def national_quarter(request, collection, record_type, period):
    """(declared, Period) of the national tables asked for: a 404 for someone who does not
    see every organisation, or a return or quarter there is not, or one without a report."""
    if not sees_every_organisation(request.user):
        raise Http404("No national figures for you")
    declared = next((d for d in service_returns(request.tenant)
                     if (d.collection, d.record_type) == (collection, record_type)), None)
    found = Period.from_key(period)
    if declared is None or found is None or found not in declared.periods(timezone.localdate()):
        raise Http404("No such quarter")
    reported(declared)
    return declared, found


@login_required
def national_report(request, collection, record_type, period):
    declared, found = national_quarter(request, collection, record_type, period)
    organisations = list(access.organisations_with_returns(request.user).order_by("name"))
    snapshots = latest_snapshots(organisations, declared, found)
    tables = [(layout, [(organisation, list(zip(layout.columns, counts))) for organisation, counts in rows], totals,
               *header(layout)) for layout, rows, totals in national(declared, found, snapshots, organisations)]
    return render(request, "returns/report_national.html", {
        "declared": declared, "period": found, "tables": tables, "returns": len(snapshots),
        "periods": declared.periods(timezone.localdate()),
        "page_title": f"National quality report for {found.long_label}",
    })
