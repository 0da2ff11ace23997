"""The command line: JSON in, JSON out, and a clear message (never a traceback) for bad input."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SELECT = ["--collection", "demo", "--record-type", "case", "--version", "2026"]


def cldc(*args):
    out = StringIO()
    call_command("cldc", *args, stdout=out)
    return out.getvalue()


def test_rules_export_as_json_lists_every_rule_with_its_status(demo_collection):
    pack = json.loads(cldc("rules", *SELECT, "--format", "json"))
    rules = {rule["id"]: rule for rule in pack["rules"]}
    assert rules["high_rent"]["severity"] == "soft" and rules["high_rent"]["expression"] == "brent > 400"
    assert rules["waits"]["status"] == "waiting" and rules["waits"]["waiting_for"] == "the address lookup"
    assert rules["upload_only"]["bulk_upload_only"] is True
    assert rules["numeric_format"]["status"] == "built_in"
    assert {d["id"] for d in pack["derived"]} == {"tcharge", "expensive"}


def test_rules_export_as_markdown_for_people(demo_collection):
    text = cldc("rules", *SELECT, "--format", "md")
    assert text.startswith("# Rules: Demo case 2026")
    assert "| high_rent |  | brent | You told us the rent is %{brent}." in text
    assert "**Waiting for** the address lookup" in text
    assert "Built into the gateway: the gateway's normaliser" in text


def test_validate_reports_each_record(demo_collection, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([
        {"ref": "A1", "startdate": "2026-05-01", "needstype": 1, "hhmemb": 1, "brent": 100, "needs_wheelchair": 1},
        {"ref": "A2", "hhmemb": "two", "startdate": "2026-02-30", "colour": "blue", "brent": 450},
    ]))
    first, second = json.loads(cldc("validate", *SELECT, str(path)))
    assert first["status"] == "completed" and first["derived"]["tcharge"] == 100 and first["errors"] == []
    assert second["status"] == "in_progress"
    assert {(e["field"], e["rule"]) for e in second["errors"]} == {
        ("hhmemb", "numeric_format"), ("startdate", "date_format"), ("colour", "unknown_field"),
    }
    assert [w["rule"] for w in second["warnings"]] == ["high_rent"]


@pytest.mark.parametrize(
    "content, message",
    [
        ("[{", "is not valid JSON"),
        ('{"ref": "A1"}', "must hold a JSON list of objects"),
        ("[1, 2]", "must hold a JSON list of objects"),
    ],
)
def test_validate_refuses_bad_files_with_a_message(demo_collection, tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(CommandError, match=message):
        cldc("validate", *SELECT, str(path))


def test_unknown_collection_or_version_is_a_message(demo_collection, tmp_path):
    with pytest.raises(CommandError, match="No collection package called 'nope'"):
        cldc("rules", "--collection", "nope", "--record-type", "case", "--version", "2026")
    with pytest.raises(CommandError, match="demo has no case version 2030"):
        cldc("rules", "--collection", "demo", "--record-type", "case", "--version", "2030")
    with pytest.raises(CommandError, match="Cannot read"):
        cldc("validate", *SELECT, str(tmp_path / "missing.json"))


def test_lint_passes_on_the_demo_package(demo_collection):
    assert cldc("lint", "--collection", "demo").strip() == "1 definitions checked, 0 problems"
