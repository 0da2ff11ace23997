"""The rules engine on the inline demo definition: hard, soft, per-person, by year,
waiting, bulk-upload only, derived variables, and the gateway's pure evaluation."""

import datetime as dt

import pytest

from cldc.platform.records.gateway import evaluate


def run(definition, pack, context, incoming, answers=None, channel="form", confirmations=None):
    result = evaluate(definition, pack, answers or {}, incoming, context, channel, confirmations or {})
    return {**vars(result), "kept": result.answers}


COMPLETE = {"ref": "A1", "startdate": "2026-05-01", "needstype": 1, "hhmemb": 1, "brent": "100", "needs_wheelchair": 1}


def test_the_pack_holds_rules_of_its_year_and_expands_repeats(pack):
    ids = [rule.id for rule in pack.rules]
    assert "old_rule" not in ids
    assert {"person_age_2", "person_age_3"} <= set(ids)
    assert {r.family for r in pack.rules if r.id.startswith("person_age")} == {"person_age"}
    assert [(r.id, r.status) for r in pack.rules if not r.runs] == [("waits", "waiting"), ("numeric_format", "built_in")]


def test_a_complete_record_is_completed(definition, pack, context):
    result = run(definition, pack, context, COMPLETE)
    assert result["errors"] == [] and result["missing"] == []
    assert result["status"] == "completed"
    assert result["derived"]["tcharge"] == 100


def test_a_value_that_breaks_a_hard_rule_is_not_stored(definition, pack, context):
    result = run(definition, pack, context, {**COMPLETE, "hhmemb": 2, "age2": 115})
    assert "age2" not in result["kept"] and result["rejected"] == {"age2": 115}
    assert [(e["rule"], e["field"], e["message"]) for e in result["errors"]] == [("person_age_2", "age2", "Person 2 cannot be 115")]
    assert result["status"] == "in_progress"


def test_answers_that_stop_applying_are_cleared_before_rules_run(definition, pack, context):
    stored = {"needstype": 2, "scheme": "S1"}
    result = run(definition, pack, context, {"needstype": 1}, answers=stored)
    # Changing needstype would leave a scheme on general needs; but routing clears the
    # scheme answer first (it no longer applies), so the change is allowed.
    assert result["kept"]["needstype"] == 1 and "scheme" in result["cleared"]


def test_presence_never_blocks_a_save(definition, pack, context):
    result = run(definition, pack, context, {"ref": "A1"})
    assert result["errors"] == [] and result["kept"] == {"ref": "A1"}
    assert result["status"] == "in_progress" and "startdate" in result["missing"]
    assert run(definition, pack, context, {})["status"] == "not_started"


def test_soft_checks_ask_for_confirmation_of_the_values_they_saw(definition, pack, context):
    result = run(definition, pack, context, {**COMPLETE, "brent": "450"})
    assert result["status"] == "in_progress"
    (warning,) = result["warnings"]
    assert warning["message"] == "You told us the rent is £450.00. This is higher than we would expect."
    assert warning["confirm_question"] == "Are you sure this is correct?"
    confirmed = run(definition, pack, context, {**COMPLETE, "brent": "450"}, confirmations={"high_rent": {"brent": 450}})
    assert confirmed["warnings"] == [] and confirmed["confirmed"] == ["high_rent"]
    assert confirmed["status"] == "completed"
    # A changed value is asked about again.
    changed = run(definition, pack, context, {**COMPLETE, "brent": "460"}, confirmations={"high_rent": {"brent": 450}})
    assert [w["rule"] for w in changed["warnings"]] == ["high_rent"]


def test_bulk_upload_only_rules_run_only_on_uploads(definition, pack, context):
    incoming = {**COMPLETE, "hhmemb": 3, "age2": 20}
    assert "upload_only" not in {e["rule"] for e in run(definition, pack, context, incoming)["errors"]}
    assert "upload_only" in {e["rule"] for e in run(definition, pack, context, incoming, channel="upload")["errors"]}


def test_predicates_work_in_rules(definition, pack, context):
    result = run(definition, pack, context, {"needstype": 2, "scheme": "S1"})
    assert result["errors"] == []
    assert pack.rules[0].fields == ["needstype", "scheme"]


@pytest.mark.parametrize("bad", [{"hhmemb": "lots"}, {"startdate": "2026-13-01"}, {"unknown": 1}, {"needstype": 7}])
def test_bad_input_is_reported_not_raised(definition, pack, context, bad):
    result = run(definition, pack, context, {**COMPLETE, **bad})
    (field,) = bad
    assert [e["field"] for e in result["errors"]] == [field]
    assert field not in result["kept"]


def test_dates_in_rules_use_the_context(definition, pack):
    assert run(definition, pack, {"today": dt.date(2026, 5, 2)}, COMPLETE)["status"] == "completed"


def test_the_gateway_context_holds_exactly_what_rules_may_read(definition):
    from cldc.platform.records.gateway import context_for
    from cldc.platform.records.models import Record
    from cldc.platform.rules.engine import CONTEXT_NAMES

    assert set(context_for(Record(), definition)) == CONTEXT_NAMES


def test_context_names_are_not_listed_as_a_rules_fields(definition):
    from cldc.platform.rules.engine import build_rules

    (rule,) = build_rules([{"id": "r", "severity": "hard", "years": "2026-", "when": "startdate > today", "message": "m"}],
                          2026, "x")
    assert rule.fields == ["startdate"]


def test_messages_show_answers_as_people_read_them(definition):
    assert definition.display("needstype", 2) == "Supported housing"
    assert definition.display("brent", 1234.5) == "£1,234.50"
    assert definition.display("startdate", dt.date(2026, 4, 1)) == "1 April 2026"
    assert definition.display("hhmemb", 2) == "2"
    assert definition.display("hhmemb", None) == ""
