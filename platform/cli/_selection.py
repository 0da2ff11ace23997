"""Arguments shared by the subcommands that work on one record type in one version."""

from cldc.platform import registry


def add_selection_arguments(parser):
    parser.add_argument("--collection", required=True)
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int, help="e.g. 2026 for 2026/27")


def selected(options):
    collection = registry.get(options["collection"])
    return collection, collection.definition(options["record_type"], options["version"]), collection.rule_pack(
        options["record_type"], options["version"]
    )
