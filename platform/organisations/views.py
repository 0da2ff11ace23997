"""Providers' own organisation pages: details, relationships and people.
Data coordinators invite and manage their organisation's people here. Every
lookup goes through the policy module, so another organisation is a 404."""

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.organisations import agreements, merges, policy
from cldc.platform.organisations.forms import EditPersonForm, InvitePersonForm, MergeForm, OrganisationDataForm
from cldc.platform.organisations.models import Membership, OptionsInUse, Organisation, OrganisationRelationship
from cldc.platform.people.invitations import invite, send_invitation, tell_of_new_organisation
from cldc.platform.people.models import User
from cldc.platform.records.models import Record
from cldc.platform.registers import store
from cldc.platform.tenancy.models import Service


def _organisation(request, pk):
    return get_object_or_404(policy.organisations_visible_to(request.user), pk=pk)


def _managed_organisation(request, pk):
    return get_object_or_404(policy.organisations_managed(request.user), pk=pk)


def _managed_membership(request, organisation, user_pk):
    return get_object_or_404(
        Membership.objects.select_related("user").filter(user__in=policy.people_managed(request.user)),
        organisation=organisation,
        user_id=user_pk,
    )


@login_required
def organisation_list(request):
    organisations = policy.organisations_visible_to(request.user)
    if organisations.count() == 1:
        return redirect("organisation-detail", pk=organisations.get().pk)
    return render(request, "organisations/list.html", {"organisations": organisations, "page_title": "Organisations"})


@login_required
def organisation_detail(request, pk):
    organisation = _organisation(request, pk)
    relationships = OrganisationRelationship.objects.active().select_related("parent", "child")
    may_manage = policy.may_manage_users_of(request.user, organisation)
    return render(
        request,
        "organisations/detail.html",
        {
            "organisation": organisation,
            "page_title": organisation.name,
            "parents": relationships.filter(child=organisation),
            "children": relationships.filter(parent=organisation),
            "may_manage": may_manage,
            "memberships": organisation.memberships.select_related("user") if may_manage else None,
            "is_support": policy.is_support(request.user),
            "agreement": organisation.data_sharing_agreement,
            "absorbed": organisation.absorbed_organisations.order_by("merge_date", "name"),
        },
    )


@login_required
def invite_person(request, pk):
    organisation = _managed_organisation(request, pk)
    form = InvitePersonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        add_person(request, organisation, form.cleaned_data)
        # The same words whether or not the address had an account: it is not ours to tell.
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}")
        return redirect("organisation-detail", pk=organisation.pk)
    return render(
        request,
        "pages/form.html",
        {"form": form, "page_title": "Invite a person", "caption": organisation.name},
    )


def add_person(request, organisation, data):
    """A new address is invited; an existing account (not staff: staff are support's)
    is added to the organisation and told so by email."""
    fields = {"role": data["role"], "is_data_protection_officer": data["is_data_protection_officer"],
              "is_key_contact": data["is_key_contact"]}
    with transaction.atomic():
        person = User.objects.filter(email__iexact=data["email"]).first()
        if person is None:
            person = invite(request, data["email"], data["name"], invited_by=request.user)
            Membership.objects.create(user=person, organisation=organisation, **fields)
        elif not person.is_staff and not person.memberships.filter(organisation=organisation).exists():
            Membership.objects.create(user=person, organisation=organisation, awaiting_sign_in=True, **fields)
            tell_of_new_organisation(request, person, organisation, added_by=request.user)


def may_rename(user, person):
    """A person's name is shared by all their organisations: a coordinator may change it
    only when every organisation the person belongs to is one they manage."""
    managed = policy.organisations_managed(user)
    return not person.memberships.active().exclude(organisation__in=managed).exists()


@login_required
def edit_person(request, pk, user_pk):
    organisation = _managed_organisation(request, pk)
    membership = _managed_membership(request, organisation, user_pk)
    person = membership.user
    form = EditPersonForm(request.POST or None, membership=membership, may_rename=may_rename(request.user, person))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if person == request.user and not data["is_active"]:
            form.add_error("is_active", "You cannot remove yourself from the organisation")
        else:
            with transaction.atomic():
                save_membership(membership, data)
            messages.success(request, f"Changes to {person.name} saved")
            return redirect("organisation-detail", pk=organisation.pk)
    return render(
        request,
        "organisations/edit_person.html",
        {"form": form, "page_title": f"Change {membership.user.name}", "caption": organisation.name,
         "membership": membership, "organisation": organisation},
    )


