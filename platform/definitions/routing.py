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
    for sub_id, sub_show_if, page_show_if, questions in definition.routing_plan:
        holds = subsection_holds.get(sub_id)
        if holds is None:
            holds = subsection_holds[sub_id] = sub_show_if is None or bool(sub_show_if(env))
        page_applies = holds and (page_show_if is None or page_show_if(env))
        for question, show_if, variables in questions:
            if page_applies and (show_if is None or show_if(env)):
                applicable.append(question)
            else:
                for var in variables:
                    if kept.pop(var, None) is not None:
                        del env[var]
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
