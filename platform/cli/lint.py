"""Check every definition and rule pack of every collection (or one collection), and the
files read beside each version: export layouts, figures, the demo file and returns."""

from cldc.platform import registry
from cldc.platform.cli.demo import demo_plan
from cldc.platform.definitions.lint import lint
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.exports.layouts import layouts
from cldc.platform.playback.declarations import figures
from cldc.platform.returns.declarations import returns_of
from cldc.platform.returns.report_tables import report_layouts

HELP = ("Lint definition files and rule packs (unknown fields, duplicate ids, unreachable pages, codes, "
        "headers), and the export layouts, figures, demo and returns files read with them.")


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
                    continue
                problems += package_file_problems(collection, record_type, version)
    problems = list(dict.fromkeys(problems))  # a file's problem shows once, not once per version
    for problem in problems:
        out.write(problem)
    out.write(f"{checked} definitions checked, {len(problems)} problems")
    if problems:
        raise ValueError(f"{len(problems)} problems in definition files")


def package_file_problems(collection, record_type, version):
    """The other files of a version (export layouts, figures, the demo file) and of its
    record type (returns), read as the service reads them: a mistake is found here, not
    when someone exports or looks."""
    problems = []
    for read in (lambda: layouts(collection.name, record_type, version),
                 lambda: figures(collection.name, record_type, version),
                 lambda: demo_plan(collection, record_type, version),
                 lambda: returns_of(collection.name, record_type),
                 lambda: report_layouts(collection.name, record_type, version)):
        try:
            read()
        except DefinitionError as error:
            problems += error.problems
    return problems
