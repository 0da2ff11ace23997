"""Queries to providers in the web service: raising one on a log (or one for each of
several logs), the query's page with its history, answering, resolving and reopening,
and the list of queries. Who may do what: access.py; what each step records:
workflow.py."""

import re
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.text import capfirst
from django.views.decorators.http import require_POST

from cldc.platform.forms.logs import Log, visible_log
from cldc.platform.organisations.models import Organisation
from cldc.platform.queries import access, workflow
from cldc.platform.queries.forms import RaiseForm, RaiseManyForm, ReopenForm, ReplyForm
from cldc.platform.queries.models import Query, Status
from cldc.platform.records.models import Record, owned_or_managed_by

PER_PAGE = 20
LOG_ID = re.compile(r"[0-9]{1,18}")  # a record's id as posted: digits that fit a bigint
AGES = [("", "Any age"), ("7", "Raised more than 7 days ago"), ("30", "Raised more than 30 days ago")]


# --- Raising -----------------------------------------------------------------------------


@login_required
def new_query(request, pk):
    log = Log(visible_log(request, pk))  # a log they cannot see: 404
    noun = request.tenant.noun
    if not access.may_raise(request.user, log.record):
        raise PermissionDenied(f"You can see this {noun} but not raise a query on it")
    form = RaiseForm(request.POST or None, log=log, noun=noun)
    if request.method == "POST" and form.is_valid():
        query = workflow.raise_query(request, log, form.cleaned_data["message"], form.cleaned_data["question"])
        messages.success(request, "Query raised")
        return redirect("query-detail", pk=query.pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Raise a query about this {noun}", "caption": f"{capfirst(noun)} {log.record.pk}",
        "intro": f"The people who may change this {noun} are told by email that there is a query, without its words "
                 "or any answers; they read and answer it here."})


@login_required
@require_POST
def new_queries(request):
    """A query on each of the logs posted as `records` (from a page that found them,
    such as a data-quality figure), with one message. Every log must be one the person
    may raise a query on: any other makes the whole request a 404."""
    ids = request.POST.getlist("records")
    if not ids or not all(LOG_ID.fullmatch(value) for value in ids):
        raise Http404("No logs to raise queries on")
    ids = {int(value) for value in ids}
    records = list(access.raisable_records(request.user).filter(pk__in=ids).order_by("pk"))
    if len(records) != len(ids):
        raise Http404("Not every log is one you may raise a query on")
    form = RaiseManyForm(request.POST if "message" in request.POST else None, records=records)
    nouns = request.tenant.nouns if len(records) > 1 else request.tenant.noun
    if form.is_bound and form.is_valid():
        with transaction.atomic():  # every query, or none
            for record in records:
                workflow.raise_query(request, Log(record), form.cleaned_data["message"])
        messages.success(request, f"{len(records)} {'queries' if len(records) > 1 else 'query'} raised")
        return redirect(f"{reverse('query-list')}?{urlencode({'status': Status.OPEN})}")
    return render(request, "queries/new_many.html", {
        "form": form, "records": records, "page_title": f"Raise a query about {len(records)} {nouns}"})


# --- A query -------------------------------------------------------------------------------


def visible_query(request, pk):
    return get_object_or_404(
        Query.objects.visible_to(request.user).select_related(
            "record__owning_organisation", "record__managing_organisation", "raised_by"), pk=pk)


@login_required
def query_detail(request, pk):
    return detail_page(request, visible_query(request, pk))


