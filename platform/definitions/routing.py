"""Which questions apply to a record, given its answers, and whether it is complete."""

from cldc.platform.definitions.expressions import scope


def route(definition, answers, context=None):
    """The answers that still apply, the variables cleared because they no longer
    apply, and the applicable questions in form order. Pages are taken in order, so
    a page's condition sees only the answers that apply before it."""
    kept = dict(answers)
    env = scope(kept, context or {})  # the names conditions read, kept in step with `kept`
    applicable = []
    subsection_holds = {}
    for page in definition.pages:
        sub = page.subsection
        holds = subsection_holds.get(sub.id)
        if holds is None:
            holds = subsection_holds[sub.id] = sub.show_if is None or bool(sub.show_if.evaluate_in(env))
        page_applies = holds and (page.show_if is None or bool(page.show_if.evaluate_in(env)))
        for question in page.questions:
            if page_applies and (question.show_if is None or question.show_if.evaluate_in(env)):
                applicable.append(question)
            else:
                for var in question.variables:
                    if kept.pop(var, None) is not None:
                        env.pop(var, None)
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
        if optional is True or (optional and optional.evaluate(answers, context)):
            continue
        missing.append(question)
    return missing
