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


def not_asked_message(definition, variable, kept, context=None, asked=frozenset(), inferred=frozenset()):
    """Why an answer that was given is not stored, or None: the condition under which
    its question is asked (its section's, its page's or its own) does not hold for the
    other answers (`kept`, after routing). Names the question and the answers that
    condition reads, as people read them: "Not stored: you answered “Was the person
    seriously injured ...?”, but also “No” to “Does anybody in the household have links
    to the UK armed forces?”." An answer the condition reads that is blank as its own
    question is not asked either (not among the `asked` variables) is explained in turn,
    back to the answers that stand. None when all the condition reads is `inferred`
    (values a channel worked out, not the person's)."""
    env = scope(kept, context or {})
    read, seen, todo = [], {variable}, [variable]
    while todo:
        question = definition.variables[todo.pop(0)]
        page = question.page
        conditions = [page.subsection.show_if, page.show_if] if page else []
        failing = next((c for c in [*conditions, question.show_if] if c is not None and not c.evaluate_in(env)), None)
        for name in definition.variables if failing else ():
            if name in failing.names and name not in seen and definition.variables[name].type != "derived":
                seen.add(name)
                (todo if kept.get(name) is None and name not in asked else read).append(name)
    if read and all(name in inferred and kept.get(name) is not None for name in read):
        return None
    given = [f"“{_answer(definition, name, kept[name])}” to “{_asked(definition, name)}”"
             for name in read if kept.get(name) is not None]
    blank = [f"“{_asked(definition, name)}”" for name in read if kept.get(name) is None]
    told = f"Not stored: you answered “{_asked(definition, variable)}”"
    if not (given or blank):
        return f"{told}, which does not apply to this log."
    parts = ([f"also {' and '.join(given)}"] if given else []) + ([f"not {' or '.join(blank)}"] if blank else [])
    return f"{told}, but {' and '.join(parts)}."


def _asked(definition, name):
    """A variable's question as people read it: its text when that is a question, else
    its label ("Person 5’s age", not "Age"); a tick box, with its option."""
    question = definition.variables[name]
    text = question.text if question.text.endswith("?") or not question.label else question.label
    if name == question.id:
        return text
    return f"{text}: {question.label_for(name) or name}"


def _answer(definition, name, value):
    if definition.variables[name].type == "checkbox":  # an option's tick box: 1 ticked, 0 not
        return "ticked" if value == 1 else "not ticked"
    return definition.display(name, value)


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
