"""Python source generated from compiled expressions, so that the expressions a rule
pack or a routing plan evaluates for every record run as one Python function each
(cldc.platform.rules.compiled, routing.route), not as trees of closures (ADR 20).

The code is generated from the expression's parsed tree, after the interpreter
(expressions.compile_expression) has accepted it, never from the text a person wrote:
- a name becomes a local variable (`v_` and the name, which the parser made an
  identifier) or its read from the scope; nothing else the text says reaches the code;
- a constant is an int, bool or None literal, or a str literal written by repr();
  anything else (a Decimal, a set of constants, a definition's constant) is bound to a
  generated name (`_k3`), as are the language's own functions (`_f_present`);
- the code is compiled with no builtins, so it can call only what is bound.
Each construct keeps the interpreter's semantics exactly: operands are evaluated in
the same order and as often, blanks are the same blanks, and a whole expression that
raises one of the errors the interpreter catches is None. The differential test
(tests/rules/test_compiled_equals_interpreter.py) holds the two to the same results.
"""

import ast

from cldc.platform.definitions import expressions as language

# What evaluate_in() catches around a whole expression: the generated code catches
# the same around each expression it evaluates.
CAUGHT = (TypeError, ArithmeticError, ValueError, AttributeError)
# The language's functions written out in the generated code (Generator._inline).
INLINE = ("present", "blank", "any_present", "any_of", "count", "count_equal", "coalesce")
COMPARE_OPERATORS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
                     ast.In: "in", ast.NotIn: "not in"}


