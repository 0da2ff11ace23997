"""Strict loading: every key of a definition, rules or derived file is one the platform
reads, or inside a `notes:` block; `years` are years; functions exist when the pack is
built. A mistake is a DefinitionError naming the file and the place, found by
`cldc lint`, never at a person's save."""

import copy
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, build
from cldc.platform.rules.engine import build_derivations, build_rules, file_entries
from cldc.platform.rules.functions import rule_function


def lint_output(collection="demo"):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("cldc", "lint", "--collection", collection, stdout=out)
    return out.getvalue()


def changed(entries, **changes):
    """Rules or derived entries, with some changed (by id)."""
    for entry in entries:
        entry.update(changes.get(entry["id"], {}))
    return entries


# --- Definitions ---------------------------------------------------------------------------


def test_a_misspelt_show_if_is_an_error_naming_the_file_and_the_question(raw_definition):
    question = raw_definition["sections"][0]["subsections"][0]["pages"][0]["questions"][3]
    question["show_iff"] = "needstype == 1"
    with pytest.raises(DefinitionError) as caught:
        build(raw_definition, "demo.yaml")
    assert str(caught.value) == (
        "demo.yaml: question 'hhmemb', key 'show_iff' is not one the platform reads (did you mean 'show_if'?)"
    )


def _page(raw, n):
    return raw["sections"][0]["subsections"][0]["pages"][n]


@pytest.mark.parametrize("place, where", [
    (lambda raw: raw, "demo.yaml: top level, key 'titel'"),
    (lambda raw: raw["sections"][0], "demo.yaml: section 'setup', key 'titel'"),
    (lambda raw: raw["sections"][0]["subsections"][0], "demo.yaml: subsection 'setup', key 'titel'"),
    (lambda raw: _page(raw, 1), "demo.yaml: page 'scheme', key 'titel'"),
    (lambda raw: _page(raw, 4), "demo.yaml: repeat block 'person', key 'titel'"),
    (lambda raw: _page(raw, 4)["pages"][0], "demo.yaml: page 'person_{n}_age', key 'titel'"),
    (lambda raw: _page(raw, 4)["pages"][0]["questions"][0]["bulk_upload"],
     "demo.yaml: question 'age{n}', bulk_upload, key 'titel'"),
])
def test_an_unknown_key_is_an_error_at_every_level(raw_definition, place, where):
    place(raw_definition)["titel"] = "Misspelt"
    with pytest.raises(DefinitionError) as caught:
        build(raw_definition, "demo.yaml")
    assert str(caught.value).startswith(f"{where} is not one the platform reads")


def test_a_variant_keeps_only_its_text_outside_notes(raw_definition):
    question = _page(raw_definition, 0)["questions"][2]
    question["variants"] = [{"text": "What needs type is it?", "page": "needs_type_2"}]
    with pytest.raises(DefinitionError, match="question 'needstype', a variant, key 'page' is not one"):
        build(raw_definition, "demo.yaml")


def test_every_problem_of_a_file_is_reported_at_once(raw_definition):
    _page(raw_definition, 0)["questions"][0]["lable"] = "Reference"
    _page(raw_definition, 2)["routing"] = "always"
    with pytest.raises(DefinitionError) as caught:
        build(raw_definition, "demo.yaml")
    assert caught.value.problems == [
        "demo.yaml: question 'ref', key 'lable' is not one the platform reads (did you mean 'label'?)",
        "demo.yaml: page 'rent', key 'routing' is not one the platform reads (did you mean 'routing_note'?)",
    ]


def test_a_version_that_states_its_differences_is_checked_too(definition):
    delta = {"extends": 2026, "version": 2027, "valid_from": "2027-04-01", "valid_to": "2028-03-31",
             "change": [{"remove_question": "scheme"}]}
    with pytest.raises(DefinitionError, match="2027.yaml: top level, key 'change' .* \\(did you mean 'changes'\\?\\)"):
        build(delta, "2027.yaml", base_loader=lambda version: definition.raw)
    delta = {**delta, "changes": [{"change_question": {"question": "hhmemb", "maxx": 8}}]}
    del delta["change"]
    with pytest.raises(DefinitionError, match="2027.yaml: change 1 \\(change_question\\), key 'maxx' .* 'max'"):
        build(delta, "2027.yaml", base_loader=lambda version: definition.raw)


