"""Rule cases: for each rule of a package, answers that make it fire and answers that
do not, in YAML files any package's tests can run (docs/testing-a-package.md).

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

import pytest
import yaml

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import evaluate


def default_context(collection, record_type, version):
    """The context of a case that gives none: the version's own dates, and five months
    in for today (2026/27: 1 September 2026)."""
    definition = registry.get(collection).definition(record_type, version)
    return {"today": min(definition.valid_from + dt.timedelta(days=153), definition.valid_to), "version": version,
            "collection_start": definition.valid_from, "collection_end": definition.valid_to}


def load_cases(folder):
    """pytest params (record_type, version, rule_id, expectation, answers, context, stored)
    for every case of every YAML file in `folder`. Read when tests are collected, so it
    asks no package: a package registered by a fixture is not found yet."""
    for path in sorted(folder.glob("*.yaml")):
        data = yaml.safe_load(path.read_text()) or {}
        record_type, version = data["record_type"], data.get("version", 2026)
        for rule_id, case in (data.get("cases") or {}).items():
            context = {**(data.get("context") or {}), **(case.get("context") or {})}  # over default_context
            for expectation in ("fires", "passes"):
                given = case.get(expectation)
                several = isinstance(given, list)
                for number, answers in enumerate(given if several else [] if given is None else [given], start=1):
                    yield pytest.param(
                        record_type, version, rule_id, expectation, answers, context, case.get("stored") or {},
                        id=f"{path.stem}:{rule_id}:{expectation}" + (f":{number}" if several else ""),
                    )


def fired(collection, record_type, version, answers, context, stored=None):
    """The ids of the rules that fire on the answers (and those the record holds)."""
    package = registry.get(collection)
    definition, pack = package.definition(record_type, version), package.rule_pack(record_type, version)
    _, errors = normalise(definition, answers)
    assert not errors, f"the case's answers are not valid values: {[e.message for e in errors]}"
    held, errors = normalise(definition, stored or {})
    assert not errors, f"the case's stored answers are not valid values: {[e.message for e in errors]}"
    context = {**default_context(collection, record_type, version), **context}
    result = evaluate(definition, pack, held, answers, context, "upload", {})
    return {finding.rule_id for finding in result.findings}


def assert_case(collection, record_type, version, rule_id, expectation, answers, context, stored):
    """The case's rule exists, and fires or not as the case says."""
    pack = registry.get(collection).rule_pack(record_type, version)
    assert rule_id in {r.id for r in pack.rules}, f"no rule {rule_id} in {record_type} {version}"
    assert (rule_id in fired(collection, record_type, version, answers, context, stored)) == (expectation == "fires")


def lacking_cases(collection, folder, record_type, version):
    """The rule families that run but lack a case that fires or one that passes."""
    pack = registry.get(collection).rule_pack(record_type, version)
    covered = {}
    for param in load_cases(folder):
        rt, _, rule_id, expectation, *_ = param.values
        if rt == record_type:
            covered.setdefault(rule_id, set()).add(expectation)
    by_family = {}
    for rule in pack.rules:
        by_family.setdefault(rule.family, set()).update(covered.get(rule.id, set()))
    runs = {rule.family for rule in pack.rules if rule.runs}
    return sorted(f for f, seen in by_family.items() if seen != {"fires", "passes"} and f in runs)
