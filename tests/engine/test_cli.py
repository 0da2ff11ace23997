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


def test_rules_export_names_each_derived_variable_by_its_label(demo_collection):
    exported = json.loads(cldc("rules", *SELECT, "--format", "json"))
    assert {d["id"]: d["label"] for d in exported["derived"]} == {"tcharge": "Total charge", "expensive": "Expensive"}
    text = cldc("rules", *SELECT, "--format", "md")
    assert "| id | label | reference | how |" in text
    assert "| tcharge | Total charge |  | `sum(brent, scharge)` |" in text


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


def validated(path, *options, select=SELECT):
    return json.loads(cldc("validate", *select, *options, str(path)))


def test_validate_runs_upload_only_rules_only_on_the_upload_channel(demo_collection, tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([{"hhmemb": 3}]))  # person 3's age left blank: the upload-only rule
    for channel in ([], ["--channel", "api"], ["--channel", "form"]):
        assert [e["rule"] for e in validated(path, *channel)[0]["errors"]] == []
    assert [e["rule"] for e in validated(path, "--channel", "upload")[0]["errors"]] == ["upload_only"]


def test_validate_judges_for_the_organisation_types_given(demo_collection, tmp_path):
    rules = demo_collection.package_dir / "rules" / "case.yaml"
    rules.write_text(rules.read_text() + (
        '  - {id: council_rent, severity: soft, years: "2026-", fields: [brent], message: "A council rent",'
        ' when: "owning_organisation_type == \'local_authority\' and brent > 200"}\n'
        '  - {id: agent_managed, severity: soft, years: "2026-", fields: [brent], message: "An agent",'
        ' when: "managing_organisation_type == \'other\' and present(brent)"}\n'))
    path = tmp_path / "records.json"
    path.write_text(json.dumps([{"brent": 250}]))

    def warned(*options):
        return [w["rule"] for w in validated(path, *options)[0]["warnings"]]

    assert warned() == []
    assert warned("--owning-organisation-type", "local_authority") == ["council_rent"]
    assert warned("--owning-organisation-type", "prp", "--managing-organisation-type", "other") == ["agent_managed"]


def test_validate_checks_cores_upload_only_provider_rules_as_a_supplier_would(tmp_path):
    path = tmp_path / "records.json"
    path.write_text(json.dumps([{"renewal": 0, "referral_register": 2}]))  # a local authority's register code
    core = ["--collection", "core", "--record-type", "lettings", "--version", "2026"]

    def refused(*options):
        return "bu_referral_fields_consistent" in {e["rule"] for e in validated(path, *options, select=core)[0]["errors"]}

    assert refused("--channel", "upload", "--owning-organisation-type", "prp")
    assert not refused("--channel", "upload", "--owning-organisation-type", "local_authority")
    assert not refused("--channel", "upload")  # the owner's type unknown: any register code may be right
    assert not refused("--owning-organisation-type", "prp")  # the api channel: not an upload rule


@pytest.mark.parametrize("option, value", [("--channel", "email"), ("--owning-organisation-type", "charity"),
                                           ("--managing-organisation-type", "LA")])
def test_validate_refuses_an_unknown_channel_or_organisation_type(demo_collection, tmp_path, option, value):
    path = tmp_path / "records.json"
    path.write_text("[]")
    with pytest.raises(CommandError, match="invalid choice"):
        cldc("validate", *SELECT, option, value, str(path))


DEMO_CASES = """
record_type: case
version: 2026
cases:
  scheme_needs_supported:                 # can never fire: routing clears a scheme of general needs
    fires: {needstype: 1, scheme: S1}
    passes: {needstype: 2, scheme: S1}
  person_age_2:
    fires: {hhmemb: 2, age2: 111}
    passes: {hhmemb: 2, age2: 110}
  high_rent:
    fires: [{brent: 401}, {brent: 40}]    # the second is wrong
    passes: {brent: 400}
  upload_only:
    fires: {hhmemb: 3}
  no_such_rule:
    fires: {brent: 1}
"""


def test_cases_names_each_failing_case_and_each_rule_without_both_and_fails(demo_collection):
    """The passing run is the example package's (tests/test_example_package.py)."""
    (demo_collection.package_dir / "rule_cases").mkdir()
    (demo_collection.package_dir / "rule_cases" / "case.yaml").write_text(DEMO_CASES)
    out = StringIO()
    with pytest.raises(CommandError, match="3 cases failed, and some running rules have no cases"):
        call_command("cldc", "cases", "--collection", "demo", stdout=out)
    assert out.getvalue().splitlines() == [
        "scheme_needs_supported: case:scheme_needs_supported:fires: expected it to fire, but it did not fire",
        "high_rent: case:high_rent:fires:2: expected it to fire, but it did not fire",
        "no_such_rule: case:no_such_rule:fires: no rule no_such_rule in case 2026",
        "9 cases, 3 failed; coverage: rules that run without a firing case and a near miss: case 2026: upload_only",
    ]


def test_cases_refuses_an_unknown_record_type(demo_collection):
    with pytest.raises(CommandError, match="demo has no record type 'lettings'; it has case"):
        cldc("cases", "--collection", "demo", "--record-type", "lettings")


@pytest.mark.parametrize(("kind", "content", "message"), [
    ("exports", "layouts:\n  - id: all\n    columns: [nosuchanswer]\n", "nosuchanswer"),
    ("figures", "figures:\n  - {id: x, nosuchkey: 1}\n", "figures/case/2026.yaml"),
    ("demo", "records: lots\n", "give a whole number of records"),
])
def test_lint_checks_the_export_figures_and_demo_files_read_beside_a_definition(demo_collection, kind, content,
                                                                               message):
    path = demo_collection.file(kind, record_type="case", version=2026)
    path.parent.mkdir(parents=True)
    path.write_text(content)

    with pytest.raises(CommandError) as refused:
        cldc("lint", "--collection", "demo")
    assert "1 problems in definition files" in str(refused.value)