def test_keys_inside_notes_are_never_read(raw_definition, raw_rules, raw_derived):
    raw = raw_definition
    raw["notes"] = {"source": "The demo specification"}
    raw["sections"][0]["notes"] = "for people"
    raw["sections"][0]["subsections"][0]["notes"] = {"anything": [1, 2]}
    raw["sections"][0]["subsections"][0]["routing_note"] = "Shown to everyone"
    _page(raw, 1)["notes"] = {"merged_pages": ["scheme_search"]}
    _page(raw, 4)["notes"] = {"why": "one page per person"}
    question = _page(raw, 0)["questions"][3]
    question["notes"] = {"question_number": 4, "show_iff": "not read, so not checked"}
    question["variants"] = [{"text": "How many people live here?", "notes": {"page": "household_size_2"}}]
    age = _page(raw, 4)["pages"][0]["questions"][0]
    age["bulk_upload"]["notes"] = "Ages over 120 are refused"
    definition = build(raw, "demo.yaml")
    hhmemb = definition.questions["hhmemb"]
    assert hhmemb.show_if is None and hhmemb.extra == {"variants": question["variants"]}
    assert definition.questions["age2"].bulk_upload == {"fields": 20, "notes": "Ages over 120 are refused"}
    assert definition.pages[0].subsection.routing_note == "Shown to everyone"

    noted = changed(raw_rules, high_rent={"notes": {"source": "rent ranges table", "when": "not read"}})
    assert next(r for r in build_rules(noted, 2026, "rules.yaml") if r.id == "high_rent").when.source == "brent > 400"
    noted = changed(raw_derived, tcharge={"notes": "was tcharge in the old form"})
    assert build_derivations(noted, 2026, "derived.yaml")[0].id == "tcharge"


# --- Rules and derived variables -----------------------------------------------------------


def test_an_unknown_key_in_a_rule_is_an_error_naming_the_file_and_the_rule(raw_rules):
    with pytest.raises(DefinitionError) as caught:
        build_rules(changed(raw_rules, high_rent={"confirm_questoin": "Sure?"}), 2026, "rules.yaml")
    assert str(caught.value) == ("rules.yaml: rule 'high_rent', key 'confirm_questoin' is not one the platform reads "
                                 "(did you mean 'confirm_question'?)")


def test_an_unknown_key_in_a_derived_variable_is_an_error(raw_derived):
    with pytest.raises(DefinitionError) as caught:
        build_derivations(changed(raw_derived, expensive={"desciption": "High charges"}), 2026, "derived.yaml")
    assert str(caught.value) == ("derived.yaml: derived 'expensive', key 'desciption' is not one the platform reads "
                                 "(did you mean 'description'?)")


def test_a_rules_file_has_only_its_list_and_notes(demo_collection):
    path = demo_collection.package_dir / "rules" / "case.yaml"
    path.write_text(path.read_text() + "rule:\n  - {id: x}\nnotes: {owner: the policy team}\n")
    assert f"{path}: top level, key 'rule' is not one the platform reads (did you mean 'rules'?)" in lint_output()


# --- A rules file's defaults -----------------------------------------------------------------

DEFAULTED = {
    "defaults": {"severity": "hard", "years": "2026-", "bulk_upload_only": True, "reference": "id"},
    "rules": [
        {"id": "rent_cap", "when": "brent > 150", "message": "Basic rent must be £150 or less"},
        {"id": "high_rent", "severity": "soft", "bulk_upload_only": False, "reference": "rent_value_check",
         "when": "brent > 400", "message": "Check the rent"},
        {"id": "person_age", "repeat": "person", "indices": [2, 3], "when": "age{n} > 110", "message": "Too old"},
        {"id": "old_rule", "years": "-2025", "when": "brent > 1", "message": "never in 2026"},
    ],
}


