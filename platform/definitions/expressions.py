"""A small, sandboxed expression language for conditions, simple rules and derived
variables in definition files. Example: `visitmode == 2 and age1 >= 16`.

The syntax is a subset of Python's, parsed with `ast` and compiled into a tree of
closures. Nothing is ever passed to eval(); only the node types and functions listed
here exist. Names are answers (a missing answer is None).

Blank-safe semantics, so that conditions only fire on answers that exist:
- arithmetic with a blank operand is blank;
- ==, <, <=, >, >= with a blank operand are false; != and `not in` are true;
- `and`, `or` and `not` treat blank as false.
Dates compare with dates; `date + days(14)`, `date - years(20)` do date arithmetic.
"""

import ast
import datetime as dt
import operator
import re
from decimal import Decimal


class ExpressionError(ValueError):
    """The expression is not valid in the language (a definition-file error)."""


def _blank(value):
    return value is None or value == "" or value == []


class _Years:
    def __init__(self, n):
        self.n = int(n)


def _add(a, b, sign=1):
    if isinstance(a, dt.date) and isinstance(b, dt.timedelta):
        return a + sign * b
    if isinstance(a, dt.date) and isinstance(b, _Years):
        year = a.year + sign * b.n
        try:
            return a.replace(year=year)
        except ValueError:  # 29 February
            return a.replace(year=year, day=28)
    if isinstance(a, dt.date) and isinstance(b, dt.date) and sign == -1:
        return (a - b).days
    return a + b if sign == 1 else a - b


def _div(a, b):
    """Exact decimal division (money must not pass through floats); blank on zero."""
    if b == 0:
        return None
    return Decimal(str(a)) / Decimal(str(b))


BINARY = {
    ast.Add: lambda a, b: _add(a, b, 1),
    ast.Sub: lambda a, b: _add(a, b, -1),
    ast.Mult: operator.mul,
    ast.Div: _div,
    ast.Mod: lambda a, b: None if b == 0 else a % b,
}

COMPARE = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}


def _round(value, places=0):
    if value is None:
        return None
    return round(Decimal(str(value)), int(places))


FUNCTIONS = {
    # presence
    "present": lambda *values: all(not _blank(v) for v in values),
    "blank": lambda *values: all(_blank(v) for v in values),
    "any_present": lambda *values: any(not _blank(v) for v in values),
    # collections of values
    "any_of": lambda *values: any(bool(v) and not _blank(v) for v in values),
    "count": lambda *values: sum(1 for v in values if v is True or (not _blank(v) and v not in (False, 0))),
    "count_equal": lambda target, *values: sum(1 for v in values if v == target),
    "sum": lambda *values: None if all(_blank(v) for v in values) else sum(v for v in values if not _blank(v)),
    "min": lambda *values: min((v for v in values if not _blank(v)), default=None),
    "max": lambda *values: max((v for v in values if not _blank(v)), default=None),
    "coalesce": lambda *values: next((v for v in values if not _blank(v)), None),
    # numbers and text
    "abs": lambda v: None if v is None else abs(v),
    "round": _round,
    "lower": lambda v: None if v is None else str(v).lower(),
    "strip": lambda v: None if v is None else str(v).strip(),
    "length": lambda v: None if v is None else len(v),
    "matches": lambda v, pattern: v is not None and re.fullmatch(pattern, str(v)) is not None,
    # dates
    "days": lambda n: dt.timedelta(days=int(n)),
    "years": _Years,
    "date": lambda y, m, d: dt.date(int(y), int(m), int(d)),
    "year_of": lambda v: None if v is None else v.year,
    "days_between": lambda a, b: None if a is None or b is None else (b - a).days,
    "whole_years_between": lambda a, b: None
    if a is None or b is None
    else b.year - a.year - ((b.month, b.day) < (a.month, a.day)),
}


class Expression:
    """A compiled expression. Call `evaluate(answers, context)`; `names` lists the
    answers it reads, so linters and rule packs can check and document them."""

    def __init__(self, source, names, fn, tree=None, constants=None, predicates=None):
        self.source = source
        self.names = names
        self._fn = fn
        # The parsed tree and what its names stood for: what the code generator
        # (cldc.platform.definitions.codegen) compiles a pack's expressions from.
        self.tree, self.constants, self.predicates = tree, constants or {}, predicates or {}

        def evaluate_in(env):
            try:
                return fn(env)
            except (TypeError, ArithmeticError, ValueError, AttributeError):
                # Values of unexpected types (text where a number was expected, and
                # so on): the condition does not hold. Type errors are caught
                # earlier, by normalisation against the definition.
                return None

        # The value over one dict of names (see scope()): the fast path for engines
        # that evaluate many expressions over the same record. A plain function on
        # the instance, so a call costs no method binding.
        self.evaluate_in = evaluate_in

    def evaluate(self, answers, context=None):
        """The value of the expression over answers, then context values (such as `today`)."""
        return self.evaluate_in(answers if context is None else scope(answers, context))

    def __repr__(self):
        return f"Expression({self.source!r})"


def scope(answers, context):
    """One dict of names for evaluation: the answers, over the context (whose names,
    such as `today`, are never variable names)."""
    return {**context, **answers}


