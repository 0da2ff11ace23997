"""Support's pages for a service's banners (add, change with check your answers, remove),
a banner's own page, and dismissing a banner. Only support have the banner pages: for
anyone else they do not exist (404)."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cldc.platform.notices.forms import BannerForm, initial_from
from cldc.platform.notices.models import Banner, Dismissal
from cldc.platform.organisations import policy

DRAFT = "banner_draft"  # the banner being checked, in the session: {"pk": None for a new one, **fields}
DISMISSED = "dismissed_banners"  # banners dismissed by someone not signed in, in their session
FIELDS = ("title", "link_text", "page_content", "starts_on", "ends_on", "before_sign_in")


@login_required
def banner_list(request):
    policy.support_only(request.user)
    today = timezone.localdate()
    banners = list(Banner.objects.all())
    return render(request, "notices/list.html", {
        "page_title": "Notification banners",
        "current": [b for b in banners if b.starts_on <= today <= b.ends_on],
        "upcoming": [b for b in banners if b.starts_on > today],
        "past": [b for b in banners if b.ends_on < today],
    })


@login_required
def banner_edit(request, pk=None):
    policy.support_only(request.user)
    banner = get_object_or_404(Banner, pk=pk) if pk else None
    draft = request.session.get(DRAFT)
    if request.GET.get("from") == "check" and draft and draft["pk"] == pk:
        initial = initial_from(draft)
    elif banner:
        initial = initial_from({name: getattr(banner, name) for name in FIELDS})
    else:
        initial = {}
    form = BannerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        request.session[DRAFT] = {"pk": pk, **form.as_draft()}
        return redirect("banner-check")
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Change a banner" if banner else "Add a banner",
        "caption": "Notification banners"})


@login_required
def banner_check(request):
    """Check your answers: the banner as people will see it, and each answer with a
    link to change it; saving makes or changes the banner."""
    policy.support_only(request.user)
    draft = request.session.get(DRAFT)
    if not draft:
        return redirect("banner-list")
    banner = get_object_or_404(Banner, pk=draft["pk"]) if draft["pk"] else Banner(created_by=request.user)
    for name in FIELDS:
        setattr(banner, name, draft[name])
    banner.starts_on, banner.ends_on = (dt.date.fromisoformat(draft[name]) for name in ("starts_on", "ends_on"))
    if request.method == "POST":
        banner.save()
        del request.session[DRAFT]
        messages.success(request, "The banner is saved" if draft["pk"] else "The banner is added")
        return redirect("banner-list")
    change_url = (reverse("banner-change", args=[draft["pk"]]) if draft["pk"] else reverse("banner-new")) + "?from=check"
    return render(request, "notices/check.html", {"page_title": "Check the banner before you save it",
                                                   "banner": banner, "change_url": change_url})


@login_required
def banner_remove(request, pk):
    policy.support_only(request.user)
    banner = get_object_or_404(Banner, pk=pk)
    if request.method == "POST":
        banner.delete()
        messages.success(request, "The banner is removed")
        return redirect("banner-list")
    return render(request, "notices/remove.html", {"page_title": "Are you sure you want to remove this banner?",
                                                    "banner": banner})


def visible_banners(request):
    """The banners whose pages this person may open: support, any; others, those showing
    today to them (dismissed or not: a dismissed banner's page still answers its link)."""
    if policy.is_support(request.user):
        return Banner.objects.all()
    showing = Banner.objects.showing_on(timezone.localdate())
    return showing if request.user.is_authenticated else showing.filter(before_sign_in=True)


def banner_page(request, pk):
    banner = get_object_or_404(visible_banners(request).exclude(page_content=""), pk=pk)
    return render(request, "notices/page.html", {"page_title": banner.link_text, "banner": banner})


@require_POST
def dismiss(request, pk):
    """Dismiss a banner for good (a form, so it works without JavaScript), and go back
    to the page the person was on."""
    banner = get_object_or_404(visible_banners(request), pk=pk)
    if request.user.is_authenticated:
        Dismissal.objects.get_or_create(banner=banner, user=request.user)
    else:
        request.session[DISMISSED] = sorted({*request.session.get(DISMISSED, []), banner.pk})
    following = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(following, {request.get_host()}, require_https=request.is_secure()):
        following = "/"
    return redirect(following)
