"""Arguments shared by the subcommands that work on one record type in one version."""

from cldc.platform import registry


def add_selection_arguments(parser):
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int, help="e.g. 2026 for 2026/27")


def service_collecting(service_name, record_type):
    """(the service named, the name of its collection that has this record type), or LookupError."""
    from cldc.platform.tenancy.models import Service

    service = Service.objects.filter(schema_name=service_name).first()
    if service is None:
        raise LookupError(f"No service called {service_name!r}")
    collections = [c for c in service.collections if record_type in registry.get(c).record_types]
    if not collections:
        raise LookupError(f"The service {service.name} collects no {record_type} records")
    return service, collections[0]


def selected(options):
    collection = registry.get(options["collection"])
    return collection, collection.definition(options["record_type"], options["version"]), collection.rule_pack(
        options["record_type"], options["version"]
    )


def person_and_organisation(options):
    """The active person (--user, an email address) and the organisation (--organisation, a
    reference) a command acts as, or a LookupError naming what was not found."""
    from cldc.platform.organisations.models import Organisation
    from cldc.platform.people.models import User

    user = User.objects.filter(email__iexact=options["user"], is_active=True).first()
    if user is None:
        raise LookupError(f"No active person with the email address {options['user']}")
    organisation = Organisation.objects.by_reference(options["organisation"])
    if organisation is None:
        raise LookupError(f"No organisation with the reference {options['organisation']}")
    return user, organisation