def save_membership(membership, data):
    """Removing a person ends their membership of this organisation, never their other
    ones; the account itself closes only when no organisation is left."""
    person = membership.user
    membership.role = data["role"]
    membership.is_data_protection_officer = data["is_data_protection_officer"]
    membership.is_key_contact = data["is_key_contact"]
    membership.save()
    if data["is_active"] and not membership.is_current:
        membership.restore()
    elif not data["is_active"] and membership.is_current:
        membership.end()
    belongs_elsewhere = person.memberships.active().exclude(pk=membership.pk).exists()
    person.name = data["name"]
    person.is_active = data["is_active"] or belongs_elsewhere or bool(person.staff_role)
    person.save(update_fields=["name", "is_active"])


@login_required
@require_POST
def resend_invitation(request, pk, user_pk):
    organisation = _managed_organisation(request, pk)
    membership = _managed_membership(request, organisation, user_pk)
    if membership.user.has_accepted_invitation:
        messages.info(request, f"{membership.user.name} has already accepted the invitation")
    else:
        send_invitation(request, membership.user, request.user)
        messages.success(request, f"Invitation sent again to {membership.user.email}")
    return redirect("organisation-detail", pk=organisation.pk)


# --- Organisation data: merges, stock, options in use, the data sharing agreement ------------
# Each change is asked for, then shown to check (check your answers) before it is made; what
# waits to be confirmed is kept in the session under the organisation's id.


def _support_organisation(request, pk):
    """Support only: anyone else is told the page does not exist."""
    if not policy.is_support(request.user):
        raise Http404
    return get_object_or_404(Organisation, pk=pk)


def _pending(request, kind, pk):
    return request.session.get(f"organisations:{kind}:{pk}")


def _check_page(request, organisation, heading, rows, button, change_url):
    return render(request, "organisations/check.html", {
        "organisation": organisation, "page_title": heading, "rows": rows, "button": button,
        "change_url": change_url})


@login_required
def merge_organisation(request, pk):
    merged = _support_organisation(request, pk)
    pending = _pending(request, "merge", pk)
    initial = {"absorbing_organisation": pending["absorbing"], "merge_date": pending["merge_date"]} if pending else None
    form = MergeForm(request.POST or None, initial=initial, merged=merged)
    if request.method == "POST" and form.is_valid():
        request.session[f"organisations:merge:{pk}"] = {
            "absorbing": form.cleaned_data["absorbing_organisation"].pk, "merge_date": form.cleaned_data["merge_date"]}
        return redirect("merge-organisation-check", pk=pk)
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Merge {merged.name} into another organisation", "caption": merged.name,
        "intro": "Its people move to the organisation it merges into from the merge date. Its logs keep its name, "
                 "and the people of the other organisation can see and change them."})


@login_required
def merge_organisation_check(request, pk):
    merged = _support_organisation(request, pk)
    pending = _pending(request, "merge", pk)
    if not pending:
        return redirect("merge-organisation", pk=pk)
    absorbing = get_object_or_404(Organisation, pk=pending["absorbing"])
    day = date.fromisoformat(pending["merge_date"])
    if request.method == "POST":
        try:
            done = merges.merge(merged, absorbing, day)
        except merges.MergeRefused as refused:  # something changed since the form was checked
            messages.error(request, refused.message)
            return redirect("merge-organisation", pk=pk)
        del request.session[f"organisations:merge:{pk}"]
        messages.success(request, f"{merged.name} merged into {absorbing.name} from {merges.long_date(day)}. "
                                  f"{len(done.people_moved)} people moved to {absorbing.name}; "
                                  f"{len(done.relationships_moved)} relationships passed to it.")
        return redirect("organisation-detail", pk=absorbing.pk)
    people = Membership.objects.filter(organisation=merged).exclude(ends_on__lt=day).count()
    rows = [("Organisation merging", merged.name), ("Merges into", absorbing.name),
            ("Merge date", merges.long_date(day)),
            ("People moving", f"{people} people become members of {absorbing.name} from the merge date"),
            ("Logs", f"Logs keep {merged.name} as their organisation; {absorbing.name} can see and change them")]
    rows += _moving_rows(request, merged, absorbing, day)
    return _check_page(request, merged, "Check the merge before you confirm it", rows, "Merge organisations",
                       reverse("merge-organisation", args=[pk]))


def _moving_rows(request, merged, absorbing, day):
    """What else the merge passes on, for check your answers: the merged organisation's
    relationships (or why one ends), and its records and register entries in every service."""
    words = []
    for relationship, successor, why in merges.relationships_plan(merged, absorbing, day):
        kind = relationship.get_kind_display().lower()
        if successor is not None:
            words.append(f"{successor.parent.name} → {successor.child.name} ({kind})")
        else:
            words.append(f"{relationship.parent.name} → {relationship.child.name} ({kind}) ends: {why}")
    rows = [("Relationships", "; ".join(words) if words else f"{merged.name} has none")]
    for service, records, held in _held_in_each_service(request.user, merged):
        said = []
        if records:
            said.append(f"{records} {service.nouns if records != 1 else service.noun} of {merged.name}: "
                        f"{absorbing.name} can see and change them from the merge date")
        if held:
            counted = ", ".join(f"{count} {register.nouns if count != 1 else register.noun}" for register, count in held)
            said.append(f"{counted} of {merged.name}: {absorbing.name} can use them from the merge date")
        rows.append((f"In {service.title}", ". ".join(said)))
    return rows


