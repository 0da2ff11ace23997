"""Which questions apply to a record, given its answers, and whether it is complete."""

from cldc.platform.definitions import codegen
from cldc.platform.definitions.expressions import scope


def route(definition, answers, context=None):
    """The answers that still apply, the variables cleared because they no longer
    apply, and the applicable questions in form order. Pages are taken in order, so
    a page's condition sees only the answers that apply before it. Runs the
    definition's generated routing function (ADR 20); route_interpreted is the reference."""
    kept = dict(answers)
    applicable = definition.routing_function(kept, scope(kept, context or {}))
    cleared = sorted(set(answers) - set(kept))
    return kept, cleared, applicable


def route_interpreted(definition, answers, context=None):
    """route() by the expression interpreter: the reference the generated code is held
    to (tests/rules/test_compiled_equals_interpreter.py)."""
    kept = dict(answers)
    env = scope(kept, context or {})  # the names conditions read, kept in step with `kept`
    applicable = []
    subsection_holds = {}
    for sub_id, sub_show_if, page_show_if, questions in definition.routing_plan:
        holds = subsection_holds.get(sub_id)
        if holds is None:
            holds = subsection_holds[sub_id] = sub_show_if is None or bool(sub_show_if.evaluate_in(env))
        page_applies = holds and (page_show_if is None or page_show_if.evaluate_in(env))
        for question, show_if, variables in questions:
            if page_applies and (show_if is None or show_if.evaluate_in(env)):
                applicable.append(question)
            else:
                for var in variables:
                    if kept.pop(var, None) is not None:
                        del env[var]
    cleared = sorted(set(answers) - set(kept))
    return kept, cleared, applicable


def route_function(plan):
    """routing(kept, env) -> applicable questions: the routing plan (Definition.routing_plan)
    unrolled into one generated function that does what route_interpreted's loop does,
    page by page, popping from `kept` the variables of questions that do not apply.
    Each answer a condition reads is a local variable, set to None when it is cleared."""
    generator = codegen.Generator()
    conditions = [c for _, sub, page, questions in plan for c in (sub, page, *(q[1] for q in questions)) if c]
    read = set().union(*(c.names for c in conditions))
    lines = ["def routing(kept, env):", "    _get = env.get", "    _pop = kept.pop",
             *[f"    {codegen.local(name)} = _get({name!r})" for name in sorted(read)],
             "    applicable = []", "    _ask = applicable.append"]

    def value(condition, into, indent):
        pad = " " * indent
        return [f"{pad}try:", f"{pad}    {into} = {generator.expression(condition, codegen.local)}",
                f"{pad}except _CAUGHT:", f"{pad}    {into} = None"]

    def clear(variables, indent):
        pad = " " * indent
        out = []
        for var in variables:
            if var in read:
                out += [f"{pad}if _pop({var!r}, None) is not None:", f"{pad}    {codegen.local(var)} = None"]
            else:
                out.append(f"{pad}_pop({var!r}, None)")
        return out or [f"{pad}pass"]

    holds = {}  # subsection id -> the local holding whether it holds, worked out where first met
    for sub_id, sub_show_if, page_show_if, questions in plan:
        if sub_id not in holds:
            holds[sub_id] = f"_h{len(holds)}"
            if sub_show_if is None:
                lines.append(f"    {holds[sub_id]} = True")
            else:
                lines += value(sub_show_if, "_c", 4) + [f"    {holds[sub_id]} = True if _c else False"]
        if page_show_if is None:
            lines.append(f"    _page = {holds[sub_id]}")
        else:
            lines += [f"    if {holds[sub_id]}:", *value(page_show_if, "_page", 8), "    else:", "        _page = False"]
        lines.append("    if _page:")
        if not questions:
            lines.append("        pass")
        for question, show_if, variables in questions:
            ask = f"_ask({generator.bind(question, 'q')})"
            if show_if is None:
                lines.append(f"        {ask}")
            else:
                lines += value(show_if, "_c", 8) + ["        if _c:", f"            {ask}", "        else:",
                                                    *clear(variables, 12)]
        lines += ["    else:", *clear([v for _, _, variables in questions for v in variables], 8)]
    lines.append("    return applicable")
    return codegen.define("routing", "\n".join(lines), generator.bindings)


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
        kind = question.type
        if kind == "derived":
            continue
        if kind == "checkbox":
            if is_answered(question, answers):
                continue
        elif answers.get(question.id) is not None:  # is_answered, inline: it runs for every question of every record
            continue
        optional = question.optional
        if optional is True or (optional and optional.evaluate(answers, context)):
            continue
        missing.append(question)
    return missing
