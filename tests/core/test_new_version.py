"""A new version of CORE lettings needs no code: a 2027 file that states only its
differences from 2026 (one question added, one removed, one option list changed),
run through the gateway with every 2026 rule and derived variable it inherits."""

import datetime as dt
import json
from io import StringIO

import pytest
import yaml
from django.core.management import call_command

from cldc.platform import registry
from cldc.platform.records.gateway import evaluate
from cldc.platform.uploads.template_rows import answers_from_field_numbers

LETTINGS_2027 = {
    "extends": 2026,
    "version": 2027,
    "title": "Lettings log 2027 to 2028",
    "valid_from": "2027-04-01",
    "valid_to": "2028-03-31",
    "changes": [
        {"add_question": {"after": "joint", "question": {
            "id": "pets", "type": "radio", "text": "Does the tenancy allow pets?", "label": "Pets allowed",
            "options": [[1, "Yes"], [2, "No"]], "export_name": "pets"}}},
        {"remove_question": "county"},
        {"set_options": {"question": "sheltered", "options": [[7, "Yes – for tenants with low support needs"],
                         [2, "Yes – extra care housing"], [3, "No"], [4, "Don’t know"]], "retire": [8]}},
    ],
}


@pytest.fixture
def core_with_2027(tmp_path, monkeypatch):
    """The real CORE package, plus a 2027 lettings file, as a package the registry finds."""
    real = registry.get("core")
    base_2026 = real.definition("lettings", 2026)
    package = tmp_path / "core"  # the same folder name, so its functions module is CORE's
    (package / "definitions" / "lettings").mkdir(parents=True)
    for name in ("2026.yaml", "2026.bulk_upload.yaml"):  # the definition and its template layout
        (package / "definitions" / "lettings" / name).symlink_to(real.package_dir / "definitions" / "lettings" / name)
    (package / "definitions" / "lettings" / "2027.yaml").write_text(yaml.safe_dump(LETTINGS_2027, allow_unicode=True))
    for folder in ("rules", "derived", "functions", "reference"):
        (package / folder).symlink_to(real.package_dir / folder)
    trial = registry.Collection(name="core", title="CORE with 2027", package_dir=package, record_types=("lettings",))
    found = {**registry.collections(), "core": trial}
    monkeypatch.setattr(registry, "collections", lambda: found)
    return trial, base_2026


def a_year_later(value):
    """The template's 2026 letting, moved into 2027 (its dates are YYYY-MM-DD text)."""
    try:
        day = dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return value
    return day.replace(year=day.year + 1).isoformat()


def test_the_2027_file_states_only_its_differences(core_with_2027):
    out = StringIO()
    call_command("cldc", "diff", "--collection", "core", "--record-type", "lettings", "2026", "2027", stdout=out)
    changes = json.loads(out.getvalue())
    assert changes["added_questions"] == ["pets"]
    assert changes["removed_questions"] == ["county"]
    assert changes["changed_questions"] == {"sheltered": {"options": {"added": [], "no_longer_offered": [8]}}}


def test_a_2027_letting_goes_through_the_gateway_with_the_inherited_rules(core_with_2027, official_template_row):
    trial, base_2026 = core_with_2027
    definition, pack = trial.definition("lettings", 2027), trial.rule_pack("lettings", 2027)
    assert len(pack.rules) == len(trial.rule_pack("lettings", 2026).rules)  # every rule carries on
    template, problems = answers_from_field_numbers(base_2026, official_template_row("lettings"))
    assert problems == []
    answers = {k: a_year_later(v) for k, v in template.items() if k != "county"}
    answers["pets"] = "1"
    context = {"today": dt.date.fromisoformat(answers["startdate"]) + dt.timedelta(days=7), "version": 2027, "collection_start": definition.valid_from,
               "collection_end": definition.valid_to, "owning_organisation_type": "local_authority",
               "managing_organisation_type": "local_authority"}
    result = evaluate(definition, pack, {}, answers, context, "upload", {})
    assert result.errors == [] and result.warnings == [] and result.missing == [], (result.warnings, result.missing)
    assert result.status == "completed"
    assert result.answers["pets"] == 1 and result.derived["tcharge"]

    # The removed question and the retired code are refused with a message on their field.
    refused = evaluate(definition, pack, {}, {"county": "Kent", "sheltered": "8"}, context, "api", {})
    assert {(e["field"], e["rule"]) for e in refused.errors} == {("county", "unknown_field"), ("sheltered", "retired_option")}
    # A 2026 rule still fires in 2027: a start date more than 14 days ahead.
    late = evaluate(definition, pack, {}, {**answers, "startdate": "2027-06-30", "voiddate": None, "mrcdate": None},
                    context, "upload", {})
    assert "startdate_not_more_than_14_days_ahead" in {e["rule"] for e in late.errors}
