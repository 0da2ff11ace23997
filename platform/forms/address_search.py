"""/logs/<pk>/address-search/: find the log's address by its postcode (and a building
name or number), choose it, and the address questions, the UPRN and the local authority
are answered from it; or enter the address manually. GOV.UK's address lookup pattern,
without JavaScript: a GET shows the addresses found, a POST saves the one chosen.

The address question (`type: address`) names the questions an address answers, in the
definition (docs/places.md):

    - id: property_reference
      type: address
      address_fields: {line1: street, line2: locality, town: town, postcode: postcode}

Off (no address search set up), the page says so and sends the person to the address
questions."""

from django import forms
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cldc.platform.forms.logs import Log, changeable_log
from cldc.platform.places import lookup
from cldc.platform.places.fill import fill_local_authority
from cldc.platform.records.gateway import StaleRecord, WindowClosed, submit

ADDRESS_PARTS = ("line1", "line2", "town", "postcode")
CHOSEN_MESSAGE = "The address was filled in from the one you chose: {address}. You can change it."


class SearchForm(forms.Form):
    postcode = forms.CharField(max_length=16, error_messages={"required": "Enter a postcode"})
    building = forms.CharField(max_length=100, required=False)

    def clean_postcode(self):
        postcode = lookup.normalised_postcode(self.cleaned_data["postcode"])
        if not lookup.POSTCODE_SHAPE.match(postcode):
            raise forms.ValidationError("Enter a full UK postcode, like SW1A 2AA")
        return postcode


def address_question(definition):
    """The definition's address question (one with `address_fields`), or None."""
    return next((q for q in definition.questions.values() if q.extra.get("address_fields")), None)


def address_search_links(log, page):
    """For the page of the address question: the search's link, or that it is off."""
    question = address_question(log.definition)
    if question is None or question.page.id != page.id:
        return None
    return {"on": lookup.address_search_on(), "url": reverse("log-address-search", kwargs={"pk": log.record.pk}),
            "manual_url": _manual_url(log, question)}


def _manual_url(log, question):
    page = log.definition.variables[question.extra["address_fields"]["line1"]].page
    return reverse("log-page", kwargs={"pk": log.record.pk, "step": page.id})


def _one_line(address):
    return ", ".join(part for part in (address.line1, address.line2, address.town, address.postcode) if part)


def address_search(request, pk):
    log = Log(changeable_log(request, pk))
    question = address_question(log.definition)
    if question is None:
        raise Http404("This record has no address to search for")
    context = {"log": log, "question": question, "manual_url": _manual_url(log, question),
               "on": lookup.address_search_on(), "caption": question.page.subsection.label}
    if not context["on"]:
        return render(request, "forms/address_search.html", context)
    data = request.POST if request.method == "POST" else request.GET
    search = SearchForm(data if "postcode" in data else None)
    context["search"] = search
    if not search.is_bound or not search.is_valid():
        return render(request, "forms/address_search.html", context)
    postcode, building = search.cleaned_data["postcode"], search.cleaned_data["building"]
    try:
        found = lookup.addresses_at_postcode(postcode, building)
    except lookup.LookupUnavailable as unavailable:
        context["problem"] = str(unavailable)
        return render(request, "forms/address_search.html", context)
    context.update(found=[{"uprn": a.uprn, "text": _one_line(a)} for a in found], postcode=postcode, building=building,
                   lock_version=log.record.lock_version)
    if request.method != "POST":
        return render(request, "forms/address_search.html", context)
    chosen = next((a for a in found if a.uprn == request.POST.get("uprn")), None)
    if chosen is None:
        context["choice_error"] = "Select an address, or enter the address manually"
        return render(request, "forms/address_search.html", context)
    return _save(request, log, question, chosen, context)


def _save(request, log, question, address, context):
    fields = question.extra["address_fields"]
    answers = {question.id: address.uprn, **{fields[part]: getattr(address, part) or None
                                              for part in ADDRESS_PARTS if fields.get(part)}}
    answers, looked_up = fill_local_authority(log.definition, log.record.answers, answers)
    try:
        outcome = submit(log.record, answers, source="form", user=request.user,
                         expected_version=int(request.POST.get("lock_version") or -1))
    except StaleRecord:
        context["problem"] = (f"This {request.tenant.noun} has changed since you opened this page: someone else "
                              "saved it. Choose the address again.")
        context["lock_version"] = Log(changeable_log(request, log.record.pk)).record.lock_version
        return render(request, "forms/address_search.html", context)
    except WindowClosed as closed:
        context["problem"] = str(closed)
        return render(request, "forms/address_search.html", context)
    refused = [e["message"] for e in outcome.errors if e["field"] in answers]
    if refused:
        context["problem"] = " ".join(refused)
        return render(request, "forms/address_search.html", context)
    # One banner: two would be two landmarks of the same name.
    messages.info(request, " ".join(filter(None, [CHOSEN_MESSAGE.format(address=_one_line(address)), looked_up])))
    return redirect(context["manual_url"])  # the address as filled in, to check or change
