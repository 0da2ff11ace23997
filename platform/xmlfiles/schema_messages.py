"""What an XSD error means, in plain English, for the officer who sends the file.

xmlschema reports an error in its own words ("Invalid datetime string '31-02-2020' for
<class 'elementpath.datatypes.datetime.Date10'>", "Unexpected child with tag 'X' at
position 4. Tag 'Y' expected."). Here each kind of error (the XSD part that refused
the value: a type, an enumeration, a range, a length, a pattern, the order and number
of elements, an attribute) is told as what is wrong and what is expected:

    explain(error, question)   # "“31-02-2020” is not a date. Write it as YYYY-MM-DD, for example ..."

The reader (reader.py) names the record and the element before it. A kind not mapped
here is still told readably: the library's reason with its Python jargon taken out."""

import re
from decimal import Decimal, InvalidOperation

from xmlschema.validators import (
    XsdAttributeGroup, XsdEnumerationFacets, XsdFractionDigitsFacet, XsdGroup, XsdLengthFacet,
    XsdMaxExclusiveFacet, XsdMaxInclusiveFacet, XsdMaxLengthFacet, XsdMinExclusiveFacet, XsdMinInclusiveFacet,
    XsdMinLengthFacet, XsdPatternFacets, XsdTotalDigitsFacet)
from xmlschema.validators.exceptions import XMLSchemaChildrenValidationError

SHOWN = 60  # characters of a value quoted back: enough to find it, not a page of it
LISTED = 20  # codes listed with their labels; more are listed as codes only
LISTED_ELEMENTS = 12  # the elements an element holds, listed when one it does not hold is found
DATE_EXAMPLE = "2026-04-30"


def quoted(value):
    value = str(value)
    return f"“{value[:SHOWN]}…”" if len(value) > SHOWN else f"“{value}”"


def explain(error, question=None):
    """The text of one XSD error: of a simple element's value (`question`: its question,
    or None), else of an element's children or attributes."""
    if about_children(error):
        return children(error)[1]
    if isinstance(error.validator, XsdAttributeGroup) or (error.reason or "").startswith("attribute "):
        return attribute(error)
    text = (getattr(error.elem, "text", None) or "").strip()
    return value_message(error.validator, text, question) or readable(error.reason)


def about_children(error):
    """Whether the error is about an element's child elements (missing, unknown, order)."""
    return isinstance(error, XMLSchemaChildrenValidationError)


def value_message(validator, text, question):
    """What is wrong with a simple element's text, and what it must be; None when this kind
    is not one of those mapped."""
    if text == "":
        return f"it is empty. Leave the element out when there is no answer, or give {expected(question, validator)}"
    shown = quoted(text)
    if isinstance(validator, XsdEnumerationFacets):
        return f"{shown} is not one of its codes. Give {codes_of(question, validator)}"
    if isinstance(validator, (XsdMinInclusiveFacet, XsdMinExclusiveFacet)):
        edge = "at least" if isinstance(validator, XsdMinInclusiveFacet) else "more than"
        return f"{shown} is too small. It must be {edge} {validator.value}"
    if isinstance(validator, (XsdMaxInclusiveFacet, XsdMaxExclusiveFacet)):
        edge = "at most" if isinstance(validator, XsdMaxInclusiveFacet) else "less than"
        return f"{shown} is too large. It must be {edge} {validator.value}"
    if isinstance(validator, XsdFractionDigitsFacet):
        places = validator.value
        if not places:
            return f"{shown} has too many decimal places. Give a whole number"
        return f"{shown} has too many decimal places. Give at most {places} (for example {_rounded(text, places)})"
    if isinstance(validator, XsdTotalDigitsFacet):
        return f"{shown} has too many digits. Give at most {validator.value}"
    if isinstance(validator, XsdMaxLengthFacet):
        return f"{shown} is {len(text):,} characters long. It can be at most {validator.value:,}"
    if isinstance(validator, XsdMinLengthFacet):
        return f"{shown} is {len(text):,} characters long. It must be at least {validator.value:,}"
    if isinstance(validator, XsdLengthFacet):
        return f"{shown} is {len(text):,} characters long. It must be exactly {validator.value:,}"
    if isinstance(validator, XsdPatternFacets):
        forms = " or ".join(f"“{pattern}”" for pattern in validator.regexps)
        return f"{shown} is not written in the form this element takes (the XSD's pattern {forms})"
    kind = _type_name(validator)
    if kind == "date":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return f"{shown} is not a real date: there is no such day in that month. Check the day and the month"
        return f"{shown} is not a date. Write it as YYYY-MM-DD, for example {DATE_EXAMPLE}"
    if kind in ("integer", "int", "long", "short", "nonNegativeInteger", "positiveInteger"):
        if question is not None and (question.options or question.retired_options):
            return f"{shown} is not one of its codes. Give {codes_of(question, None)}"
        return f"{shown} is not a whole number. Give {expected(question, validator)}, in digits only"
    if kind in ("decimal", "float", "double"):
        return f"{shown} is not a number. Give {expected(question, validator)}, in digits, without £ or commas"
    if kind == "boolean":
        return f"{shown} is not true or false"
    return None


