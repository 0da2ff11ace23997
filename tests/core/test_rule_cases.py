"""Every rule has a case that makes it fire and one that does not.

Cases live in tests/core/rule_cases/<record_type>_*.yaml:

    record_type: lettings
    version: 2026
    context: {today: 2026-09-01}            # optional, for every case in the file
    cases:
      mrcdate_not_after_startdate:          # a rule id (repeat rules: one of their ids, e.g. x_2)
        fires: {startdate: 2026-05-01, mrcdate: 2026-06-01}
        passes: {startdate: 2026-05-01, mrcdate: 2026-04-01}
        context: {owning_organisation_type: local_authority}   # optional, for this case
        stored: {tshortfall: 100.01}          # optional: answers the record already holds

`fires` and `passes` may each be a list of answer sets, one case per item.

Answers go through the gateway's own evaluation (normalised, routed, derived,
checked) on the upload channel, so bulk-upload-only rules run too. A case must
therefore give the answers that make its questions apply: a rule about an answer
that routing clears can never fire, and its case says so by failing. The case
asserts only whether its own rule fired (hard or soft).
"""

import datetime as dt
from pathlib import Path

import pytest
import yaml

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import evaluate

CASES_DIR = Path(__file__).parent / "rule_cases"
DEFAULT_CONTEXT = {"today": dt.date(2026, 9, 1), "version": 2026,
                   "collection_start": dt.date(2026, 4, 1), "collection_end": dt.date(2027, 3, 31)}


def load_cases():
    for path in sorted(CASES_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        for rule_id, case in (data.get("cases") or {}).items():
            context = {**DEFAULT_CONTEXT, **(data.get("context") or {}), **(case.get("context") or {})}
            for expectation in ("fires", "passes"):
                given = case.get(expectation)
                several = isinstance(given, list)
                for number, answers in enumerate(given if several else [] if given is None else [given], start=1):
                    yield pytest.param(
                        data["record_type"], data.get("version", 2026), rule_id, expectation, answers, context,
                        case.get("stored") or {}, id=f"{path.stem}:{rule_id}:{expectation}" + (f":{number}" if several else ""),
                    )


def fired(record_type, version, answers, context, stored=None):
    core = registry.get("core")
    definition, pack = core.definition(record_type, version), core.rule_pack(record_type, version)
    _, errors = normalise(definition, answers)
    assert not errors, f"the case's answers are not valid values: {[e.message for e in errors]}"
    held, errors = normalise(definition, stored or {})
    assert not errors, f"the case's stored answers are not valid values: {[e.message for e in errors]}"
    result = evaluate(definition, pack, held, answers, context, "upload", {})
    return {finding.rule_id for finding in result.findings}


@pytest.mark.parametrize("record_type, version, rule_id, expectation, answers, context, stored", list(load_cases()))
def test_rule_case(record_type, version, rule_id, expectation, answers, context, stored):
    pack = registry.get("core").rule_pack(record_type, version)
    assert rule_id in {r.id for r in pack.rules}, f"no rule {rule_id} in {record_type} {version}"
    assert (rule_id in fired(record_type, version, answers, context, stored)) == (expectation == "fires")


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_running_rule_has_a_case_that_fires_and_one_that_passes(record_type):
    pack = registry.get("core").rule_pack(record_type, 2026)
    covered = {}
    for param in load_cases():
        rt, _, rule_id, expectation, *_ = param.values
        if rt == record_type:
            covered.setdefault(rule_id, set()).add(expectation)
    by_family = {}
    for rule in pack.rules:
        by_family.setdefault(rule.family, set()).update(covered.get(rule.id, set()))
    lacking = sorted(f for f, seen in by_family.items() if seen != {"fires", "passes"} and _runs(pack, f))
    assert lacking == [], f"rules without a firing and a passing case: {lacking}"


def _runs(pack, family):
    return any(r.runs for r in pack.rules if r.family == family)
