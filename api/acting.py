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

from cldc.api.models import SupplierAuthorisation
from cldc.platform.organisations.models import Organisation
from cldc.platform.organisations.policy import with_absorbed, with_children
from cldc.platform.records.models import Record, owned_or_managed_by


def organisations_acted_for(client, on=None):
    if client is None or not client.is_usable:
        return Organisation.objects.none()
    if client.organisation_id:  # and the organisations merged into these (policy.with_absorbed)
        return with_absorbed(with_children(Organisation.objects.filter(pk=client.organisation_id), on), on)
    authorising = SupplierAuthorisation.objects.current().filter(supplier=client.supplier_id).values("organisation")
    return with_absorbed(with_children(Organisation.objects.filter(pk__in=authorising), on), on)


def acts_for(client, organisation, on=None):
    return organisation is not None and organisations_acted_for(client, on).filter(pk=organisation.pk).exists()


def visible_records(client, service):
    """The one way to find records for a client, to read or to change: of this
    service's collections, owned or managed by an organisation it acts for (the rule
    people's records follow too: cldc.platform.records.models)."""
    organisations = organisations_acted_for(client)
    return Record.objects.filter(owned_or_managed_by(organisations), collection__in=service.collections)
