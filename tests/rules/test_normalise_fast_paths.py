"""normalise() takes two short cuts for the commonest answers of a file or form (issue
17: it runs for every answer of every record): an offered code sent as text, and a
plain whole number in range. Each must store exactly what the full path (_coerce) stores
and refuse exactly what it refuses, for every coded and number question of every
package's definition, including the edges: retired codes, padding, leading zeros,
limits, and numbers too long to divide exactly."""

from types import SimpleNamespace

import pytest

from cldc.platform import registry
from cldc.platform.definitions import values
from cldc.platform.definitions.model import Question
from cldc.platform.definitions.values import normalise

DEFINITIONS = [("core", "lettings", 2026), ("core", "sales", 2026), ("hclic", "case", 2025), ("hclic", "case", 2026),
               ("visits", "visit", 2026)]
NUMBER_TEXTS = ["0", "1", "007", " 12 ", "16", "99", "100", "1.5", "1,000", "-1", "1e3", "٣", "²",
                "9" * 15, "9" * 16, "9" * 30]


def _texts(question):
    if question.type in values.CODED:
        codes = [code for code, _ in question.options + question.retired_options]
        return [f" {code} " for code in codes] + [str(code) for code in codes] + ["0", "1", "99", "R", "x"]
    texts = list(NUMBER_TEXTS)
    for limit in (question.min, question.max):
        if limit is not None:
            texts += [str(limit), str(int(limit) - 1), str(int(limit) + 1)]
    return texts


def _full_path(question, name, text):
    """What _coerce, the path the short cuts skip, makes of the text: (value, None) or (None, rule)."""
    try:
        return repr(values._coerce(question, name, text, None)), None
    except values._Invalid as invalid:
        return None, invalid.rule


@pytest.mark.parametrize("collection, record_type, version", DEFINITIONS)
def test_short_cuts_store_and_refuse_what_the_full_path_does(collection, record_type, version):
    definition = registry.get(collection).definition(record_type, version)
    compared = 0
    for name, question in definition.variables.items():
        if question.type not in (*values.CODED, "numeric"):
            continue
        for text in _texts(question):
            stored, errors = normalise(definition, {name: text})
            got = (repr(stored[name]), None) if not errors else (None, errors[0].rule)
            assert got == _full_path(question, name, text), (name, text)
            compared += 1
    assert compared > 100


@pytest.mark.parametrize("step", [None, 1, 10, 0.01])
def test_whole_numbers_without_a_maximum_as_the_full_path(step):
    """No package has a whole-number question without a maximum today; one is made here,
    so that a number too long to divide exactly is refused by the short cut as by _number."""
    question = Question(id="count", type="numeric", min=0, step=step)
    definition = SimpleNamespace(variables={"count": question})
    for text in NUMBER_TEXTS:
        stored, errors = normalise(definition, {"count": text})
        got = (repr(stored["count"]), None) if not errors else (None, errors[0].rule)
        assert got == _full_path(question, "count", text), text
