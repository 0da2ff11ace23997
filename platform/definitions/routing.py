"""Which questions apply to a record, given its answers, and whether it is complete."""

from cldc.platform.definitions.expressions import _truthy


def _holds(expression, answers, context):
    return expression is None or _truthy(expression.evaluate(answers, context))


def route(definition, answers, context=None):
    """The answers that still apply, the variables cleared because they no longer
    apply, and the applicable questions in form order. Pages are taken in order, so
    a page's condition sees only the answers that apply before it."""
    kept = dict(answers)
    applicable = []
    subsection_holds = {}
    for page in definition.pages:
        sub = page.subsection
        if sub.id not in subsection_holds:
            subsection_holds[sub.id] = _holds(sub.show_if, kept, context)
        page_applies = subsection_holds[sub.id] and _holds(page.show_if, kept, context)
        for question in page.questions:
            if page_applies and _holds(question.show_if, kept, context):
                applicable.append(question)
            else:
                for var in question.variables:
                    kept.pop(var, None)
    cleared = sorted(set(answers) - set(kept))
    return kept, cleared, applicable


def is_answered(question, answers):
    if question.type == "checkbox":
        return any(answers.get(var) is not None for var in question.variables)
    return answers.get(question.id) is not None


def unanswered(applicable, answers, context=None):
    """Applicable questions without an answer, that are not optional."""
    missing = []
    for question in applicable:
        if question.type == "derived" or is_answered(question, answers):
            continue
        optional = question.optional
        if optional is True or (optional and _holds(optional, answers, context)):
            continue
        missing.append(question)
    return missing
