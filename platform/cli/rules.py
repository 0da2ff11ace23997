"""Export a rule pack: every rule with its reference id, severity, fields, message and
expression or description. JSON for tools; Markdown for analysts and suppliers."""

import json

from cldc.platform.cli._selection import add_selection_arguments, selected
from cldc.platform.rules.engine import PIPELINE_CHECKS

HELP = "Export the rule pack of a record type and version, as JSON or Markdown."


def add_arguments(parser):
    add_selection_arguments(parser)
    parser.add_argument("--format", choices=["json", "md"], default="json")


def run(options, out):
    _, definition, pack = selected(options)
    if options["format"] == "json":
        out.write(json.dumps(export(definition, pack), indent=2, ensure_ascii=False))
    else:
        out.write(markdown(definition, pack))


def export(definition, pack):
    return {
        "collection": definition.collection,
        "record_type": definition.record_type,
        "version": definition.version,
        "rules": [rule.as_dict() for rule in pack.rules],
        "derived": [
            {"id": d.id, "label": d.label, "reference": d.reference,
             "expression": d.expression.source if d.expression else None,
             "function": d.function or None, "description": d.description}
            for d in pack.derivations
        ],
    }


def _cell(text):
    return str(text or "").replace("|", "\\|").replace("\n", " ")


def markdown(definition, pack):
    lines = [
        f"# Rules: {definition.title or definition.record_type} {definition.version}",
        "",
        f"{len(pack.active)} rules run as written here; "
        f"{sum(1 for r in pack.rules if r.built_in)} are built into the gateway; "
        f"{sum(1 for r in pack.rules if r.pipeline)} are applied by the bulk-upload pipeline to whole files; "
        f"{sum(1 for r in pack.rules if r.waiting_for)} wait for something the platform does not have yet.",
        "Hard rules stop a value being stored. Soft rules ask for a confirmation.",
        "",
    ]
    for severity, heading in (("hard", "Hard rules"), ("soft", "Soft checks")):
        lines += [f"## {heading}", "", "| id | reference | fields | message | when |", "|---|---|---|---|---|"]
        for rule in pack.rules:
            if rule.severity != severity:
                continue
            when = f"`{rule.when.source}`" if rule.when else (rule.description or f"function {rule.function}")
            if rule.waiting_for:
                when = f"**Waiting for** {rule.waiting_for}. {rule.description}"
            elif rule.built_in:
                when = f"Built into the gateway: {rule.built_in}"
            elif rule.pipeline:
                when = f"Applied by the bulk-upload pipeline: {PIPELINE_CHECKS[rule.pipeline]}. {rule.description}"
                when += f" When `{rule.when.source}`." if rule.when else ""  # a raw_fields rule's condition
            scope = " (bulk upload only)" if rule.bulk_upload_only else ""
            lines.append(f"| {rule.id}{scope} | {rule.reference} | {', '.join(rule.fields)} | {_cell(rule.message)} | {_cell(when)} |")
        lines.append("")
    lines += ["## Derived variables", "", "| id | label | reference | how |", "|---|---|---|---|"]
    for d in pack.derivations:
        how = f"`{d.expression.source}`" if d.expression else (d.description or f"function {d.function}")
        lines.append(f"| {d.id} | {_cell(d.label)} | {d.reference} | {_cell(how)} |")
    return "\n".join(lines) + "\n"