def test_a_rules_file_s_defaults_hold_for_every_entry_that_does_not_say_otherwise():
    rules = {r.id: r for r in build_rules(file_entries(copy.deepcopy(DEFAULTED), "rules", "rules.yaml"), 2026, "rules.yaml")}
    assert sorted(rules) == ["high_rent", "person_age_2", "person_age_3", "rent_cap"]  # old_rule: its own years
    cap, high, person = rules["rent_cap"], rules["high_rent"], rules["person_age_3"]
    assert (cap.severity, cap.years, cap.bulk_upload_only, cap.reference) == ("hard", "2026-", True, "rent_cap")
    assert (high.severity, high.bulk_upload_only, high.reference) == ("soft", False, "rent_value_check")
    assert person.reference == "person_age"  # the id as written, before the repeat's index


def test_without_defaults_an_entry_keeps_no_reference():  # H-CLIC's rules implement no reference specification
    data = {"rules": [{"id": "rent_cap", "severity": "hard", "years": "2026-", "when": "brent > 150", "message": "M"}]}
    (rule,) = build_rules(file_entries(data, "rules", "rules.yaml"), 2026, "rules.yaml")
    assert rule.reference == "" and rule.bulk_upload_only is False


@pytest.mark.parametrize("defaults, problem", [
    ({"severty": "hard"}, "rules.yaml: defaults, key 'severty' is not one the platform reads (did you mean 'severity'?)"),
    ({"when": "brent > 1"}, "rules.yaml: defaults, key 'when' is not one the platform reads"),
    ({"reference": "rent_cap"}, "rules.yaml: defaults: reference: the only default is `id`"),
    ({"years": "2026-27"}, "rules.yaml: defaults: years '2026-27' is not a year or range of years"),
])
def test_a_default_the_platform_does_not_take_is_an_error_naming_the_file(defaults, problem):
    with pytest.raises(DefinitionError) as caught:
        file_entries({**copy.deepcopy(DEFAULTED), "defaults": defaults}, "rules", "rules.yaml")
    assert str(caught.value).startswith(problem)


def test_entries_of_a_file_with_defaults_are_checked_as_strictly():
    data = copy.deepcopy(DEFAULTED)
    data["rules"][0]["severety"] = "soft"
    with pytest.raises(DefinitionError, match="rules.yaml: rule 'rent_cap', key 'severety' is not one the platform reads"):
        build_rules(file_entries(data, "rules", "rules.yaml"), 2026, "rules.yaml")


def test_a_derived_file_takes_no_defaults():
    with pytest.raises(DefinitionError, match="derived.yaml: top level, key 'defaults' is not one the platform reads"):
        file_entries({"defaults": {"years": "2026-"}, "derived": []}, "derived", "derived.yaml")


@pytest.mark.parametrize("years", ["2026-27", "from 2026", "2026 to 2027", "-", "", "2027-2026", "2026-2027-2028",
                                   [2026, "2027-"], [], True, None])
def test_years_that_are_not_years_are_an_error_never_every_year(raw_rules, years):
    with pytest.raises(DefinitionError) as caught:
        build_rules(changed(raw_rules, high_rent={"years": years}), 2026, "rules.yaml")
    assert str(caught.value).startswith(f"rules.yaml: rule 'high_rent': years {years!r} is not a year or range")


def test_an_entry_without_years_is_an_error(raw_derived):
    del raw_derived[0]["years"]
    with pytest.raises(DefinitionError, match="derived.yaml: derived 'tcharge': needs `years`"):
        build_derivations(raw_derived, 2026, "derived.yaml")


@pytest.mark.parametrize("years, applies", [("2026", True), (2026, True), ("2026-", True), ("2025-2026", True),
                                            ("-2026", True), ([2024, 2026], True), ("2027-", False),
                                            ("-2025", False), (2025, False)])
def test_years_that_are_years_choose_the_versions(raw_rules, years, applies):
    built = build_rules(changed(raw_rules, high_rent={"years": years}), 2026, "rules.yaml")
    assert ("high_rent" in [r.id for r in built]) is applies