def _held_in_each_service(user, organisation):
    """[(service, records, [(register, entries)])] of each service the organisation has
    records or register entries in: a merge passes on those of every service, not only
    the one support is in (each service's are in its own schema)."""
    found = []
    for service in Service.objects.exclude(schema_name="public").order_by("title"):
        with schema_context(service.schema_name):
            records = Record.objects.visible_to(user).filter(
                Q(owning_organisation=organisation) | Q(managing_organisation=organisation)).count()
            held = store.entries_held(service.collections, organisation)
        if records or held:
            found.append((service, records, held))
    return found


def choosable_questions(service):
    """The questions whose options an organisation may choose, in this service's
    collections (an `offered_when: - options_of:` clause), by "<collection>:<question>",
    as the latest version of each record type asks them."""
    found = {}
    for name in getattr(service, "collections", None) or []:
        collection = registry.get(name)
        for record_type in collection.record_types:
            versions = collection.versions(record_type)
            if not versions:
                continue
            definition = collection.definition(record_type, max(versions))
            for question in definition.questions.values():
                if any(offer.options_of for offer in question.offers):
                    found[f"{name}:{question.id}"] = question
    return found


@login_required
def organisation_data(request, pk):
    organisation = _managed_organisation(request, pk)
    choosable = choosable_questions(request.tenant)
    may_set_stock = policy.is_support(request.user)
    pending = _pending(request, "data", pk)
    in_use = {f"{row.collection}:{row.question}": [str(code) for code in row.codes]
              for row in organisation.options_in_use.all()}
    initial = pending or {"holds_stock": str(organisation.holds_stock),
                          **{key: in_use.get(key) or [str(code) for code, _ in question.options]
                             for key, question in choosable.items()}}
    form = OrganisationDataForm(request.POST or None, initial=initial, choosable=choosable, may_set_stock=may_set_stock)
    if request.method == "POST" and form.is_valid():
        request.session[f"organisations:data:{pk}"] = {
            key: (str(value) if key == "holds_stock" else value) for key, value in form.cleaned_data.items()}
        return redirect("organisation-data-check", pk=pk)
    return render(request, "pages/form.html", {"form": form, "page_title": "Change the organisation's details",
                                               "caption": organisation.name})


@login_required
def organisation_data_check(request, pk):
    organisation = _managed_organisation(request, pk)
    pending = _pending(request, "data", pk)
    if not pending:
        return redirect("organisation-data", pk=pk)
    choosable = choosable_questions(request.tenant)
    if request.method == "POST":
        with transaction.atomic():
            if "holds_stock" in pending and policy.is_support(request.user):
                organisation.holds_stock = pending["holds_stock"] == "True"
            for key, question in choosable.items():
                if key not in pending:
                    continue
                collection, question_id = key.split(":", 1)
                codes = [code for code, _ in question.options if str(code) in pending[key]]
                if len(codes) == len(question.options):  # every option: nothing chosen away
                    OptionsInUse.objects.filter(organisation=organisation, collection=collection,
                                                question=question_id).delete()
                else:
                    OptionsInUse.objects.update_or_create(organisation=organisation, collection=collection,
                                                          question=question_id, defaults={"codes": codes})
            organisation.save()  # its updated_at: the rules' facts of it are read again
        del request.session[f"organisations:data:{pk}"]
        messages.success(request, f"Changes to {organisation.name} saved")
        return redirect("organisation-detail", pk=pk)
    rows = []
    if "holds_stock" in pending:
        rows.append(("Holds its own stock", "Yes" if pending["holds_stock"] == "True" else "No"))
    for key, question in choosable.items():
        if key in pending:
            rows.append((question.label or question.text,
                         ", ".join(label for code, label in question.options if str(code) in pending[key])))
    return _check_page(request, organisation, "Check the changes before you save them", rows, "Save changes",
                       reverse("organisation-data", args=[pk]))


@login_required
def data_sharing_agreement(request, pk):
    organisation = _organisation(request, pk)
    may_accept = agreements.may_accept(request.user, organisation)
    agreement = organisation.data_sharing_agreement
    if request.method == "POST":
        if not may_accept:
            raise Http404
        agreements.accept(organisation, request.user)
        messages.success(request, f"You accepted the data sharing agreement for {organisation.name}")
        return redirect("organisation-detail", pk=pk)
    return render(request, "organisations/agreement.html", {
        "organisation": organisation, "agreement": agreement, "may_accept": may_accept and agreement is None,
        "page_title": "Data sharing agreement", "officers": agreements.data_protection_officers(organisation)})
