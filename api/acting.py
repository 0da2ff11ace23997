"""Which organisations an API client acts for, and so which records it sees: the
rules of cldc.platform.organisations.policy (docs/adr/0004-one-policy-module.md),
applied to a client instead of a person.

- An organisation's client acts for that organisation and its children.
- A supplier's client acts for the organisations with a current authorisation of the
  supplier, and their children.
- Children are one level down, through a relationship active on the day; closed
  organisations grant nothing. A client that is revoked or expired acts for none.

Anything outside `visible_records(client)` is a 404, never a 403. A client may change
every record it sees: keys are for organisations and their suppliers, which submit
data; no key only reads (an analyst's reading is a person's, in the web service).
"""

from datetime import date

from django.db.models import BooleanField, ExpressionWrapper, Q

from cldc.api.models import SupplierAuthorisation
from cldc.platform.organisations import merges
from cldc.platform.organisations.models import Organisation
from cldc.platform.organisations.policy import with_absorbed, with_children
from cldc.platform.records.models import Record, owned_or_managed_by


def _own_with_children(client, on):
    """The organisations a usable client acts for before merges: its organisation, or
    those authorising its supplier, and their children (policy.with_children)."""
    if client.organisation_id:
        return with_children(Organisation.objects.filter(pk=client.organisation_id), on)
    authorising = SupplierAuthorisation.objects.current().filter(supplier=client.supplier_id).values("organisation")
    return with_children(Organisation.objects.filter(pk__in=authorising), on)


def organisations_acted_for(client, on=None):
    if client is None or not client.is_usable:
        return Organisation.objects.none()
    return with_absorbed(_own_with_children(client, on), on)  # and the organisations merged into these


def organisations_acted_for_by_pk(client, on=None):
    """organisations_acted_for(client, on) as {pk: Organisation}, read in one query (a
    single API call's cost): the organisations acted for before merges, fetched with
    every merged organisation (one row a merge), whose merges policy.with_absorbed's
    merges.reach then follows in Python, as it does over merges.merged_into()."""
    if client is None or not client.is_usable:
        return {}
    on = on or date.today()
    own = _own_with_children(client, on).values("pk")
    rows = list(Organisation.objects.filter(Q(pk__in=own) | Q(absorbing_organisation__isnull=False)).annotate(
        acted_for_directly=ExpressionWrapper(Q(pk__in=own), output_field=BooleanField())))
    merged_into = {o.pk: (o.absorbing_organisation_id, o.merge_date) for o in rows if o.absorbing_organisation_id}
    reached = merges.reach([o.pk for o in rows if o.acted_for_directly], merged_into, on)
    return {o.pk: o for o in rows if o.pk in reached}


def acts_for(client, organisation, on=None):
    return organisation is not None and organisations_acted_for(client, on).filter(pk=organisation.pk).exists()


def visible_records(client, service):
    """The one way to find records for a client, to read or to change: of this
    service's collections, owned or managed by an organisation it acts for (the rule
    people's records follow too: cldc.platform.records.models)."""
    organisations = organisations_acted_for(client)
    return Record.objects.filter(owned_or_managed_by(organisations), collection__in=service.collections)
