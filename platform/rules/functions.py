"""Python functions that collection packages register for rules and derived
variables too complex for an expression (reference tables, for example).

    from cldc.platform.rules.functions import rule_function

    @rule_function("core.rent_in_soft_range")
    def rent_in_soft_range(answers, context):
        ...  # return None when the rule does not fire, or a dict of message parameters

A derived-variable function returns the value (None for blank).
"""

import difflib

_FUNCTIONS = {}


def rule_function(name):
    def register(fn):
        if name in _FUNCTIONS and _FUNCTIONS[name] is not fn:
            raise ValueError(f"Two rule functions are called {name!r}")
        _FUNCTIONS[name] = fn
        return fn

    return register


def get_function(name):
    try:
        return _FUNCTIONS[name]
    except KeyError:
        near = difflib.get_close_matches(str(name), sorted(_FUNCTIONS), n=1)
        hint = f" (did you mean {near[0]!r}?)" if near else ""
        raise LookupError(f"no rule function called {name!r} is registered{hint}") from None


def per_record(context, key, compute, *args):
    """A value a package's functions need several times for one record (a household's
    income range, say): compute(*args), computed once per check. The engine gives each
    check of a record a fresh `memo` in the context; outside a check, it is just
    computed. Passing the arguments (rather than a lambda over them) spares making a
    closure at each call: these run for every record."""
    memo = context.get("memo")
    if memo is None:
        return compute(*args)
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute(*args)
        return value
