"""Rule cases: for each rule of a package, answers that make it fire and a near miss
that does not, in the package's rule_cases/*.yaml (contract.FILES["rule_cases"]). Run
by `cldc cases` and by a package's pytest tests alike (docs/testing-a-package.md).

    record_type: visit
    version: 2026
    context: {today: 2026-09-01}            # optional, for every case in the file
    cases:
      visit_not_before_referral:            # a rule id (repeat rules: one of their ids, e.g. x_2)
        fires: {referred_on: 2026-05-01, visited_on: 2026-04-01}
        passes: {referred_on: 2026-05-01, visited_on: 2026-06-01}
        context: {owning_organisation_type: local_authority}   # optional, for this case
        passes_context: {...}                 # optional, for its fires (fires_context) or passes only:
                                              # where the context decides (a register entry's status)
        stored: {people: 2}                   # optional: answers the record already holds

`fires` and `passes` may each be a list of answer sets, one case per item.

Answers go through the gateway's own evaluation (normalised, routed, derived,
checked) on the upload channel, so bulk-upload-only rules run too. A case must
therefore give the answers that make its questions apply: a rule about an answer
that routing clears can never fire, and its case says so by failing. The case
asserts only whether its own rule fired (hard or soft).
"""

import datetime as dt
from dataclasses import dataclass, field

import yaml

from cldc.platform.definitions.values import normalise
from cldc.platform.records.gateway import evaluate

EXPECTATIONS = ("fires", "passes")


@dataclass(frozen=True)
class Case:
    name: str  # <file>:<rule id>:<fires|passes>[:<number in the list>], pytest's id too
    record_type: str
    version: int
    rule_id: str
    expectation: str  # "fires" or "passes"
    answers: dict
    context: dict = field(default_factory=dict)  # over default_context
    stored: dict = field(default_factory=dict)


def load_cases(collection):
    """Every case of every rule-cases file of a package (a registry.Collection). Reads
    only the files, so a test can collect the cases of a package not registered yet."""
    found = []
    for path in collection.files("rule_cases"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        record_type, version = data["record_type"], data.get("version", 2026)
        for rule_id, case in (data.get("cases") or {}).items():
            shared = {**(data.get("context") or {}), **(case.get("context") or {})}
            for expectation in EXPECTATIONS:
                context = {**shared, **(case.get(f"{expectation}_context") or {})}
                given = case.get(expectation)
                several = isinstance(given, list)
                for number, answers in enumerate(given if several else [] if given is None else [given], start=1):
                    found.append(Case(f"{path.stem}:{rule_id}:{expectation}" + (f":{number}" if several else ""),
                                      record_type, version, rule_id, expectation, answers, context,
                                      case.get("stored") or {}))
    return found


def default_context(collection, record_type, version):
    """The context of a case that gives none: the version's own dates, and five months
    in for today (2026/27: 1 September 2026)."""
    definition = collection.definition(record_type, version)
    return {"today": min(definition.valid_from + dt.timedelta(days=153), definition.valid_to), "version": version,
            "collection_start": definition.valid_from, "collection_end": definition.valid_to}


def fired(collection, case):
    """The ids of the rules that fire on the case's answers (and those the record holds)."""
    definition = collection.definition(case.record_type, case.version)
    pack = collection.rule_pack(case.record_type, case.version)
    for label, answers in (("answers", case.answers), ("stored answers", case.stored)):
        _, errors = normalise(definition, answers)
        if errors:
            raise ValueError(f"the case's {label} are not valid values: {[e.message for e in errors]}")
    held, _ = normalise(definition, case.stored)
    context = {**default_context(collection, case.record_type, case.version), **case.context}
    result = evaluate(definition, pack, held, case.answers, context, "upload", {})
    return {finding.rule_id for finding in result.findings}


def failure(collection, case):
    """What went wrong with a case, in words, or None when its rule fires or not as it says."""
    pack = collection.rule_pack(case.record_type, case.version)
    if case.rule_id not in {rule.id for rule in pack.rules}:
        return f"no rule {case.rule_id} in {case.record_type} {case.version}"
    expected = "expected it to fire" if case.expectation == "fires" else "expected it not to fire"
    try:
        did_fire = case.rule_id in fired(collection, case)
    except ValueError as error:
        return f"{expected}, but {error}"
    if did_fire != (case.expectation == "fires"):
        return f"{expected}, but it {'fired' if did_fire else 'did not fire'}"
    return None


def lacking_cases(collection, cases, record_type, version):
    """The rule families that run but lack a case that fires or one that passes."""
    covered = {}
    for case in cases:
        if (case.record_type, case.version) == (record_type, version):
            covered.setdefault(case.rule_id, set()).add(case.expectation)
    by_family = {}
    pack = collection.rule_pack(record_type, version)
    for rule in pack.rules:
        by_family.setdefault(rule.family, set()).update(covered.get(rule.id, set()))
    runs = {rule.family for rule in pack.rules if rule.runs}
    return sorted(f for f, seen in by_family.items() if seen != set(EXPECTATIONS) and f in runs)
