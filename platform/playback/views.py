"""Each organisation's figures in the web service, under /figures/. A person sees the
figures of the organisations they act for (policy.organisations_acted_for: their own
and their children; support, every one) and analysts of every organisation; any other
organisation is a 404."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from cldc.platform.forms.choices import year_label
from cldc.platform.organisations import policy
from cldc.platform.playback.declarations import service_figures
from cldc.platform.playback.figures import playback
from cldc.platform.windows.service import window_for


def may_see_figures(user, service):
    return bool(service_figures(service)) and policy.organisations_with_figures_for(user).exists()


def declared_figures(service):
    found = service_figures(service)
    if not found:
        raise Http404("This service shows no figures")
    return found


@login_required
def choose_organisation(request):
    declared_figures(request.tenant)
    shown = policy.organisations_with_figures_for(request.user)
    name = request.GET.get("name", "").strip()
    if not name and shown.count() == 1:
        return redirect("figures-organisation", pk=shown.get().pk)
    listed = shown.filter(name__icontains=name) if name else shown
    return render(request, "playback/organisations.html", {
        "page_title": "Organisations' figures", "organisations": listed.order_by("name"), "name": name,
        "searchable": shown.count() > 10})


@login_required
def organisation_figures(request, pk, collection=None, record_type=None, version=None):
    organisation = get_object_or_404(policy.organisations_with_figures_for(request.user), pk=pk)
    found = declared_figures(request.tenant)
    if collection is None:
        declared = current(found)
    else:
        declared = next((f for f in found if (f.collection, f.record_type, f.version) == (collection, record_type,
                                                                                           version)), None)
        if declared is None:
            raise Http404("No such figures")
    today = timezone.localdate()
    result = playback(declared, organisation, request.user)
    others = [(f, year_label(f.version)) for f in found if f != declared]
    return render(request, "playback/figures.html", {
        "page_title": f"Figures for {organisation.name}", "result": result, "declared": declared,
        "year": year_label(declared.version), "others": others,
        "days_left": (result.deadline - today).days if result.deadline else None,
        "several": policy.organisations_with_figures_for(request.user).count() > 1})


def current(found):
    """The newest year whose window has opened (the one being collected), else the newest."""
    today = timezone.localdate()
    for declared in found:
        window = window_for(declared.collection, declared.record_type, declared.version)
        if window is None or window.opens_on <= today:
            return declared
    return found[0]
