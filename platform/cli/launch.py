from cldc.platform.content.models import Theme
from cldc.platform.tenancy.launch import LaunchError, launch_service

HELP = "Launch a new service: create its schema, migrate it and seed its site and guidance."


def add_arguments(parser):
    parser.add_argument("name", help="short name, also the schema name, e.g. core")
    parser.add_argument("--domain", required=True, help="host name that serves it, e.g. core.localhost")
    parser.add_argument("--title", required=True, help='the service name people see, e.g. "Submit homelessness case data"')
    parser.add_argument(
        "--collection",
        action="append",
        dest="collections",
        help="collection package to enable (repeat for several; default: the package named like the service)",
    )
    parser.add_argument("--theme", choices=Theme.values, default=Theme.GOVUK)


def run(options, out):
    from cldc.platform import registry

    collections = options["collections"]
    if collections is None:
        collections = [options["name"]] if options["name"] in registry.collection_names() else []
    try:
        service = launch_service(options["name"], options["domain"], options["title"], collections, options["theme"])
    except LaunchError as error:
        raise ValueError(str(error)) from error
    out.write(f"Launched {service.title!r} at http://{options['domain']}/ (schema {service.schema_name}, "
              f"collections: {', '.join(service.collections) or 'none'})")
