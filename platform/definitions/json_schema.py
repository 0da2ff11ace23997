"""The JSON Schema (draft 2020-12) of a record's answers, generated from its definition:
what an API client may send, with the question texts, codes and labels, and when each
answer is required.

    schema = record_schema(definition, pack)   # pack (optional): lists the derived values

Values are described in the form the gateway stores and returns: codes as written in the
definition (integers where the code is a number), numbers as JSON numbers, dates as
"YYYY-MM-DD". The gateway is a little more lenient (it also takes "1" for 1), and
stores whatever the schema allows, but for two checks only it makes exactly: steps
such as 0.01 (`x-step`) and real calendar dates (`format: date`, which validators may skip).

Routing cannot be said exactly in JSON Schema, so conditions are given as the
definition's own expressions (`x-asked-when`, `x-required-when`); the rule pack is
the exact authority. `required` lists the answers every completed record has; with
`partial=True` (a PATCH body) nothing is required and null clears an answer.
"""

from cldc.platform.definitions.values import TEXT_MAX_LENGTH

DIALECT = "https://json-schema.org/draft/2020-12/schema"
DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
DESCRIPTION = (
    "The answers of a {title} ({collection} {record_type} {version}). An answer given where its question "
    "does not apply is cleared. `required` lists the answers every completed record has; `x-required-when` "
    "gives, in the definition's expression language, when the others are required (names in `x-predicates` "
    "stand for their expressions). The version's rule pack (rules/, the same export as `cldc rules`) is the "
    "exact authority on what is accepted: a record that fits this schema may still break a rule. "
    "Missing answers never stop a record being saved: it stays in progress."
)


def record_schema(definition, pack=None, partial=False):
    """The schema as a dict, ready for json.dumps. `pack`: the version's rule pack, to list
    its derived values; `partial`: for a PATCH body."""
    properties, required, all_of = {}, [], []
    for question in definition.questions.values():
        if question.type == "derived":  # computed by the service: listed under x-derived
            continue
        asked_when = _asked_when(question)
        for variable in question.variables:
            prop = _property(question, variable, asked_when, definition)
            properties[variable] = _nullable(prop) if partial else prop
        if asked_when or question.optional is not False or partial:
            continue
        if question.type == "checkbox":  # answered when any of its boxes is
            all_of.append({"anyOf": [{"required": [v]} for v in question.variables]})
        else:
            required.append(question.id)
    schema = {
        "$schema": DIALECT,
        "$id": f"urn:cldc:{definition.collection}:{definition.record_type}:{definition.version}",
        "title": f"{definition.collection} {definition.record_type} {definition.version}: {definition.title}",
        "description": DESCRIPTION.format(title=definition.title, collection=definition.collection,
                                          record_type=definition.record_type, version=definition.version),
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
        "required": required,
        "allOf": all_of,
        "x-collection": definition.collection,
        "x-record-type": definition.record_type,
        "x-version": definition.version,
        "x-valid-from": definition.valid_from.isoformat(),
        "x-valid-to": definition.valid_to.isoformat(),
        "x-reference-key": list(definition.reference_key),
        "x-record-fields": dict(definition.record_fields),
        "x-predicates": {name: expression.source for name, expression in definition.predicates.items()},
        "x-derived": _derived(definition, pack),
    }
    return {key: value for key, value in schema.items() if value not in ([], {}, None)}


def _property(question, variable, asked_when, definition):
    hints = [question.hint, question.extra.get("dynamic_options")]
    retired = dict(question.retired_options)
    if question.type == "checkbox":  # one variable per option, stored as 0 (not ticked) or 1
        title = dict(question.options + question.retired_options)[variable]
        value = {"type": "integer", "enum": [0] if variable in retired else [0, 1]}  # retired: not ticked anew
        hints.insert(0, question.text)
    else:
        title, value = question.text or question.label or question.id, _value(question)
    prop = {"title": title, "description": "\n\n".join(filter(None, hints)), **value}
    if not prop["description"]:
        del prop["description"]
    notes = {
        "x-question": question.id if question.type == "checkbox" else None,
        "deprecated": variable in retired or None,
        "x-field-numbers": _field_numbers(question, variable),
        "x-asked-when": asked_when,
        "x-required-when": _required_when(question, asked_when),
        "x-optional": question.optional is True or None,
        "x-retired-options": [_retired_option(question, code, label) for code, label in question.retired_options]
        if question.is_coded else None,
        "x-repeat": question.repeat or None,
        "x-index": question.index,
        "x-record-field": next((c for c, v in definition.record_fields.items() if v == variable), None),
        "x-refers-to": question.extra.get("refers_to"),
        "x-routing-note": question.page.routing_note or None,
        "x-personal": question.personal or None,
    }
    prop.update({key: value for key, value in notes.items() if value not in (None, [], "")})
    return prop


