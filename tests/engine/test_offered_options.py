"""The options a question offers now (`offered_when`), held in every channel: the
gateway refuses an answer the first clause that holds does not offer, on its field,
naming the answers that are offered; one helper (Question.offered) says which they
are, for the web form and the gateway alike."""

import pytest

from cldc.platform.definitions.expressions import scope
from cldc.platform.definitions.model import DefinitionError, build
from cldc.platform.records.gateway import evaluate
from cldc.platform.rules.engine import CHANNELS

NOT_OFFERED = "option_not_offered"
SUPPORTED_ONLY_GENERAL = ("Select one of the answers to “Needs type” that apply to this log: “General needs” (1).")


@pytest.fixture
def offering(raw_definition):
    """The demo definition, where a council's log offers general needs only, and a
    question whose options follow the needs type."""
    page = raw_definition["sections"][0]["subsections"][0]["pages"][0]
    needstype = next(q for q in page["questions"] if q["id"] == "needstype")
    needstype["offered_when"] = [{"when": 'owning_organisation_type == "local_authority"', "codes": [1]}]
    page["questions"].append({
        "id": "unit", "type": "radio", "text": "Type of unit", "options": [[1, "Flat"], [2, "House"], [3, "Hostel room"]],
        "offered_when": [{"when": "needstype == 1", "codes": [1, 2], "message": "Select a general needs unit: %{options}."},
                         {"when": "needstype == 2", "codes": [3]}]})
    return build(raw_definition, "demo.yaml")



def judged(definition, pack, incoming, owner=None, answers=None, channel="api", context=None):
    return evaluate(definition, pack, answers or {}, incoming, {**context, "owning_organisation_type": owner}, channel, {})


@pytest.mark.parametrize("channel", CHANNELS)
def test_an_answer_the_log_is_not_offered_is_refused_on_its_field_in_every_channel(offering, pack, context, channel):
    result = judged(offering, pack, {"ref": "R1", "needstype": 2}, "local_authority", channel=channel, context=context)
    assert [(e["field"], e["rule"], e["message"]) for e in result.errors] == [
        ("needstype", NOT_OFFERED, SUPPORTED_ONLY_GENERAL)]
    assert result.rejected == {"needstype": 2} and "needstype" not in result.answers
    assert result.answers["ref"] == "R1"  # the rest of the submission stands


def test_an_answer_offered_or_a_log_no_clause_holds_for_is_stored(offering, pack, context):
    near_miss = judged(offering, pack, {"needstype": 1}, "local_authority", context=context)  # offered to a council
    assert near_miss.errors == [] and near_miss.answers["needstype"] == 1
    for owner in ("prp", None):  # no clause holds: every option is offered
        result = judged(offering, pack, {"needstype": 2}, owner, context=context)
        assert result.errors == [] and result.answers["needstype"] == 2


def test_a_clause_may_say_what_to_do_in_its_own_words(offering, pack, context):
    result = judged(offering, pack, {"needstype": 1, "unit": 3}, "prp", context=context)
    assert [(e["field"], e["message"]) for e in result.errors] == [
        ("unit", "Select a general needs unit: “Flat” (1) or “House” (2).")]
    assert result.answers == {"needstype": 1}


def test_an_answer_refused_does_not_decide_what_the_next_question_offers(offering, pack, context):
    # The council's needs type 2 is refused, so the unit is judged by the stored needs type 1.
    result = judged(offering, pack, {"needstype": 2, "unit": 3}, "local_authority", answers={"needstype": 1},
                    context=context)
    assert {e["field"] for e in result.errors} == {"needstype", "unit"}
    assert result.answers == {"needstype": 1} and set(result.rejected) == {"needstype", "unit"}


def test_a_stored_answer_no_longer_offered_does_not_stop_an_unrelated_save(offering, pack, context):
    # Stored before the owner was a council (or before the rule held): kept, not lost,
    # and shown where the person can change it; what was sent is stored.
    result = judged(offering, pack, {"hhmemb": 2}, "local_authority", answers={"ref": "R1", "needstype": 2},
                    context=context)
    assert result.rejected == {} and result.answers == {"ref": "R1", "needstype": 2, "hhmemb": 2}
    assert [(e["field"], e["rule"], e["message"]) for e in result.errors] == [
        ("needstype", NOT_OFFERED, SUPPORTED_ONLY_GENERAL)]
    assert result.status == "in_progress"
    # Changing it to one offered is the fix.
    fixed = judged(offering, pack, {"needstype": 1}, "local_authority", answers=result.answers, context=context)
    assert fixed.errors == [] and fixed.answers["needstype"] == 1


def test_the_options_offered_now_come_from_one_helper(offering, context):
    needstype, unit = offering.questions["needstype"], offering.questions["unit"]
    council = scope({}, {**context, "owning_organisation_type": "local_authority"})
    assert needstype.offered(council) == [(1, "General needs")]
    assert needstype.offered(scope({}, context)) == needstype.options  # no clause holds
    assert unit.offered(scope({"needstype": 2}, context)) == [(3, "Hostel room")]


@pytest.mark.parametrize("clause, problem", [
    ({"when": "needstype == 1", "codes": [1, 9]}, "offered_when: 9 is not an option of the question"),
    ({"when": "needstype ==", "codes": [1]}, "offered_when"),
    ({"when": "needstype == 1", "codes": [1], "mesage": "x"}, "key 'mesage' is not one the platform reads"),
    ({"when": "needstype == 1"}, "offered_when: each clause needs `when` and `codes`"),
])
def test_a_clause_that_cannot_hold_is_refused_when_the_definition_is_loaded(raw_definition, clause, problem):
    page = raw_definition["sections"][0]["subsections"][0]["pages"][0]
    page["questions"].append({"id": "unit", "type": "radio", "text": "Type of unit", "options": [[1, "Flat"], [2, "House"]],
                              "offered_when": [clause]})
    with pytest.raises(DefinitionError, match=problem.replace("(", r"\(")):
        build(raw_definition, "demo.yaml")


def test_only_a_question_with_options_can_offer_some_of_them(raw_definition):
    page = raw_definition["sections"][0]["subsections"][0]["pages"][0]
    page["questions"][0]["offered_when"] = [{"when": "needstype == 1", "codes": [1]}]  # `ref`, a text question
    with pytest.raises(DefinitionError, match="offered_when: only a radio or select question"):
        build(raw_definition, "demo.yaml")
