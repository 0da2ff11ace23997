"""functions.per_record: a value a package's functions need several times for one
record is computed once a check, from the arguments given (no closure a call)."""

from cldc.platform.rules.functions import per_record


def test_computed_once_a_check_from_the_arguments_given_and_each_time_outside_one():
    calls = []

    def income(answers, factor):
        calls.append(factor)
        return None if answers.get("earnings") is None else answers["earnings"] * factor

    check = {"memo": {}}
    assert [per_record(check, "income", income, {"earnings": 10}, 2) for _ in range(3)] == [20, 20, 20]
    assert per_record(check, "blank", income, {}, 3) is None
    assert per_record(check, "blank", income, {}, 3) is None  # a blank value is remembered too
    assert calls == [2, 3]
    assert per_record({}, "income", income, {"earnings": 1}, 5) == 5  # outside a check: no memo
    assert per_record({}, "income", income, {"earnings": 1}, 5) == 5
    assert calls == [2, 3, 5, 5]
    assert per_record({"memo": {}}, "lambda", lambda: 7) == 7  # a function of no arguments, as before
