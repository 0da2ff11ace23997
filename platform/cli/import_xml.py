"""Import an organisation's XML files (cldc.platform.xmlfiles.importer): all or nothing,
through the gateway, as the web page does."""

import json
from pathlib import Path

from django_tenants.utils import schema_context

from cldc.platform.cli._selection import person_and_organisation, service_collecting

HELP = "Import an organisation's XML files (the data file, and its personal-data file); prints a JSON summary."


def add_arguments(parser):
    parser.add_argument("--service", required=True, help="the service (schema), e.g. visits")
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int)
    parser.add_argument("--organisation", required=True, help="whose records: ONS code, regulator number or ORG<id>")
    parser.add_argument("--user", required=True, help="the email address of the person importing")
    parser.add_argument("--personal", help="the personal-data file, matched to the data file on the reference")
    parser.add_argument("file", nargs="?", help="the data file")


def run(options, out):
    from cldc.platform.xmlfiles.importer import import_files

    service, collection = service_collecting(options["service"], options["record_type"])
    user, organisation = person_and_organisation(options)
    main, personal = (_read(options.get(name)) for name in ("file", "personal"))
    with schema_context(service.schema_name):
        result = import_files(collection, options["record_type"], options["version"], organisation, user,
                              main=main, personal=personal)
    out.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))


def _read(name):
    if not name:
        return None
    path = Path(name)
    if not path.is_file():
        raise ValueError(f"Cannot read {path}: no such file")
    return path.read_bytes()