@rule_function("demo.rent_is_high")
def rent_is_high(answers, context):
    return {} if (answers.get("brent") or 0) > 400 else None


@pytest.mark.parametrize("years", ["2026-", "2030-"])  # a rule for a later year is checked now, too
def test_an_unregistered_function_is_an_error_when_the_pack_is_built(raw_rules, years):
    entry = {"function": "demo.rent_is_hihg", "years": years}
    with pytest.raises(DefinitionError) as caught:
        build_rules(changed(raw_rules, high_rent=entry), 2026, "rules.yaml")
    assert str(caught.value) == ("rules.yaml: rule 'high_rent': no rule function called 'demo.rent_is_hihg' is "
                                 "registered (did you mean 'demo.rent_is_high'?)")


def test_a_registered_function_builds(raw_rules):
    built = build_rules(changed(raw_rules, high_rent={"function": "demo.rent_is_high"}), 2026, "rules.yaml")
    (rule,) = [r for r in built if r.id == "high_rent"]
    assert rule.check({"brent": 450}, {}) == {}


def test_cldc_lint_reports_an_unregistered_function_with_the_file_and_the_rule(demo_collection):
    path = demo_collection.package_dir / "rules" / "case.yaml"
    path.write_text(path.read_text() + "  - {id: rent_range, severity: soft, years: \"2026-\", "
                                       "function: demo.rent_range, message: Check the rent}\n")
    derived = demo_collection.package_dir / "derived" / "case.yaml"
    derived.write_text(derived.read_text().replace("expression: \"tcharge > 300\"", "function: demo.expensive"))
    output = lint_output()
    assert f"{path}: rule 'rent_range': no rule function called 'demo.rent_range' is registered" in output
    assert f"{derived}: derived 'expensive': no rule function called 'demo.expensive' is registered" in output


# --- Labels of derived variables -------------------------------------------------------------


@pytest.mark.parametrize("name", ["core", "hclic"])
def test_every_derived_variable_has_a_label(name):
    collection = registry.get(name)
    for record_type in collection.record_types:
        for version in collection.versions(record_type):
            derivations = collection.rule_pack(record_type, version).derivations
            assert derivations and all(d.label.strip() for d in derivations), (record_type, version)


def test_labels_read_as_people_say_them():
    lettings = {d.id: d.label for d in registry.get("core").rule_pack("lettings", 2026).derivations}
    assert (lettings["hhtype"], lettings["lettype"], lettings["wtcharge"]) == (
        "Household type", "Type of letting", "Total charge a week")


def test_the_linter_wants_a_label_for_every_derived_variable(demo_collection):
    derived = demo_collection.package_dir / "derived" / "case.yaml"
    derived.write_text(derived.read_text().replace("label: Expensive, ", ""))
    assert "derived expensive needs a `label`" in lint_output()


def test_a_derived_variable_has_its_label(raw_derived):
    assert [d.label for d in build_derivations(raw_derived, 2026, "derived.yaml")] == ["Total charge", "Expensive"]


def test_reads_as_names_only_the_question_s_own_options(raw_definition):
    question = next(q for q in raw_definition["sections"][0]["subsections"][0]["pages"][0]["questions"]
                    if q["id"] == "needstype")
    question["reads_as"] = {2: "Supported"}
    assert build(raw_definition, "demo.yaml").questions["needstype"].reads(2) == "Supported"
    question["reads_as"] = {9: "Nine"}
    with pytest.raises(DefinitionError, match="reads_as: 9 is not an option of the question"):
        build(raw_definition, "demo.yaml")


@pytest.mark.parametrize("noun", [["log"], "log", ["log", 3], ["", "logs"]])
def test_a_noun_is_a_singular_and_a_plural_checked_when_the_definition_is_loaded(raw_definition, noun):
    raw_definition["noun"] = ["visit", "visits"]
    assert build(raw_definition, "demo.yaml").noun == ("visit", "visits")
    raw_definition["noun"] = noun
    with pytest.raises(DefinitionError, match=r"demo.yaml: noun must be \[singular, plural\]"):
        build(raw_definition, "demo.yaml")
