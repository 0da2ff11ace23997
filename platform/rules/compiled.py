"""A rule pack's derivations and rules as one generated Python function each (ADR 20):
made once per pack (and channel), they do what RulePack.derive_interpreted and
check_interpreted do, in the same order, with each expression inline and each answer
read once into a local variable, where the interpreter calls a closure per node and
reads the scope dict at every name.

The code comes from cldc.platform.definitions.codegen (from the parsed expressions,
never from a person's text; no builtins). Rule and derived-variable functions
(`function:`) are called as the interpreter calls them, with the same arguments."""

from cldc.platform.definitions import codegen
from cldc.platform.rules.functions import get_function


def _loads(names):
    """Lines that read each name the expressions use, once, from the scope `env`."""
    return [f"    {codegen.local(name)} = _get({name!r})" for name in sorted(names)]


def _read_names(expressions):
    """Every answer or context name the expressions read (their predicates' included)."""
    return set().union(*(expression.names for expression in expressions))


def derive_function(derivations):
    """derive(known, env, context) -> values: the pack's derivations in order; each
    value that is not None is put in `values`, `known` and `env` (as the interpreter
    does), and in the local variable later expressions read."""
    generator = codegen.Generator()
    expressions = [d.expression for d in derivations if not d.function]
    read = _read_names(expressions)
    lines = ["def derive(known, env, context):", "    _get = env.get", *_loads(read), "    values = {}"]
    for derivation in derivations:
        key = generator.bind(derivation.id, "id")
        if derivation.function:
            function = generator.bind(get_function(derivation.function), "fn")
            lines.append(f"    _v = {function}(known, context)")
        else:
            source = generator.expression(derivation.expression, codegen.local)
            lines += ["    try:", f"        _v = {source}", "    except _CAUGHT:", "        _v = None"]
        lines += ["    if _v is not None:", f"        values[{key}] = known[{key}] = env[{key}] = _v"]
        if derivation.id in read:
            lines.append(f"        {codegen.local(derivation.id)} = _v")
    lines.append("    return values")
    return codegen.define("derive", "\n".join(lines), generator.bindings)


def check_function(rules):
    """check(answers, env, context) -> [(position, result)]: the rules (those running
    on one channel) that fire, in order. `result` is None for a `when` rule without
    params, {} for one with params, and the function's own result for a function rule
    (the caller makes the message parameters, as Rule.check does)."""
    generator = codegen.Generator()
    read = _read_names([r.when for r in rules if not r.function])
    lines = ["def check(answers, env, context):", "    _get = env.get", *_loads(read),
             "    fired = []", "    _fire = fired.append"]
    if any(rule.function and rule.index is not None for rule in rules):
        # The interpreter gives a repeat rule's function {**context, "index": n}; one copy,
        # its index set before each call, gives the same without a copy a rule.
        lines.append(f"    _indexed = {generator.bind(dict, 'fn')}(context)")
    for position, rule in enumerate(rules):
        if rule.function:
            function = generator.bind(get_function(rule.function), "fn")
            if rule.index is None:
                given = "context"
            else:
                given = "_indexed"
                lines.append(f"    _indexed['index'] = {generator.bind(rule.index)}")
            lines += [f"    _r = {function}(answers, {given})",
                      "    if _r is not None and _r is not False:", f"        _fire(({position}, _r))"]
        else:
            source = generator.expression(rule.when, codegen.local)
            fired = "{}" if rule.params else "None"
            lines += ["    try:", f"        if {source}:", f"            _fire(({position}, {fired}))",
                      "    except _CAUGHT:", "        pass"]
    lines.append("    return fired")
    return codegen.define("check", "\n".join(lines), generator.bindings)
