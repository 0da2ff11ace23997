"""The web pages where data coordinators manage their organisations' API clients and
the suppliers they authorise; support manages every client and adds suppliers. Every
lookup goes through the organisations the person manages (the policy module), so
another organisation's client is a 404. A new key is shown once, on the page that
answers the form, and never again."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from cldc.api.forms import AuthoriseSupplierForm, ConfirmForm, NewClientForm, SupplierForm
from cldc.api.keys import create_client
from cldc.api.models import ApiClient, Supplier, SupplierAuthorisation
from cldc.platform.organisations import policy


def posted(request):
    """The form data of a POST (even an empty one: a confirmation is only a button)."""
    return request.POST if request.method == "POST" else None


def managed_organisations(user):
    """The organisations whose API clients this person manages: a 404 when none."""
    organisations = policy.organisations_managed(user)
    if not organisations.exists():
        raise Http404("You do not manage any organisation")
    return organisations


def clients_managed(user):
    clients = ApiClient.objects.select_related("organisation", "supplier", "created_by")
    if policy.is_support(user):
        return clients
    return clients.filter(organisation__in=managed_organisations(user))


def authorisations_managed(user):
    authorisations = SupplierAuthorisation.objects.current().select_related("organisation", "supplier", "granted_by")
    if policy.is_support(user):
        return authorisations
    return authorisations.filter(organisation__in=managed_organisations(user))


@login_required
def client_list(request):
    clients = clients_managed(request.user).order_by("revoked_at", "organisation__name", "supplier__name", "name")
    return render(request, "api/client_list.html", {
        "clients": clients, "authorisations": authorisations_managed(request.user), "now": timezone.now(),
        "is_support": policy.is_support(request.user), "page_title": "API keys",
    })


@never_cache
@login_required
def new_client(request):
    support = policy.is_support(request.user)
    form = NewClientForm(request.POST or None, organisations=managed_organisations(request.user),
                         suppliers=Supplier.objects.all() if support else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        organisation = managed_organisations(request.user).filter(pk=data["organisation"]).first()
        supplier = Supplier.objects.filter(pk=data.get("supplier")).first() if support else None
        new = create_client(name=data["name"], created_by=request.user, organisation=organisation, supplier=supplier,
                            expires_at=form.expires_at)
        # Rendered, not redirected: the key is never kept anywhere to show it again.
        return render(request, "api/key_created.html", {"client": new.client, "key": new.key,
                                                        "page_title": "Your new API key"})
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Create an API key",
        "intro": f"A key lets a system send and read your organisation's {request.tenant.nouns} through the API. "
                 "You will see it once."})


@login_required
def revoke_client(request, pk):
    client = get_object_or_404(clients_managed(request.user), pk=pk, revoked_at__isnull=True)
    form = ConfirmForm(posted(request), submit_label="Revoke the key")
    if request.method == "POST" and form.is_valid():
        ApiClient.objects.filter(pk=client.pk).update(revoked_at=timezone.now(), revoked_by=request.user)
        messages.success(request, f"The key “{client.name}” has been revoked. It no longer works.")
        return redirect("api-client-list")
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Revoke the key “{client.name}”", "caption": str(client.owner),
        "intro": "Systems using this key will be refused straight away. This cannot be undone: you can create a new key."})


@login_required
def authorise_supplier(request):
    form = AuthoriseSupplierForm(request.POST or None, organisations=managed_organisations(request.user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        authorisation = SupplierAuthorisation.objects.create(
            organisation=managed_organisations(request.user).get(pk=data["organisation"]),
            supplier=Supplier.objects.get(pk=data["supplier"]), granted_by=request.user)
        messages.success(request, f"{authorisation.supplier} can now send and read the {request.tenant.nouns} of "
                                  f"{authorisation.organisation} and its child organisations.")
        return redirect("api-client-list")
    return render(request, "pages/form.html", {
        "form": form, "page_title": "Authorise a supplier",
        "intro": f"The supplier's systems will be able to send and read the {request.tenant.nouns} of the organisation "
                 "and of its child organisations, until you withdraw the authorisation."})


@login_required
def withdraw_authorisation(request, pk):
    authorisation = get_object_or_404(authorisations_managed(request.user), pk=pk)
    form = ConfirmForm(posted(request), submit_label="Withdraw the authorisation")
    if request.method == "POST" and form.is_valid():
        SupplierAuthorisation.objects.filter(pk=authorisation.pk).update(revoked_at=timezone.now(),
                                                                         revoked_by=request.user)
        messages.success(request, f"{authorisation.supplier} can no longer act for {authorisation.organisation}.")
        return redirect("api-client-list")
    return render(request, "pages/form.html", {
        "form": form, "page_title": f"Withdraw {authorisation.supplier}’s authorisation",
        "caption": authorisation.organisation.name,
        "intro": "The supplier's systems will be refused straight away for this organisation's "
                 f"{request.tenant.nouns}."})


@login_required
def new_supplier(request):
    if not policy.is_support(request.user):
        raise Http404("Only support adds suppliers")
    form = SupplierForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        supplier = form.save()
        messages.success(request, f"{supplier} has been added. Organisations can now authorise it.")
        return redirect("api-client-list")
    return render(request, "pages/form.html", {"form": form, "page_title": "Add a supplier"})