def detail_page(request, query, reply_form=None, reopen_form=None):
    log = Log(query.record)
    question = log.definition.questions.get(query.question) if query.question else None
    may_answer = access.may_answer(request.user, query)
    history = [{"at": event.at, "by": event.by, "kind": event.get_kind_display(), "text": event.text}
               for event in query.events.select_related("by")]
    history += [{"at": revision.created_at, "by": revision.user,
                 "kind": "Changed the answer" if question else f"Changed the {request.tenant.noun}", "text": "",
                 "source": revision.get_source_display()} for revision in query.changes_since_raised()]
    history.sort(key=lambda entry: entry["at"])
    correct_url = ""
    if question is not None and may_answer and question.page is not None:
        here = reverse("query-detail", kwargs={"pk": query.pk})
        page = reverse("log-page", kwargs={"pk": query.record_id, "step": question.page.id})
        correct_url = f"{page}?{urlencode({'return_to': here})}"
    return render(request, "queries/detail.html", {
        "query": query, "log": log, "question": question, "answer_now": log.display(question) if question else "",
        "history": history, "may_answer": may_answer, "may_settle": access.may_settle(request.user, query),
        "correct_url": correct_url, "reply_form": reply_form or ReplyForm(noun=request.tenant.noun),
        "reopen_form": reopen_form or ReopenForm(),
        "page_title": f"Query {query.pk}",
    })


def answerable_query(request, pk):
    query = visible_query(request, pk)
    if not access.may_answer(request.user, query):
        raise PermissionDenied(f"Only the people who may change this {request.tenant.noun} answer its queries")
    return query


def settleable_query(request, pk):
    query = visible_query(request, pk)
    if not access.may_settle(request.user, query):
        raise PermissionDenied("Only the person who raised this query, or an analyst, may resolve or reopen it")
    return query


@login_required
@require_POST
def reply(request, pk):
    query = answerable_query(request, pk)
    if query.status == Status.RESOLVED:
        messages.error(request, "This query has been resolved: it takes no more answers unless it is reopened")
        return redirect("query-detail", pk=pk)
    form = ReplyForm(request.POST, noun=request.tenant.noun)
    if not form.is_valid():
        return detail_page(request, query, reply_form=form)
    workflow.answer(request, query, form.cleaned_data["text"])
    messages.success(request, "Your answer has been sent")
    return redirect("query-detail", pk=pk)


@login_required
@require_POST
def resolve(request, pk):
    query = settleable_query(request, pk)
    if query.status != Status.RESOLVED:  # a second click changes nothing
        workflow.resolve(request, query)
        messages.success(request, "Query resolved")
    return redirect("query-detail", pk=pk)


@login_required
@require_POST
def reopen(request, pk):
    query = settleable_query(request, pk)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        return detail_page(request, query, reopen_form=form)
    if query.status == Status.RESOLVED:
        workflow.reopen(request, query, form.cleaned_data["text"])
        messages.success(request, "Query reopened")
    return redirect("query-detail", pk=pk)


# --- The list ------------------------------------------------------------------------------


class QueryFilters(forms.Form):
    status = forms.ChoiceField(required=False, choices=[("", "Any status")] + list(Status.choices))
    organisation = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    age = forms.ChoiceField(required=False, choices=AGES, label="Raised")

    def __init__(self, *args, queries, **kwargs):
        super().__init__(*args, **kwargs)
        ids = {pk for pair in queries.values_list("record__owning_organisation", "record__managing_organisation")
               for pk in pair if pk is not None}
        self.fields["organisation"].choices = [("", "Any organisation")] + [
            (o.pk, o.name) for o in Organisation.objects.filter(pk__in=ids).order_by("name")]

    def apply(self, queries):
        if not self.is_valid():
            return queries
        data = self.cleaned_data
        if data["status"]:
            queries = queries.filter(status=data["status"])
        if data["organisation"]:
            queries = queries.filter(record__in=Record.objects.filter(owned_or_managed_by([data["organisation"]])))
        if data["age"]:
            queries = queries.filter(raised_at__lt=timezone.now() - timedelta(days=int(data["age"])))
        return queries


@login_required
def query_list(request):
    """Analysts see every query; anyone else, the queries on the logs they see: a
    coordinator's organisations and their children, a provider's own."""
    visible = Query.objects.visible_to(request.user)
    filters = QueryFilters(request.GET or None, queries=visible)
    queries = filters.apply(visible).select_related("record__owning_organisation", "raised_by")
    page = Paginator(queries, PER_PAGE).get_page(request.GET.get("page"))
    kept = request.GET.copy()
    kept.pop("page", None)
    return render(request, "queries/list.html", {
        "filters": filters, "page": page, "total": page.paginator.count, "query": kept.urlencode(),
        "page_title": "Queries"})
