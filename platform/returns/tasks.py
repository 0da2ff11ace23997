"""Returns kept up to date in the background after many records change at once (an
upload, an XML import), so that the first look at a return after a quarter's import
reads kept rows instead of judging every case while the person waits."""

from celery import shared_task
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.organisations.models import Organisation
from cldc.platform.records.models import Record
from cldc.platform.returns.declarations import service_returns
from cldc.platform.returns.membership import refresh, return_for


def refresh_after_bulk_change(collection, record_type):
    """Queue refresh_returns, for the service whose schema the connection is in, once the
    current transaction commits, if the service takes returns of this record type: a
    no-op for every other collection."""
    from cldc.platform.tenancy.models import Service

    service = Service.objects.filter(schema_name=connection.schema_name).first()
    if service is not None and any((d.collection, d.record_type) == (collection, record_type)
                                   for d in service_returns(service)):
        transaction.on_commit(lambda: refresh_returns.delay(service.schema_name, collection, record_type))


@shared_task(name="cldc.returns.refresh")
def refresh_returns(schema_name, collection, record_type):
    """Judge again, for every open return of every organisation that makes returns of this
    record type and owns such records, the records changed since it was last judged
    (membership.refresh: unchanged records are not judged again). Returns how many."""
    from cldc.platform.tenancy.models import Service

    service = Service.objects.get(schema_name=schema_name)
    declared = next((d for d in service_returns(service)
                     if (d.collection, d.record_type) == (collection, record_type)), None)
    if declared is None:
        return 0
    judged = 0
    with schema_context(schema_name):
        owners = Record.objects.filter(collection=collection, record_type=record_type).values("owning_organisation")
        for organisation in Organisation.objects.filter(pk__in=owners, type__in=declared.made_by).order_by("pk"):
            returns = [return_for(declared, organisation, period) for period in declared.periods(timezone.localdate())]
            judged += refresh(declared, [made for made in returns if made.is_open])
    return judged
