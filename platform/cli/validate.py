"""Validate records from a JSON file without storing anything: for each record, its
completeness status, derived values, and errors and warnings, as the gateway judges
them on one channel for owning and managing organisations of the given types."""

import json

from cldc.platform.definitions.values import to_json
from cldc.platform.organisations.models import OrganisationType
from cldc.platform.records.gateway import context_for, evaluate
from cldc.platform.records.models import Record
from cldc.platform.rules.engine import CHANNELS
from cldc.platform.cli._selection import add_selection_arguments, selected

HELP = "Validate a JSON list of answer objects (keyed by variable name) against a version's rules."


def add_arguments(parser):
    add_selection_arguments(parser)
    parser.add_argument("file", help="a JSON file holding a list of answer objects")
    parser.add_argument("--channel", choices=CHANNELS, default="api",
                        help="the channel the records come in by (default api); bulk-upload-only rules run for upload")
    for role in ("owning", "managing"):
        parser.add_argument(f"--{role}-organisation-type", choices=OrganisationType.values,
                            help=f"the {role} organisation's type, for the rules that depend on it (default: unknown)")


def run(options, out):
    collection, definition, pack = selected(options)
    try:
        with open(options["file"], encoding="utf-8") as handle:
            records = json.load(handle)
    except OSError as error:
        raise ValueError(f"Cannot read {options['file']}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{options['file']} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}") from None
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ValueError(f"{options['file']} must hold a JSON list of objects, one per record")
    record = Record(collection=definition.collection, record_type=definition.record_type, version=definition.version)
    context = {**context_for(record, definition),
               "owning_organisation_type": options["owning_organisation_type"],
               "managing_organisation_type": options["managing_organisation_type"]}
    results = [validate_one(definition, pack, answers, i, context, options["channel"]) for i, answers in enumerate(records)]
    out.write(json.dumps(results, indent=2, ensure_ascii=False))


def validate_one(definition, pack, incoming, index, context, channel):
    result = evaluate(definition, pack, {}, incoming, context, channel, {})
    return {
        "index": index,
        "status": result.status,
        "derived": to_json(result.derived),
        "errors": result.errors,
        "warnings": result.warnings,
        "notes": result.notes,
        "missing": result.missing,
        "cleared": result.cleared,
    }