def _retired_option(question, code, label):
    """A retired code, readable in the records that hold it, with the codes that replaced it."""
    option = {"const": code, "title": label}
    if code in question.replaced_by:
        option["x-replaced-by"] = list(question.replaced_by[code])
    return option


def _value(question):
    """The type and limits of one answer, as stored."""
    if question.is_coded:
        return {"oneOf": [{"const": code, "title": str(label)} for code, label in question.options]}
    if question.type in ("radio", "select"):  # options from reference data: an id or a code
        return {"type": ["integer", "string"]}
    if question.type == "date":
        return {"type": "string", "format": "date", "pattern": DATE_PATTERN}
    if question.type == "numeric":
        return _number(question)
    return {"type": "string", "maxLength": TEXT_MAX_LENGTH}  # text, address


def _number(question):
    step = question.step
    whole = step is not None and step >= 1 and float(step).is_integer()
    value = {"type": "integer" if whole else "number"}
    if question.min is not None:
        value["minimum"] = question.min
    if question.max is not None:
        value["maximum"] = question.max
    if whole and step != 1:
        value["multipleOf"] = int(step)
    elif step and not whole:
        # Not multipleOf: validators test it in binary floating point, and reject 0.07
        # as a multiple of 0.01. The gateway checks it exactly.
        value["x-step"] = step
    return value


def _nullable(prop):
    """A PATCH may send null to clear an answer."""
    if "oneOf" in prop:
        return {**prop, "oneOf": [*prop["oneOf"], {"type": "null", "title": "Clear the answer"}]}
    types = prop["type"] if isinstance(prop["type"], list) else [prop["type"]]
    nullable = {**prop, "type": [*types, "null"]}
    if "enum" in prop:
        nullable["enum"] = [*prop["enum"], None]
    return nullable


def _asked_when(question):
    """When the question applies: its subsection's, page's and own conditions together."""
    page = question.page
    parts = [e.source for e in (page.subsection.show_if, page.show_if, question.show_if) if e is not None]
    return _all(parts)


def _required_when(question, asked_when):
    if question.optional is True or (not asked_when and question.optional is False):
        return None  # never required, or always (then it is in `required`)
    parts = [asked_when] if asked_when else []
    if question.optional is not False:  # an expression: optional when it holds
        parts.append(f"not ({question.optional.source})")
    return _all(parts)


def _all(parts):
    if len(parts) <= 1:
        return parts[0] if parts else None
    return " and ".join(f"({part})" for part in parts)


def _field_numbers(question, variable):
    """The bulk-upload template's field numbers for the variable (docs/definitions.md)."""
    fields = question.bulk_upload.get("fields")
    fields = [] if fields is None else [int(f) for f in (fields if isinstance(fields, list) else [fields])]
    if question.type == "checkbox":  # one field per option, in order
        names = question.bulk_upload.get("variables") or [code for code, _ in question.options]
        return [field for field, name in zip(fields, names) if name == variable]
    return fields


def _derived(definition, pack):
    """Values the service computes: stored apart from the answers (the record's
    `derived`), never sent. Derived questions of the definition, and the rule pack's."""
    properties = {q.id: {"title": q.text or q.label, "readOnly": True}
                  for q in definition.questions.values() if q.type == "derived"}
    for derivation in pack.derivations if pack else ():
        entry = properties.setdefault(derivation.id, {"readOnly": True})
        if derivation.label and "title" not in entry:
            entry["title"] = derivation.label
        if derivation.description and "description" not in entry:
            entry["description"] = derivation.description.strip()
    return {"type": "object", "readOnly": True, "properties": properties} if properties else None
