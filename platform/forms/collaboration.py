"""Working together on a log: assigning it to someone in the organisation, and
sharing it by name with a person in a related organisation, who can then fill in
their part (a guardian object permission in this service's schema)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import capfirst
from django.views.decorators.http import require_POST
from guardian.shortcuts import assign_perm, get_users_with_perms, remove_perm

from cldc.platform.forms.logs import Log, changeable_log
from cldc.platform.organisations.models import OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import StaleRecord, WindowClosed, check_window, submit
from cldc.platform.records.models import SHARE_PERMISSION
from cldc.platform.records.references import References, assignable_people
from cldc.themes.forms import GDSFormMixin


def people_of(organisations):
    """Whom a log may be shared with: people, not staff, with a current membership (the
    rule for whom a log may be assigned to: records.references)."""
    return assignable_people(organisations).filter(staff_role="")


def log_organisations(record):
    return [o for o in (record.owning_organisation, record.managing_organisation) if o is not None]


def related_organisations(record):
    """Organisations linked to the log's owner or manager by an active relationship."""
    own = log_organisations(record)
    links = OrganisationRelationship.objects.active().filter(parent__in=own) | OrganisationRelationship.objects.active().filter(child__in=own)
    related = {link.child for link in links} | {link.parent for link in links}
    return [o for o in related if o not in own]


class AssignForm(GDSFormMixin, forms.Form):
    submit_label = "Assign"
    person = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect,  # its label in the service's noun
                                    error_messages={"required": "Select a person"})

    def __init__(self, *args, people, service, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].label = f"Who should this {service.noun} be assigned to?"
        self.fields["person"].choices = [(p.pk, f"{p.name} ({p.email})") for p in people]


@login_required
def assign(request, pk):
    log = Log(changeable_log(request, pk))
    record = log.record
    people = assignable_people(log_organisations(record))  # whom the log may name (records.references)
    form = AssignForm(request.POST or None, people=people, service=request.tenant,
                      initial={"person": record.assigned_to_id})
    if request.method == "POST" and form.is_valid():
        named = References(log.definition, acted_for={}).resolve(  # names a person only
            {"assigned_to": str(form.cleaned_data["person"])},
            defaults={"owning_organisation": record.owning_organisation,
                      "managing_organisation": record.managing_organisation})
        try:
            if not named.ok:  # a membership that ended since the page was shown
                form.add_error("person", named.issues[0]["message"])
            elif named.answers:
                submit(record, named.answers, source="form", user=request.user)
            else:  # a definition without an assignee answer: the column alone, in the window all the same
                check_window(record)
                record.assigned_to = named.assigned_to
                record.save(update_fields=["assigned_to"])
        except StaleRecord:
            messages.error(request, f"This {request.tenant.noun} changed while you were assigning it. Try again.")
            return redirect("log-assign", pk=pk)
        except WindowClosed as closed:
            messages.error(request, str(closed))
            return redirect("log-tasks", pk=pk)
        if named.ok:
            messages.success(request, f"{capfirst(request.tenant.noun)} assigned")
            return redirect("log-tasks", pk=pk)
    return render(request, "pages/form.html", {"form": form, "page_title": f"Assign this {request.tenant.noun}",
                                               "caption": f"{capfirst(request.tenant.noun)} {pk}"})


class ShareForm(GDSFormMixin, forms.Form):
    submit_label = "Share"
    email = forms.EmailField(label="Email address of the person", error_messages={
        "invalid": "Enter an email address in the correct format, like name@example.com",
    })

    def __init__(self, *args, allowed, service, **kwargs):
        self.allowed, self.noun = allowed, service.noun
        super().__init__(*args, **kwargs)
        self.fields["email"].error_messages["required"] = (
            f"Enter the email address of the person to share this {self.noun} with")

    def clean_email(self):
        person = self.allowed.filter(email__iexact=self.cleaned_data["email"]).first()
        if person is None:  # the same answer whether or not the address has an account
            raise forms.ValidationError(f"You can only share a {self.noun} with someone in an organisation related to it")
        return person


@login_required
def share(request, pk):
    log = Log(changeable_log(request, pk))
    allowed = people_of(related_organisations(log.record))
    form = ShareForm(request.POST or None, allowed=allowed, service=request.tenant)
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["email"]
        assign_perm(f"records.{SHARE_PERMISSION}", person, log.record)
        messages.success(request, f"{capfirst(request.tenant.noun)} shared with {person.name}")
        return redirect("log-share", pk=pk)
    shared = [u for u in get_users_with_perms(log.record, only_with_perms_in=[SHARE_PERMISSION])]
    return render(request, "forms/share.html", {
        "form": form, "log": log, "shared": shared, "page_title": f"Share this {request.tenant.noun}",
        "caption": f"{capfirst(request.tenant.noun)} {pk}",
    })


@login_required
@require_POST
def unshare(request, pk, user_pk):
    log = Log(changeable_log(request, pk))
    person = get_object_or_404(User, pk=user_pk)
    remove_perm(f"records.{SHARE_PERMISSION}", person, log.record)
    messages.success(request, f"{person.name} can no longer see this {request.tenant.noun}")
    return redirect("log-share", pk=pk)