class Generator:
    """Python source for expressions, and the objects that source names (`bindings`)."""

    def __init__(self):
        self.bindings = {"_CAUGHT": CAUGHT}
        self._bound = {}
        self._temps = 0

    def bind(self, value, hint="k"):
        """A generated name for a value the code uses (the same value, the same name)."""
        key = (hint, id(value))
        if key not in self._bound:
            name = f"_{hint}{len(self.bindings)}"
            self.bindings[name] = value
            self._bound[key] = (name, value)  # holds the value, so its id is not reused
        return self._bound[key][0]

    def temp(self):
        self._temps += 1
        return f"_t{self._temps}"

    def expression(self, expression, read):
        """The source of one Expression as a Python expression; `read(name)` gives the
        source that reads an answer (or a context value) by name."""
        return self._node(expression.tree, expression.constants, expression.predicates, read)

    def _node(self, node, constants, predicates, read):  # noqa: C901 - one case per node type, as the interpreter
        def sub(child):
            return self._node(child, constants, predicates, read)

        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.Name):
            name = node.id
            if name in constants:
                return self.bind(constants[name])
            if name in predicates:  # a named condition: its own tree, inline
                predicate = predicates[name]
                return self._node(predicate.tree, predicate.constants, predicate.predicates, read)
            return read(name)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            if all(isinstance(e, ast.Constant) for e in node.elts):
                return self.bind(frozenset(_constant_value(e.value) for e in node.elts))
            return "[" + ", ".join(sub(e) for e in node.elts) + "]"
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            return "(True if " + joiner.join(f"({sub(v)})" for v in node.values) + " else False)"
        if isinstance(node, ast.UnaryOp):
            operand = sub(node.operand)
            if isinstance(node.op, ast.Not):
                return f"(not ({operand}))"
            if isinstance(node.op, ast.USub):
                t = self.temp()
                return f"(None if ({t} := ({operand})) is None else -{t})"
            if isinstance(node.op, ast.UAdd):
                return operand
        if isinstance(node, ast.BinOp):
            return self._binary(node, sub)
        if isinstance(node, ast.Compare):
            return self._compare(node, sub, constants, predicates, read)
        if isinstance(node, ast.IfExp):
            return f"(({sub(node.body)}) if ({sub(node.test)}) else ({sub(node.orelse)}))"
        if isinstance(node, ast.Call):
            name = node.func.id
            answers = [a for a in node.args if language._is_answer(a, constants, predicates)]
            if name in ("present", "blank") and len(answers) == len(node.args):
                return self._presence([read(a.id) for a in node.args], want_present=name == "present")
            if name in INLINE and (node.args or name != "count_equal"):  # count_equal() is the call's TypeError
                return self._inline(name, node.args, sub, constants, predicates, read)
            function = self.bind(language.FUNCTIONS[name], "f_")
            return f"{function}(" + ", ".join(sub(a) for a in node.args) + ")"
        raise ValueError(f"no code for {type(node).__name__}: the interpreter should have refused it")

    def _inline(self, name, args, sub, constants, predicates, read):
        """The commonest of the language's functions, written out: their arguments are
        all evaluated first, in order (as for a call), then the function's own test.
        An argument that is an answer is its local variable, read where used."""
        values, prelude = [], []
        for arg in args:
            source = read(arg.id) if language._is_answer(arg, constants, predicates) else None
            if source is None or not source.isidentifier():
                source = self.temp()
                prelude.append(f"({source} := ({sub(arg)}))")
            values.append(source)
        if name == "count_equal":
            target, values = values[0], values[1:]
            result = "(0" + "".join(f" + (1 if {v} == {target} else 0)" for v in values) + ")"
        elif name == "count":
            result = "(0" + "".join(f" + (1 if ({v} is True or (not {self._blank(v)} and {v} not in (False, 0))) else 0)"
                                    for v in values) + ")"
        elif name == "coalesce":
            result = "(" + "".join(f"{v} if not {self._blank(v)} else " for v in values) + "None)"
        else:
            test = {"any_of": lambda v: f"({v} and not {self._blank(v)})",
                    "any_present": lambda v: f"(not {self._blank(v)})",
                    "present": lambda v: f"(not {self._blank(v)})",
                    "blank": lambda v: self._blank(v)}[name]
            joiner = " and " if name in ("present", "blank") else " or "
            if not values:  # all() of nothing holds; any() of nothing does not
                result = "True" if name in ("present", "blank") else "False"
            else:
                result = "(True if " + joiner.join(test(v) for v in values) + " else False)"
        if not prelude:
            return result
        return "((" + ", ".join(prelude) + f"), {result})[1]"

    def _constant(self, value):
        value = _constant_value(value)
        if value is None or type(value) in (bool, int):
            return repr(value)
        if type(value) is str:
            return repr(value)
        return self.bind(value)

    def _blank(self, t):
        """expressions._blank, inline."""
        return f'({t} is None or {t} == "" or {t} == [])'

    def _binary(self, node, sub):
        a, b = self.temp(), self.temp()
        # Both operands are evaluated, as the interpreter does, before either is tested.
        operands = f"(({a} := ({sub(node.left)})), ({b} := ({sub(node.right)})))"
        kind = type(node.op)
        if kind is ast.Add:
            result = f"{self.bind(language._add, 'f_')}({a}, {b}, 1)"
        elif kind is ast.Sub:
            result = f"{self.bind(language._add, 'f_')}({a}, {b}, -1)"
        elif kind is ast.Mult:
            result = f"{a} * {b}"
        elif kind is ast.Div:
            result = f"{self.bind(language._div, 'f_')}({a}, {b})"
        elif kind is ast.Mod:
            result = f"(None if {b} == 0 else {a} % {b})"
        else:
            raise ValueError(f"no code for {kind.__name__}")
        return f"(None if {operands} and ({self._blank(a)} or {self._blank(b)}) else {result})"

    def _compare(self, node, sub, constants, predicates, read):
        kinds = [type(op) for op in node.ops]
        if len(kinds) == 1 and language._is_answer(node.left, constants, predicates) \
                and language._is_constant(node.comparators[0]):
            # expressions._compare_answer_with_constant: blank is None or "" only, and
            # the comparison's own value is the result.
            t = self.temp()
            blank_result = repr(kinds[0] in (ast.NotEq, ast.NotIn))
            return (f'({blank_result} if (({t} := {read(node.left.id)}) is None or {t} == "") '
                    f"else {t} {COMPARE_OPERATORS[kinds[0]]} {sub(node.comparators[0])})")
        a = self.temp()
        return f"(({a} := ({sub(node.left)})), {self._steps(a, list(zip(kinds, node.comparators)), sub)})[1]"

    def _steps(self, a, steps, sub):
        """The interpreter's loop over a chain of comparisons, unrolled: each right side
        evaluated only when the chain gets to it; a blank makes the step false, except
        for != and `not in`, which go on to the next step."""
        if not steps:
            return "True"
        (kind, right), rest = steps[0], steps[1:]
        b = self.temp()
        blank_b = "False" if kind in (ast.In, ast.NotIn) else self._blank(b)
        on_blank = self._steps(b, rest, sub) if kind in (ast.NotEq, ast.NotIn) else "False"
        holds = f"({self._steps(b, rest, sub)} if {a} {COMPARE_OPERATORS[kind]} {b} else False)"
        return f"(({b} := ({sub(right)})), ({on_blank} if ({self._blank(a)} or {blank_b}) else {holds}))[1]"

    def _presence(self, reads, want_present):
        """expressions._presence, inline: blank is None or "" only."""
        tests = []
        for source in reads:
            t = self.temp()
            blank = f'(({t} := {source}) is None or {t} == "")'
            tests.append(f"(not {blank})" if want_present else blank)
        return "(True if " + " and ".join(tests) + " else False)" if tests else "True"


def _constant_value(value):
    """A constant as the interpreter holds it: a float as a Decimal."""
    if isinstance(value, float):
        return language.Decimal(str(value))
    return value


def define(name, source, bindings):
    """The function `name` that `source` (generated here, never a person's text) defines,
    compiled with no builtins: it can use only `bindings`."""
    namespace = {"__builtins__": {}, **bindings}
    exec(compile(source, f"<generated {name}>", "exec"), namespace)  # noqa: S102 - our own generated code, see above
    return namespace[name]


def local(name):
    """The local variable that holds an answer in generated code."""
    if not name.isidentifier():
        raise ValueError(f"{name!r} is not a name")
    return f"v_{name}"
