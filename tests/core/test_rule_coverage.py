"""`cldc rules` lists every reference rule that can fire in 2026/27: as a rule that
runs, one built into the gateway, or one waiting for something, with its reason (those
that never run are in rules/<record_type>/not_run.yaml)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cldc.platform import registry
from cldc.platform.definitions.model import load_yaml
from cldc.platform.rules.engine import file_entries, years_cover

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


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_rules_that_never_run_are_in_not_run_yaml_with_their_reason_and_cldc_rules_lists_them(record_type):
    folder = registry.get("core").package_dir / "rules" / record_type
    by_file = {path.name: file_entries(load_yaml(path), "rules", path) for path in folder.glob("*.yaml")}

    def never_runs(entry):  # a built-in completeness rule runs: the gateway reports the blank half of its pair
        return bool(entry.get("waiting_for") or entry.get("built_in") and not entry["built_in"].startswith("completeness"))

    assert by_file["not_run.yaml"] and all(never_runs(entry) for entry in by_file["not_run.yaml"])
    assert [e["id"] for name, entries in by_file.items() if name != "not_run.yaml" for e in entries if never_runs(e)] == []

    out = StringIO()
    call_command("cldc", "rules", "--collection", "core", "--record-type", record_type, "--version", "2026", stdout=out)
    listed = {rule["id"]: rule for rule in json.loads(out.getvalue())["rules"]}
    for entry in by_file["not_run.yaml"]:
        if years_cover(entry["years"], 2026):
            rule = listed[entry["id"]]
            assert rule["status"] in ("waiting", "built_in") and len(rule["waiting_for"] or rule["built_in"]) >= 10
