"""JSON in, with a bound on nesting. No record is more than a few levels deep; a body
nested hundreds deep is an attack on the parser (and on any code that walks the
result), refused as malformed like any other bad body."""

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_DEPTH = 20  # a batch item's answer is 4 deep: {"records": [{"answers": {"x": 1}}]}
TOO_DEEP = f"JSON parse error - the body is nested more than {MAX_DEPTH} levels deep"


def deeper_than(value, limit):
    """True if containers nest more than `limit` deep; walked without recursion."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:  # deeper than the interpreter's own limit
            raise ParseError(TOO_DEEP) from None
        if deeper_than(data, MAX_DEPTH):
            raise ParseError(TOO_DEEP)
        return data