def compile_expression(source, constants=None, predicates=None):
    """Compile source text into an Expression. Raises ExpressionError on anything
    outside the language. `predicates` maps names to compiled Expressions (a
    definition's named conditions): a name found there stands for that condition."""
    source = str(source).strip()
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as error:
        raise ExpressionError(f"{source!r}: {error.msg}") from None
    names = set()
    fn = _compile(tree.body, source, names, constants or {}, predicates or {})
    # The constants and predicates it names, as they stood now (a definition's
    # predicates grow as it is read): the generated code must resolve names as this did.
    named = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used_constants = {name: value for name, value in (constants or {}).items() if name in named}
    used_predicates = {name: p for name, p in (predicates or {}).items() if name in named and name not in used_constants}
    return Expression(source, frozenset(names), fn, tree.body, used_constants, used_predicates)


def _compile(node, source, names, constants, predicates):  # noqa: C901 - one case per node type
    def sub(child):
        return _compile(child, source, names, constants, predicates)

    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float, str, bool, type(None))):
        value = node.value
        if isinstance(value, float):
            value = Decimal(str(value))
        return lambda env: value
    if isinstance(node, ast.Name):
        name = node.id
        if name in constants:
            value = constants[name]
            return lambda env: value
        if name in predicates:
            predicate = predicates[name]
            names.update(predicate.names)
            return predicate._fn
        names.add(name)
        return lambda env: env.get(name)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        items = [sub(e) for e in node.elts]
        if all(isinstance(e, ast.Constant) for e in node.elts):
            frozen = frozenset(item(None) for item in items)
            return lambda env: frozen
        return lambda env: [item(env) for item in items]
    if isinstance(node, ast.BoolOp):
        parts = [sub(v) for v in node.values]
        # Blank values (None, "", []) are all falsy, so truthiness is plain bool().
        if isinstance(node.op, ast.And):

            def all_hold(env):
                for part in parts:
                    if not part(env):
                        return False
                return True

            return all_hold

        def any_holds(env):
            for part in parts:
                if part(env):
                    return True
            return False

        return any_holds
    if isinstance(node, ast.UnaryOp):
        operand = sub(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda env: not operand(env)
        if isinstance(node.op, ast.USub):
            return lambda env: None if (v := operand(env)) is None else -v
        if isinstance(node.op, ast.UAdd):
            return operand
    if isinstance(node, ast.BinOp) and type(node.op) in BINARY:
        op, left, right = BINARY[type(node.op)], sub(node.left), sub(node.right)

        def binary(env):
            a, b = left(env), right(env)
            if _blank(a) or _blank(b):
                return None
            return op(a, b)

        return binary
    if isinstance(node, ast.Compare):
        left = sub(node.left)
        if any(type(op) not in COMPARE for op in node.ops):
            raise ExpressionError(f"{source!r}: use ==, !=, <, <=, >, >=, in or not in (and blank() for blanks)")
        steps = [(type(op), COMPARE[type(op)], sub(right)) for op, right in zip(node.ops, node.comparators)]
        if len(steps) == 1 and _is_answer(node.left, constants, predicates) and _is_constant(node.comparators[0]):
            kind, op, right = steps[0]
            return _compare_answer_with_constant(node.left.id, kind, op, right(None))

        def compare(env):
            a = left(env)
            for kind, op, right in steps:
                b = right(env)
                if _blank(a) or (_blank(b) and kind not in (ast.In, ast.NotIn)):
                    if kind in (ast.NotEq, ast.NotIn):
                        a = b
                        continue
                    return False
                if not op(a, b):
                    return False
                a = b
            return True

        return compare
    if isinstance(node, ast.IfExp):
        test, body, orelse = sub(node.test), sub(node.body), sub(node.orelse)
        return lambda env: body(env) if test(env) else orelse(env)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id not in FUNCTIONS:
            raise ExpressionError(f"{source!r}: unknown function {node.func.id}()")
        name, fn = node.func.id, FUNCTIONS[node.func.id]
        if name in ("present", "blank") and all(_is_answer(a, constants, predicates) for a in node.args):
            return _presence([a.id for a in node.args], want_present=name == "present", names=names)
        args = [sub(a) for a in node.args]
        if len(args) == 1:  # the common arities without building an argument list
            (only,) = args
            return lambda env: fn(only(env))
        if len(args) == 2:
            first, second = args
            return lambda env: fn(first(env), second(env))
        return lambda env: fn(*[a(env) for a in args])
    raise ExpressionError(f"{source!r}: {type(node).__name__} is not allowed in expressions")


def _presence(answer_names, want_present, names):
    """present(a, b) / blank(a, b) over answers: a direct look-up of each."""
    names.update(answer_names)

    def check(env):
        for name in answer_names:
            value = env.get(name)
            if (value is None or value == "") == want_present:
                return False
        return True

    return check


def _is_answer(node, constants, predicates):
    return isinstance(node, ast.Name) and node.id not in constants and node.id not in predicates


def _is_constant(node):
    if isinstance(node, ast.Constant):
        return node.value is not None
    return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and all(isinstance(e, ast.Constant) for e in node.elts)


def _compare_answer_with_constant(name, kind, op, constant):
    """The commonest condition, `answer <op> constant`, without the general loop:
    same semantics (a blank answer makes it false, except for != and not in)."""
    blank_result = kind in (ast.NotEq, ast.NotIn)

    def compare(env):
        value = env.get(name)
        if value is None or value == "":
            return blank_result
        return op(value, constant)

    return compare


def _truthy(value):
    return bool(value) and not _blank(value)
