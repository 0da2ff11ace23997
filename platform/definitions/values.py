"""Turning incoming answers (from a form, a file or an API call) into typed values,
and back into JSON for storage. Every problem is reported on its field; nothing
here raises on bad input."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

# The CORE service's own shared messages, used for every collection.
MESSAGES = {
    "unknown_field": "%{field} is not a question in this form.",
    "numeric_format": "%{field} must be a number.",
    "numeric_between": "%{field} must be between %{min} and %{max}.",
    "numeric_at_least": "%{field} must be at least %{min}.",
    "numeric_at_most": "%{field} must be at most %{max}.",
    "numeric_step": "%{field} must be given to the nearest %{step}.",
    "numeric_whole": "%{field} must be a whole number.",
    "date_format": "Enter a date in the correct format, for example 31/1/2024.",
    "invalid_option": "Enter a valid value for %{field}",
    "retired_option": "%{value} is no longer an answer to %{field}. Choose another answer.",
    "checkbox_value": "%{field} must be 0 (not ticked) or 1 (ticked).",
    "text_type": "%{field} must be text.",
    "text_length": "%{field} must be %{max} characters or fewer.",
}
RETIRED_OPTION = "retired_option"  # the rule id of a retired code sent as a new answer
TEXT_MAX_LENGTH = 1000
CODED = ("radio", "select")  # question types answered with one code (_code)
STEP_WORDS = {Decimal("0.01"): "hundredth", Decimal("0.1"): "tenth", Decimal("10"): "ten"}


@dataclass
class FieldError:
    field: str
    rule: str
    message: str

    def as_dict(self):
        return {"field": self.field, "rule": self.rule, "severity": "hard", "message": self.message}


def message(rule, **params):
    text = MESSAGES[rule]
    for name, value in params.items():
        text = text.replace("%{" + name + "}", str(value))
    return text


def normalise(definition, incoming, existing=None):
    """Typed values for the known variables of `incoming`, and a FieldError for each
    value that cannot be stored. A blank value (None or "") clears the answer."""
    existing = existing or {}
    values, errors = {}, []
    variables = definition.variables
    for name, raw in incoming.items():
        question = variables.get(name)
        if question is None:
            errors.append(FieldError(name, "unknown_field", message("unknown_field", field=name)))
            continue
        if isinstance(raw, str):
            text = raw.strip()
            if text == "":
                values[name] = None
                continue
            if question.type in CODED:  # the commonest answer: an offered code, as text (what _code does)
                code = question.code_for_text.get(text)
                if code is not None and code in question.codes:
                    values[name] = code
                    continue
            elif question.type == "numeric" and len(text) < 16 and text.isdigit() and text.isascii():
                # A whole number typed plainly (short: _number refuses one too large to
                # divide exactly), in range, where whole numbers are stored as int: what
                # _number makes of it, without Decimal arithmetic.
                low, high, step = question.number_limits
                number = int(text)
                if (step is None or step == 1) and (low is None or low <= number) and (high is None or number <= high):
                    values[name] = number
                    continue
        elif raw is None:
            values[name] = None
            continue
        try:
            values[name] = _coerce(question, name, raw, existing.get(name))
        except _Invalid as invalid:
            errors.append(FieldError(name, invalid.rule, invalid.text))
    values.update(_not_ticked(definition, values, existing))
    return values, errors


def _not_ticked(definition, values, existing):
    """{variable: 0} for each offered box left blank of a tick-box question that has a box
    ticked once `values` are given: not ticked, stored as 0 in every channel (the web form
    sends a box left unticked blank, the API and the XML files as 0 or not at all)."""
    found = {}
    variables = definition.variables
    boxes = {}  # each tick-box question among the values, once, in their order
    for name in values:
        question = variables[name]
        if question.type == "checkbox":
            boxes.setdefault(question.id, question)
    for question in boxes.values():
        now = {name: values[name] if name in values else existing.get(name) for name in question.variables}
        if 1 in now.values():
            found.update({name: 0 for name in question.variables if name in question.codes and now[name] is None})
    return found


class _Invalid(Exception):
    def __init__(self, rule, text):
        self.rule, self.text = rule, text


def _label(question):
    return question.label or question.text or question.id


def _coerce(question, name, raw, existing):
    kind = question.type
    if kind == "checkbox":
        if not (raw in (0, 1, True, False) or str(raw).strip() in ("0", "1")):
            raise _Invalid("checkbox_value", message("checkbox_value", field=_label(question)))
        ticked = int(str(int(raw)) if isinstance(raw, bool) else str(raw).strip())
        retired = dict(question.retired_options)
        if ticked and name in retired and existing != 1:
            raise _retired(question, name, retired[name])
        return ticked
    if kind in CODED:
        return _code(question, raw, existing)
    if kind == "numeric":
        return _number(question, raw)
    if kind == "date":
        return parse_date(raw, question)
    if not isinstance(raw, (str, int, float, Decimal)) or isinstance(raw, bool):
        raise _Invalid("text_type", message("text_type", field=_label(question)))
    text = str(raw).strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise _Invalid("text_length", message("text_length", field=_label(question), max=TEXT_MAX_LENGTH))
    return text


def _code(question, raw, existing):
    if not question.options and not question.retired_options:
        return str(raw).strip() if not isinstance(raw, int) else raw  # dynamic options (organisations, areas)
    code = None if isinstance(raw, bool) else question.code_for_text.get(str(raw).strip())
    if code is None:
        raise _Invalid("invalid_option", message("invalid_option", field=_label(question)))
    if code not in question.codes and code != existing:
        raise _retired(question, code, str(raw).strip())
    return code


def _retired(question, code, shown):
    """A retired code refused as a new answer (a record that holds it keeps it): where the
    definition says which codes replaced it, the message names them."""
    if code in question.replaced_by:
        return _Invalid(RETIRED_OPTION, question.replaced_message(code))
    return _Invalid(RETIRED_OPTION, message(RETIRED_OPTION, field=_label(question), value=shown))


def _number(question, raw):
    label = _label(question)
    if isinstance(raw, bool):
        raise _Invalid("numeric_format", message("numeric_format", field=label))
    # Typed text in exponent form ('1e4') is not a number a person types, though
    # Decimal reads it (CORE refuses it too). A JSON number has no typed form.
    if isinstance(raw, str) and "e" in raw.lower():
        raise _Invalid("numeric_format", message("numeric_format", field=label))
    try:
        number = Decimal(str(raw).strip().replace(",", ""))
    except InvalidOperation:
        raise _Invalid("numeric_format", message("numeric_format", field=label)) from None
    if not number.is_finite():
        raise _Invalid("numeric_format", message("numeric_format", field=label))
    low, high, step = question.number_limits
    if (low is not None and number < low) or (high is not None and number > high):
        shown_low = f"{question.prefix}{question.min}{question.suffix}" if low is not None else None
        shown_high = f"{question.prefix}{question.max}{question.suffix}" if high is not None else None
        if low is not None and high is not None:
            raise _Invalid("numeric_min_max", message("numeric_between", field=label, min=shown_low, max=shown_high))
        if low is not None:
            raise _Invalid("numeric_min_max", message("numeric_at_least", field=label, min=shown_low))
        raise _Invalid("numeric_min_max", message("numeric_at_most", field=label, max=shown_high))
    try:
        off_step = step is not None and number % step != 0
    except InvalidOperation:  # too large to divide exactly (1e30 with no maximum)
        raise _Invalid("numeric_format", message("numeric_format", field=label)) from None
    if off_step:
        if step == 1:
            raise _Invalid("numeric_step", message("numeric_whole", field=label))
        raise _Invalid("numeric_step", message("numeric_step", field=label, step=STEP_WORDS.get(step, step)))
    return int(number) if number == number.to_integral_value() and (step is None or step >= 1) else number


def parse_date(raw, question=None):
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise _Invalid("date_format", message("date_format")) from None


# --- Storage ------------------------------------------------------------------------


def to_json(values):
    """JSON-ready values: dates as YYYY-MM-DD, decimals as numbers."""
    return {name: _json_value(value) for name, value in values.items()}


def _json_value(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


def from_json(definition, stored):
    """Typed values from storage (trusted: it was normalised on the way in)."""
    values = {}
    for name, value in stored.items():
        question = definition.variables.get(name)
        if value is None or question is None:
            values[name] = value
        elif question.type == "date":
            values[name] = dt.date.fromisoformat(value)
        elif question.type == "numeric" and isinstance(value, float):
            values[name] = Decimal(str(value))
        else:
            values[name] = value
    return values
