"""CORE's "X is required when Y" rules are completeness in this engine: the question
applies when Y holds, so a record without X stays in progress, and a partial
submission (Y now, X later, perhaps from another system) is kept, not refused."""

import datetime as dt

import pytest

from cldc.platform import registry
from cldc.platform.records.gateway import evaluate

CONTEXT = {"today": dt.date(2026, 9, 1), "version": 2026}
REQUIRED = [  # rule, the answer that makes the question apply, the question
    ("irproduct_other_required", {"rent_type": 5}, "irproduct_other"),
    ("reasonother_required", {"renewal": 0, "reason": 20}, "reasonother"),
    ("prevloc_required_if_known", {"renewal": 0, "previous_la_known": 1}, "prevloc"),
    ("incfreq_required_with_earnings", {"net_income_known": 0, "earnings": 300}, "incfreq"),
    ("earnings_required_with_incfreq", {"net_income_known": 0, "incfreq": 1}, "earnings"),
    ("tenancyother_required", {"tenancy": 3}, "tenancyother"),
]


@pytest.mark.parametrize("rule_id, given, question", REQUIRED)
def test_required_follow_ups_are_completeness_not_refusals(rule_id, given, question):
    core = registry.get("core")
    definition, pack = core.definition("lettings", 2026), core.rule_pack("lettings", 2026)
    rule = next(r for r in pack.rules if r.id == rule_id)
    assert rule.built_in.startswith("completeness:")
    result = evaluate(definition, pack, {}, given, CONTEXT, "api", {})
    assert result.rejected == {} and all(result.answers.get(k) == v for k, v in given.items())
    assert question in result.missing and result.status == "in_progress"
