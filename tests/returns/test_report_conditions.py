"""A report's conditions in SQL (report_tables.condition_sql) mean what the expression
language means (definitions/expressions.py), blank answers included: each condition is
worked out by PostgreSQL over a record's JSON and by the language over its answers, and
the two agree for every record."""

import json

import pytest
from django.db import connection

from cldc.platform import registry
from cldc.platform.definitions.expressions import compile_expression
from cldc.platform.definitions.values import from_json
from cldc.platform.returns.declarations import Period
from cldc.platform.returns.report import Source, with_values
from cldc.platform.returns.report_tables import bind, condition_sql, names_of

CONDITIONS = [
    "visitmode == 1", "visitmode != 1", "visitmode in (1, 2)", "visitmode not in (1, 2)", "not visitmode == 1",
    "not visitmode != 1", "hhmemb >= 3", "hhmemb < 3", "3 <= hhmemb", "present(repairs)", "blank(repairs)",
    "present(repairs, period)", "blank(repairs, period)", "repairs == 1 and period == 4", "repairs == 1 or period == 4",
    "not (repairs == 1 or period == 4)", "visitdate >= quarter_start and visitdate <= quarter_end",
    "visitdate < quarter_start", "visitref == 'A'", "visitref != 'A'", "needs_mobility", "not needs_mobility",
    "adults >= 1", "adults == 0",
]
RECORDS = [  # (answers, derived)
    ({}, {}),
    ({"visitmode": 1, "hhmemb": 3, "repairs": 1, "period": 4, "visitdate": "2026-05-01", "visitref": "A",
      "needs_mobility": 1}, {"adults": 2}),
    ({"visitmode": 2, "hhmemb": 1, "repairs": 2, "visitdate": "2026-07-01", "visitref": "B", "needs_mobility": 0},
     {"adults": 0}),
    ({"visitmode": 3, "hhmemb": 4, "period": 4, "visitdate": "2026-03-31"}, {}),
]


@pytest.mark.parametrize("condition", CONDITIONS)
def test_postgresql_and_the_language_agree_on_a_condition(db, condition):
    definition = registry.get("visits").definition("visit", 2026)
    period = Period(2026, 1)
    expression = compile_expression(condition)
    sql, params = condition_sql(expression, None)
    by_python, by_sql = [], []
    for answers, derived in RECORDS:
        env = {**period.context(), **from_json(definition, {**derived, **answers})}
        by_python.append(bool(expression.evaluate(env)))
        source = with_values(Source("SELECT %s::jsonb AS answers, %s::jsonb AS derived",
                                    (json.dumps(answers), json.dumps(derived))),
                             names_of(expression))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {sql} FROM ({source.sql}) s", bind((*params, *source.params), period))
            by_sql.append(cursor.fetchone()[0])
    assert by_sql == by_python
