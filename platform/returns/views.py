"""Returns in the web service, under /returns/: the returns of the organisations a
person sees (access.py), one return's page with the records that belong and why, the
records left out, the changes since its submission and since the last period, and the
steps (workflow.py) as POST-only buttons for those who may take them."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from cldc.platform import registry
from cldc.platform.content.models import GuidancePage
from cldc.platform.people.models import StaffRole
from cldc.platform.quality.figures import sees_every_organisation
from cldc.platform.records.models import Record
from cldc.platform.returns import access, workflow
from cldc.platform.returns.declarations import Period, service_returns
from cldc.platform.returns.forms import ChoiceForm, ReopenForm
from cldc.platform.returns.membership import (
    candidates, differences_between, frozen_values, included_counts, included_values, refresh, return_for, shown)
from cldc.platform.returns.models import Return, Status
from cldc.platform.returns.report_tables import report_tables_of

RECORDS_PER_PAGE = 100  # of the records in a return, on its page

# --- The list -----------------------------------------------------------------------------


def listed_organisations(user, declared):
    """The organisations whose returns a person is shown: those they act for that make
    returns of this kind (`made_by`); for analysts and support (who see every
    organisation's), those that have records of the type, not every organisation there is."""
    shown_to = access.organisations_with_returns(user).filter(type__in=declared.made_by)
    if user.staff_role in (StaffRole.ANALYST, StaffRole.SUPPORT):
        owners = Record.objects.filter(collection=declared.collection, record_type=declared.record_type)
        shown_to = shown_to.filter(pk__in=owners.values("owning_organisation"))
    return shown_to.order_by("name")


@login_required
def return_list(request):
    declared_all = service_returns(request.tenant)
    if not declared_all:
        raise Http404("This service takes no returns")
    today = timezone.localdate()
    groups = []
    for declared in declared_all:
        organisations = list(listed_organisations(request.user, declared))
        made = {(r.organisation_id, r.year, r.number): r for r in Return.objects.filter(
            collection=declared.collection, record_type=declared.record_type, organisation__in=organisations)}
        rows = []
        for organisation in organisations:
            returns = {period: made.get((organisation.pk, period.year, period.number))
                       or return_for(declared, organisation, period) for period in declared.periods(today)}
            counts = included_counts(declared, organisation, [r for r in returns.values() if r.is_open],
                                     request.user)
            for period, existing in returns.items():
                snapshot = existing.latest_snapshot()
                count = counts[existing] if existing in counts else snapshot.records.count()
                rows.append({"organisation": organisation, "period": period, "status": existing.get_status_display(),
                             "count": count, "version": snapshot.version if snapshot else None,
                             "ended": period.end < today})
        national = (sees_every_organisation(request.user)
                    and report_tables_of(declared.collection, declared.record_type) is not None)
        groups.append({"declared": declared, "rows": rows, "makers": declared.made_by_label(),
                       "national_periods": declared.periods(today) if national else []})
    return render(request, "returns/list.html", {"groups": groups, "page_title": "Returns"})


# --- A return -----------------------------------------------------------------------------


def the_return(request, pk, collection, record_type, period):
    """(declared, organisation, period, Return) for a URL, or a 404: a service,
    organisation or period the person may not see is no different from none, nor is an
    organisation that makes no returns of this kind (`made_by`). The Return is made the
    first time it is read, open, to keep its ReturnMembers."""
    declared = next((d for d in service_returns(request.tenant)
                     if (d.collection, d.record_type) == (collection, record_type)), None)
    found = Period.from_key(period)
    if declared is None or found is None or found not in declared.periods(timezone.localdate()):
        raise Http404("No such return")
    organisation = get_object_or_404(access.organisations_with_returns(request.user), pk=pk)
    if not declared.is_made_by(organisation):
        raise Http404("This organisation makes no returns of this kind")
    return declared, organisation, found, return_for(declared, organisation, found)


def field_label(declared, version, name):
    """A variable as people read it: its question's label (with the option, for a tick
    box's), or the derived value's label."""
    package = registry.get(declared.collection)
    question = package.definition(declared.record_type, version).variables.get(name)
    if question is not None:
        label = question.label or question.text or question.id
        return f"{label}: {question.label_for(name)}" if question.type == "checkbox" else label
    derivation = next((d for d in package.rule_pack(declared.record_type, version).derivations if d.id == name), None)
    return (derivation.label or name) if derivation else name


def changes_from_previous_period(declared, organisation, period, now, versions):
    """(Differences, {record id: [changed field labels]}) between the previous period's
    latest snapshot and `now` (a query of values: membership.frozen_values or
    included_values); (None, {}) if it has none. `versions`: {record id: its definition
    version}, for the labels of the changed records."""
    previous = Return.objects.filter(organisation=organisation, collection=declared.collection,
                                     record_type=declared.record_type, year=period.previous().year,
                                     number=period.previous().number).first()
    snapshot = previous.latest_snapshot() if previous else None
    if snapshot is None:
        return None, {}
    found = differences_between(frozen_values(snapshot), now)
    version_of = versions(found.changed)
    return found, {number: [field_label(declared, version_of[number], name) for name in names]
                   for number, names in found.changed.items()}


@login_required
def return_detail(request, pk, collection, record_type, period):
    return detail_page(request, *the_return(request, pk, collection, record_type, period))


def detail_page(request, declared, organisation, period, made, choice_form=None, reopen_form=None):
    user, service = request.user, request.tenant
    refresh(declared, [made])
    is_open = made.is_open
    snapshot = made.latest_snapshot()
    since_submission, _ = workflow.changed_since_submission(made, user)
    members = shown(made, user)

    # This period (frozen once submitted; while open, as it would be submitted now) against the previous one.
    if is_open:
        now = included_values(made, user)

        def versions(numbers):
            return dict(Record.objects.filter(pk__in=list(numbers)).values_list("pk", "version"))
    else:
        now = frozen_values(snapshot)

        def versions(numbers):
            return dict(snapshot.records.filter(record_number__in=list(numbers)).values_list("record_number",
                                                                                            "version"))
    since_last_period, changed_fields = changes_from_previous_period(declared, organisation, period, now, versions)

    may_prepare = access.may_prepare(user, organisation, declared)
    signs_off = access.may_sign_off(user, organisation, declared)
    # A large organisation's return holds thousands: a page of them at a time, read from stored rows.
    added = set(since_submission.new) if since_submission else set()
    included_page = Paginator(included_rows(members, snapshot, is_open), RECORDS_PER_PAGE).get_page(
        request.GET.get("page"))
    included_page.object_list = [row(*found) for found in included_page.object_list]
    for listed in included_page.object_list:
        listed["late"] = listed["late"] or listed["number"] in added
    events = list(made.events.select_related("by", "record"))
    return render(request, "returns/detail.html", {
        "declared": declared, "organisation": organisation, "period": period, "made": made,
        "status": made.get_status_display(), "is_open": is_open,
        "included": included_page.object_list, "page": included_page,
        "excluded": [row(m.record_id, m.reference, m.reasons) for m in
                     members.filter(listed=True, included=False).order_by("record_id")],
        "snapshot": snapshot, "since_submission": since_submission,
        "since_last_period": since_last_period, "changed_fields": changed_fields,
        "previous_submitted": since_last_period is not None,
        "events": events,
        "may_choose": may_prepare and is_open,
        "may_submit": may_prepare and is_open and period.end < timezone.localdate(),
        "may_sign_off": made.status == Status.SUBMITTED and signs_off,
        "signs_off": signs_off,
        "sign_off_guidance": sign_off_guidance_url(request, declared) if signs_off else None,
        "may_reopen": not is_open and access.may_reopen(user, organisation, declared),
        "choice_form": choice_form or ChoiceForm(records=Record.objects.none(), noun=service.noun, nouns=service.nouns),
        "reopen_form": reopen_form or ReopenForm(),
        "page_title": f"Return for {period.long_label}",
        "has_report": report_tables_of(declared.collection, declared.record_type) is not None,
    })


def sign_off_guidance_url(request, declared):
    """The URL of the service's live guidance page that the returns file names for
    those who sign off (`sign_off_guidance`), or None: a content designer may have
    unpublished or moved it."""
    if not declared.sign_off_guidance:
        return None
    page = GuidancePage.objects.live().filter(slug=declared.sign_off_guidance).first()
    return page.get_url(request) if page else None


def row(number, reference, reasons, late=False, revised=False):
    return {"number": number, "reference": reference, "reasons": reasons, "late": late, "revised": revised}


def included_rows(members, snapshot, is_open):
    """The records in the return, as tuples for row(): as submitted (the snapshot's
    rows) once submitted; while open, as they would be submitted now (its ReturnMembers)."""
    if is_open:
        return members.filter(included=True).order_by("record_id").values_list("record_id", "reference", "reasons")
    return snapshot.records.order_by("record_number").values_list(
        "record_number", "reference", "reasons", "late", "revised")


def step(request, pk, collection, record_type, period, allowed):
    """The return of a POST, if this person may take the step (else a 403)."""
    declared, organisation, found, made = the_return(request, pk, collection, record_type, period)
    if not allowed(request.user, organisation, declared):
        raise PermissionDenied("You may see this return but not take this step")
    return declared, organisation, found, made


def back(request, organisation, declared, period):
    return redirect("return-detail", pk=organisation.pk, collection=declared.collection,
                    record_type=declared.record_type, period=period.key)


def refused_or_done(request, do, done):
    try:
        do()
    except workflow.StepRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, done)


