"""A definition's routing conditions in words, for people reading the paper form:
`size >= 2 and known == 1` reads “Number of people” is 2 or more and “Details known”
is “Yes”, where those are the questions' labels and the option's.

Each answer is named by its question's label and each code by its option's label, in
curly quotes. The commonest shapes are worded: comparisons of an answer with a value
or a list (is, is not, is one of, more than ...), present() and blank(), named
conditions (the definition's predicates, worded in turn), and `and`, `or` and `not`,
with brackets where a sentence would be unclear. Anything else keeps the expression's
own text for that part, so nothing is lost or guessed."""

import ast
import datetime as dt

from cldc.platform.definitions.model import _either as either


def asked_if(expression, definition, numbers=None):
    """“Asked if: ...” for an Expression (or its source text), or "" when there is none.
    `numbers` ({question id: its number on the form}) adds each question's number, so
    that a reader finds it: “Lead tenant’s age” (question 23) is “Yes”."""
    if expression is None:
        return ""
    source = getattr(expression, "source", expression)
    return f"Asked if: {in_words(source, definition, numbers)}"


def in_words(source, definition, numbers=None):
    return _Words(str(source), definition, numbers or {}).word(ast.parse(str(source).strip(), mode="eval").body)


class _Words:
    def __init__(self, source, definition, numbers):
        self.source, self.definition, self.numbers = source.strip(), definition, numbers

    def word(self, node, inside=None):
        if isinstance(node, ast.BoolOp):
            joiner = " and " if isinstance(node.op, ast.And) else " or "
            text = joiner.join(self.word(value, inside=type(node.op)) for value in node.values)
            return f"({text})" if inside not in (None, type(node.op)) else text
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return f"not ({self.word(node.operand)})"
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            return "always" if node.value else "never (not asked on this form)"
        if isinstance(node, ast.Name) and node.id in self.definition.predicates:
            return self.word(ast.parse(self.definition.predicates[node.id].source, mode="eval").body, inside)
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and isinstance(node.left, ast.Name):
            worded = self.comparison(node.left.id, node.ops[0], node.comparators[0])
            if worded:
                return worded
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("present", "blank")
                and node.args and all(isinstance(arg, ast.Name) for arg in node.args)):
            names = either([self.answer(arg.id) for arg in node.args])
            plural = len(node.args) > 1
            if node.func.id == "present":
                return f"{names} {'are' if plural else 'is'} answered"
            return f"{names} {'are' if plural else 'is'} not answered"
        return ast.get_source_segment(self.source, node) or self.source

    def answer(self, name):
        question = self.definition.variables.get(name)
        if question is None:
            return name.replace("_", " ")  # a value of the record's context, such as its owner's type
        number = f" (question {self.numbers[question.id]})" if question.id in self.numbers else ""
        if question.type == "checkbox":
            return f"“{question.label}: {question.label_for(name) or name}”{number}"
        return f"“{question.label or question.text or name}”{number}"

    def value(self, name, value):
        question = self.definition.variables.get(name)
        if question is not None and question.type == "checkbox":
            return value
        if question is not None and question.is_coded and question.label_for(value) is not None:
            return f"“{question.label_for(value)}”"
        if isinstance(value, str):
            return f"“{value.replace('_', ' ')}”"
        return f"{question.prefix if question is not None else ''}{value}"

    def comparison(self, name, op, right):
        try:
            constant = ast.literal_eval(right)
        except ValueError:
            return None
        question = self.definition.variables.get(name)
        if question is not None and question.type == "checkbox" and isinstance(op, (ast.Eq, ast.NotEq)):
            ticked = (constant == 1) == isinstance(op, ast.Eq)
            return f"{self.answer(name)} is {'ticked' if ticked else 'not ticked'}"
        subject = self.answer(name)
        if isinstance(constant, (tuple, list, set, frozenset)):
            values = either([self.value(name, item) for item in constant])
            if isinstance(op, ast.In):
                return f"{subject} is {values}" if len(constant) == 1 else f"{subject} is one of {values}"
            if isinstance(op, ast.NotIn):
                return f"{subject} is not {values}" if len(constant) == 1 else f"{subject} is none of {values}"
            return None
        if constant is None or isinstance(constant, (dt.date,)):
            return None
        value = self.value(name, constant)
        return {
            ast.Eq: f"{subject} is {value}",
            ast.NotEq: f"{subject} is not {value}",
            ast.Gt: f"{subject} is more than {value}",
            ast.GtE: f"{subject} is {value} or more",
            ast.Lt: f"{subject} is less than {value}",
            ast.LtE: f"{subject} is {value} or less",
        }.get(type(op))
