"""Show what changed between two versions of a record type."""

import json

from cldc.platform import registry
from cldc.platform.definitions.diff import diff

HELP = "Show the differences between two versions of a record type's definition, as JSON."


def add_arguments(parser):
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", required=True)
    parser.add_argument("old", type=int)
    parser.add_argument("new", type=int)


def run(options, out):
    collection = registry.get(options["collection"])
    old = collection.definition(options["record_type"], options["old"])
    new = collection.definition(options["record_type"], options["new"])
    out.write(json.dumps(diff(old, new), indent=2, ensure_ascii=False, default=str))
