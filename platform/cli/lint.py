"""Check every definition and rule pack of every collection (or one collection)."""

from cldc.platform import registry
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import DefinitionError

HELP = "Lint definition files and rule packs: unknown fields, duplicate ids, unreachable pages, codes, headers."


def add_arguments(parser):
    parser.add_argument("--collection", help="only this collection")


def run(options, out):
    names = [options["collection"]] if options.get("collection") else registry.collection_names()
    problems, checked = [], 0
    for name in names:
        collection = registry.get(name)
        for record_type in collection.record_types:
            for version in collection.versions(record_type):
                checked += 1
                try:
                    problems += lint(collection.definition(record_type, version), collection.rule_pack(record_type, version))
                except DefinitionError as error:
                    problems += error.problems
    problems = list(dict.fromkeys(problems))  # a file's problem shows once, not once per version
    for problem in problems:
        out.write(problem)
    out.write(f"{checked} definitions checked, {len(problems)} problems")
    if problems:
        raise ValueError(f"{len(problems)} problems in definition files")
