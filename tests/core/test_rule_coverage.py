"""`cldc rules` lists every reference rule that can fire in 2026/27: as a rule that
runs, one built into the gateway, or one waiting for something, with its reason."""

import json
from pathlib import Path

import pytest

from cldc.platform import registry

SPEC = Path(registry.get("core").reference_dir) / "spec"
KINDS = ("hard_rules", "shared_rules", "bulk_upload_rules", "soft_checks")


def reference_rules(record_type):
    spec = json.loads((SPEC / f"{record_type}_2026_validations.json").read_text())
    return {rule["id"]: rule for kind in KINDS for rule in spec[kind]}


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_2026_reference_rule_is_in_the_pack(record_type):
    pack = registry.get("core").rule_pack(record_type, 2026)
    implemented = {rule.reference for rule in pack.rules}
    can_fire = {rid for rid, rule in reference_rules(record_type).items() if rule.get("active_in_2026") is not False}
    assert sorted(can_fire - implemented) == []


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_rule_names_a_real_reference_and_waiting_rules_say_why(record_type):
    pack = registry.get("core").rule_pack(record_type, 2026)
    known = set(reference_rules(record_type))
    assert sorted({r.reference for r in pack.rules} - known) == []
    assert [r.id for r in pack.rules if r.waiting_for and len(r.waiting_for) < 10] == []


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_soft_checks_stay_soft_and_hard_rules_hard(record_type):
    reference = reference_rules(record_type)
    pack = registry.get("core").rule_pack(record_type, 2026)
    wrong = [r.id for r in pack.rules if r.severity != reference[r.reference]["severity"]]
    assert wrong == []
