"""Providers' own organisation pages: details, relationships and people.
Data coordinators invite and manage their organisation's people here. Every
lookup goes through the policy module, so another organisation is a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cldc.platform.organisations import policy
from cldc.platform.organisations.forms import EditPersonForm, InvitePersonForm
from cldc.platform.organisations.models import Membership, OrganisationRelationship
from cldc.platform.people.invitations import invite, send_invitation, tell_of_new_organisation
from cldc.platform.people.models import User


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
