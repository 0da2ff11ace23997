"""The definition linter: `python manage.py cldc lint` runs it on every version of
every collection. Each problem is a plain sentence that names the place."""

import ast
from collections import Counter

from cldc.platform.rules.engine import CONTEXT_NAMES


def lint(definition, rule_pack=None):
    problems = []
    where = definition.source or str(definition)
    derived = {d.id for d in rule_pack.derivations} if rule_pack else set()
    known = set(definition.variables) | derived | CONTEXT_NAMES

    def duplicates(kind, items):
        for item, count in Counter(items).items():
            if count > 1:
                problems.append(f"{where}: {kind} {item!r} is used {count} times")

    duplicates("page id", [p.id for p in definition.pages])
    duplicates("question id", [q.id for p in definition.pages for q in p.questions])
    duplicates("variable", [v for q in definition.questions.values() for v in q.variables])

    headers, field_numbers = [], []
    for question in definition.questions.values():
        place = f"{where}: question {question.id}"
        codes = [code for code, _ in question.options + question.retired_options]
        duplicates(f"option code in {question.id}:", codes)
        for retired, replacements in question.replaced_by.items():
            strays = [code for code in replacements if code not in question.codes]
            if strays:
                problems.append(f"{place}: retired option {retired!r} is replaced by {', '.join(map(repr, strays))}, "
                                "which is not an option offered")
        if question.type in ("radio", "select") and not codes and not question.extra.get("dynamic_options"):
            problems.append(f"{place}: a {question.type} question needs options (or dynamic_options)")
        if question.type == "checkbox" and not question.options:
            problems.append(f"{place}: a checkbox question needs options")
        if question.min is not None and question.max is not None and question.min > question.max:
            problems.append(f"{place}: min is greater than max")
        upload = question.bulk_upload or {}
        if upload.get("header"):
            headers.append(upload["header"])
        fields = upload.get("fields") or []
        field_numbers += fields if isinstance(fields, list) else [fields]
        problems += _expression_problems(question.show_if, known, definition, f"{place}: show_if")
    duplicates("bulk upload header", headers)
    duplicates("bulk upload field number", field_numbers)

    named = [("reference_key", definition.reference_key), ("search_fields", definition.search_fields),
             ("record_fields", list(definition.record_fields.values()))]
    for key, names in named:
        for name in names:
            if name not in definition.variables:
                problems.append(f"{where}: {key} names unknown field {name!r}")

    ages_at = definition.variables.get(definition.ages_at) if definition.ages_at else None
    if definition.ages_at and (ages_at is None or ages_at.type != "date"):
        problems.append(f"{where}: ages_at names {definition.ages_at!r}, which is not a date question")

    problems += _member_date_problems(definition, where)

    for page in definition.pages:
        problems += _expression_problems(page.show_if, known, definition, f"{where}: page {page.id}")
    for sub in {page.subsection.id: page.subsection for page in definition.pages}.values():
        problems += _expression_problems(sub.show_if, known, definition, f"{where}: subsection {sub.id}")

    if rule_pack:
        for rule in rule_pack.rules:
            if rule.pipeline == "raw_fields":  # over a row's cells as text, before they become answers
                from cldc.platform.uploads.pipeline_checks import raw_rule_problems  # only for such a pack
                problems += raw_rule_problems(rule, definition, where)
                continue
            problems += _expression_problems(rule.when, known, definition, f"{where}: rule {rule.id}")
            for name in rule.attach_to + rule.fields:
                if name not in known:
                    problems.append(f"{where}: rule {rule.id} names unknown field {name!r}")
        for derivation in rule_pack.derivations:
            problems += _expression_problems(derivation.expression, known, definition, f"{where}: derived {derivation.id}")
            if not derivation.label:  # people read it beside the value, in check your answers
                problems.append(f"{where}: derived {derivation.id} needs a `label`")
    return problems


def _member_date_problems(definition, where):
    """A repeat block's `opens` and `closes` name a date question of the block, at every index."""
    problems = []
    for block in definition.repeats.values():
        for key, name_at in (("opens", block.opens_variable), ("closes", block.closes_variable)):
            for index in block.indices if name_at(block.indices[0]) else ():
                question = definition.questions.get(name_at(index))
                if question is None or question.repeat != block.name or question.type != "date":
                    problems.append(f"{where}: repeat block {block.name!r}, {key}: {name_at(index)!r} is not a date "
                                    "question of the block")
                    break
    return problems


def _expression_problems(expression, known, definition, place):
    if expression is None:
        return []
    problems = [f"{place}: unknown field {name!r} in {expression.source!r}" for name in sorted(expression.names - known)]
    # A comparison with a code the question does not have can never hold: the page is unreachable.
    for node in ast.walk(ast.parse(expression.source, mode="eval")):
        if not (isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)):
            continue
        question = definition.variables.get(node.left.id)
        if question is None or not question.is_coded:
            continue
        for op, right in zip(node.ops, node.comparators):
            values = [right] if isinstance(op, (ast.Eq, ast.NotEq)) else getattr(right, "elts", [])
            for value in values:
                if isinstance(value, ast.Constant) and value.value not in question.all_codes:
                    problems.append(f"{place}: {node.left.id} has no answer code {value.value!r} ({expression.source!r})")
    return problems
