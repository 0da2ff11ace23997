"""A number's format, range and step are checked only where its question is asked: an
answer the other answers route away is cleared like any other, not refused (as the
CORE service's shared numeric checks skip a question whose page is not routed to)."""

import pytest

from cldc.platform.records.gateway import evaluate


def judge(definition, pack, context, incoming):
    return evaluate(definition, pack, {}, incoming, context, "api", {})


@pytest.mark.parametrize("age3", [150, "1.5", "old"])  # out of range, off step, not a number
def test_a_bad_number_for_a_question_routing_removes_is_cleared_not_refused(definition, pack, context, age3):
    result = judge(definition, pack, context, {"hhmemb": 2, "age3": age3})  # person 3's page needs hhmemb >= 3
    assert result.errors == []
    assert "age3" not in result.answers and "age3" not in result.rejected
    assert "age3" in result.cleared


@pytest.mark.parametrize("age3, rule", [(150, "numeric_min_max"), ("1.5", "numeric_step"), ("old", "numeric_format")])
def test_the_same_number_is_refused_where_its_question_is_asked(definition, pack, context, age3, rule):
    result = judge(definition, pack, context, {"hhmemb": 3, "age3": age3})
    assert [(e["field"], e["rule"]) for e in result.errors] == [("age3", rule)]
    assert result.rejected == {"age3": age3}


def test_a_stored_answer_is_cleared_when_a_bad_number_arrives_with_the_answer_that_routes_it_away(
        definition, pack, context):
    stored = {"hhmemb": 3, "age3": 40}
    result = evaluate(definition, pack, stored, {"hhmemb": 2, "age3": 150}, context, "api", {})
    assert result.errors == [] and "age3" not in result.answers and "age3" in result.cleared