@login_required
@require_POST
def choose(request, pk, collection, record_type, period):
    declared, organisation, found, made = step(request, pk, collection, record_type, period, access.may_prepare)
    form = ChoiceForm(request.POST, records=candidates(declared, organisation, request.user),
                      noun=request.tenant.noun, nouns=request.tenant.nouns)
    if not form.is_valid():
        return detail_page(request, declared, organisation, found, made, choice_form=form)
    data = form.cleaned_data
    refused_or_done(request, lambda: workflow.choose(declared, organisation, found, request.user, data["record"],
                                                     form.include, data["reason"].strip()),
                    f"{request.tenant.noun.capitalize()} {data['record'].pk}: choice saved")
    return back(request, organisation, declared, found)


@login_required
@require_POST
def submit(request, pk, collection, record_type, period):
    declared, organisation, found, made = step(request, pk, collection, record_type, period, access.may_prepare)
    refused_or_done(request, lambda: workflow.submit(declared, organisation, found, request.user), "Return submitted")
    return back(request, organisation, declared, found)


@login_required
@require_POST
def sign_off(request, pk, collection, record_type, period):
    declared, organisation, found, made = step(request, pk, collection, record_type, period, access.may_sign_off)
    refused_or_done(request, lambda: workflow.sign_off(declared, organisation, found, request.user),
                    "Return signed off")
    return back(request, organisation, declared, found)


@login_required
@require_POST
def reopen(request, pk, collection, record_type, period):
    declared, organisation, found, made = step(request, pk, collection, record_type, period, access.may_reopen)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return detail_page(request, declared, organisation, found, made, reopen_form=form)
    refused_or_done(request, lambda: workflow.reopen(declared, organisation, found, request.user,
                                                     form.cleaned_data["reason"].strip()), "Return reopened")
    return back(request, organisation, declared, found)