def expected(question, validator=None):
    """What a value must be, in words."""
    if question is None:
        kind = _type_name(validator)
        return {"date": f"a date written as YYYY-MM-DD, for example {DATE_EXAMPLE}",
                "integer": "a whole number", "decimal": "a number"}.get(kind, "a value")
    if question.type in ("checkbox", "radio", "select") and (question.options or question.retired_options):
        return codes_of(question, None)
    if question.type == "date":
        return f"a date written as YYYY-MM-DD, for example {DATE_EXAMPLE}"
    if question.type == "numeric":
        whole = "a whole number" if str(question.step or "") in ("1", "1.0") else "a number"
        if question.min is not None and question.max is not None:
            return f"{whole} from {question.min} to {question.max}"
        return whole
    return "text"


def codes_of(question, validator):
    """“one of: 1 (Yes), 2 (No)”: the codes an element takes, with their labels."""
    if question is not None and (question.options or question.retired_options):
        options = [(code, label) for code, label in question.options + question.retired_options if label]
        if len(options) <= LISTED:
            return "one of: " + ", ".join(f"{code} ({label})" for code, label in options)
        return "one of the codes " + ", ".join(str(code) for code, _ in options)
    if validator is not None and getattr(validator, "enumeration", None):
        return "one of: " + ", ".join(str(value) for value in validator.enumeration)
    return "one of its codes"


def children(error):
    """(the element it is about, the text): an element missing, not known, in the wrong
    place or given too often, among a record's (or a repeat block's, or the file's)
    child elements."""
    parent = error.elem
    group = error.validator if isinstance(error.validator, XsdGroup) else None
    declared = {element.local_name: element for element in group.iter_elements()} if group is not None else {}
    order = list(declared)  # the elements it may hold, in the XSD's order
    wanted = [getattr(e, "local_name", None) for e in (error.expected or [])]
    wanted = [name for name in wanted if name]
    where = f"<{parent.tag}>"
    if error.invalid_tag is None:  # the children ended before a required one
        missing = " or ".join(f"<{name}>" for name in wanted) or "an element"
        return (wanted[0] if wanted else ""), f"{missing} is missing from {where}. Every {where} must have it"
    tag = error.invalid_tag
    most = declared[tag].max_occurs if tag in declared else None
    if most is not None and sum(1 for child in parent[:error.index] if child.tag == tag) >= most:
        times = "once" if most == 1 else f"at most {most} times"
        return tag, f"<{tag}> is given too many times. It can be in {where} {times}"
    if tag not in order:
        known = (f" {where} holds " + ", ".join(f"<{name}>" for name in order) if 0 < len(order) <= LISTED_ELEMENTS
                 else " The XSD lists the elements it holds.")
        return tag, f"<{tag}> is not an element of {where}. Remove it, or check its name (names are case-sensitive).{known}"
    required = [name for name in wanted if name != tag and name in declared and declared[name].min_occurs > 0]
    if required:
        missing = " or ".join(f"<{name}>" for name in required)
        return required[0], f"{missing} is missing from {where}: it must come before <{tag}>"
    before = parent[error.index - 1].tag if error.index > 0 else None
    if before in order and order.index(before) > order.index(tag):
        return tag, (f"<{tag}> is in the wrong place: it must come before <{before}>. The elements of {where} "
                     f"must be in the XSD's order")
    return tag, f"<{tag}> is in the wrong place. The elements of {where} must be in the XSD's order"


def attribute(error):
    """An attribute missing, not allowed or with a value not allowed."""
    reason, tag = error.reason or "", error.elem.tag if error.elem is not None else "the element"
    missing = re.match(r"missing required attribute '([^']+)'", reason)
    if missing:
        name = missing.group(1)
        return f"<{tag}> has no {name} attribute. Give it, as <{tag} {name}=\"1\">"
    given = re.match(r"attribute (\w+)='([^']*)': (.*)", reason)
    if given:
        name, value, why = given.groups()
        allowed = re.search(r"one of \[(.*)\]", why)
        if allowed:
            return f"<{tag} {name}=\"{value}\"> is not allowed: {name} must be one of {allowed.group(1)}"
        return f"<{tag} {name}=\"{value}\"> is not allowed: {readable(why)}"
    other = re.search(r"'([^']+)' attribute not allowed", reason)
    if other:
        return f"<{tag}> may not have a {other.group(1)} attribute. Remove it"
    return readable(reason)


def readable(reason):
    """A reason not mapped above, without the library's Python jargon."""
    text = re.sub(r" for <class '[^']+'>", "", str(reason or ""))
    text = re.sub(r"Decimal\('([^']*)'\)", r"\1", text)
    text = re.sub(r"\bXsd[A-Za-z]+\(([^)]*)\)", r"\1", text)
    text = text.strip().rstrip(".")
    return f"it does not match the file's XSD ({text})" if text else "it does not match the file's XSD"


def _type_name(validator):
    """The XSD built-in type a value was read as: "date", "integer", "decimal", ..."""
    seen = validator
    while seen is not None:
        name = getattr(seen, "local_name", None)
        if name and getattr(seen, "target_namespace", "") == "http://www.w3.org/2001/XMLSchema":
            return name
        seen = getattr(seen, "base_type", None)
    primitive = getattr(validator, "primitive_type", None)
    return getattr(primitive, "local_name", "") or ""


def _rounded(text, places):
    try:
        return f"{Decimal(text):.{places}f}"
    except (InvalidOperation, ValueError):
        return f"{1:.{places}f}"
