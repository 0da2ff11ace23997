"""A package's register files (docs/registers.md) are checked when read: an unknown key,
a `fills` from a field no register has, or a name field that is no field is a
DefinitionError naming the file; and a rule case may give the context of its firing case
or of its near miss alone (fires_context, passes_context)."""

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from cldc.platform.definitions.model import DefinitionError
from cldc.platform.registers import declaration
from cldc.platform.rules.cases import load_cases

GOOD = """
register: depot
noun: depot
nouns: depots
code_prefix: D
name_field: depot_name
fields:
  - {id: depot_name, type: text, text: Name}
  - {id: opened, type: date, text: Opened}
child:
  register: bay
  noun: bay
  nouns: bays
  name_field: bay_name
  available_from: opened
  fields:
    - {id: bay_name, type: text, text: Name}
    - {id: opened, type: date, text: Opened}
records:
  - {record_type: visit, active_on: visitdate, chooses: {depot: depot_id, bay: bay_id}, fills: {area: bay.bay_name}}
"""


@dataclass(frozen=True)
class Package:
    """Enough of a registry.Collection for the declaration loader."""

    name: str
    package_dir: Path

    def files(self, kind):
        return sorted((self.package_dir / "registers").glob("*.yaml"))


@pytest.fixture
def package(tmp_path, monkeypatch):
    (tmp_path / "registers").mkdir()
    found = Package("depots_test", tmp_path)
    monkeypatch.setattr(declaration.registry, "get", lambda name: found)
    monkeypatch.setattr(declaration.registry, "offer_reference_lists", lambda collection, definition: None)
    declaration._declared.cache_clear()
    yield tmp_path / "registers" / "depot.yaml"
    declaration._declared.cache_clear()


def test_a_register_its_child_and_the_record_questions_that_choose_them(package):
    package.write_text(GOOD)
    depot = declaration.register("depots_test", "depot")
    assert depot.child.name == "bay" and depot.child.parent is depot
    assert depot.code(7) == "D7" and depot.number("d7") == 7 and depot.number("7") == 7 and depot.number("X7") is None
    assert [q.id for q in depot.questions] == ["depot_name", "opened"]
    (binding,) = declaration._declared("depots_test")[1].values()
    assert binding.chooser("bay_id") == "bay" and binding.fills == {"area": ("bay", "bay_name")}


@pytest.mark.parametrize("change, problem", [
    (("name_field: depot_name", "name_field: title"), "names no field 'title'"),
    (("fills: {area: bay.bay_name}", "fills: {area: bay.colour}"), "fills area from 'bay.colour'"),
    (("code_prefix: D", "code_prefx: D"), "code_prefx"),
])
def test_a_mistake_in_a_register_file_names_the_file(package, change, problem):
    package.write_text(GOOD.replace(*change))
    with pytest.raises(DefinitionError) as raised:
        declaration.registers("depots_test")
    assert problem in str(raised.value) and "depot.yaml" in str(raised.value)


def test_a_rule_case_may_give_the_context_of_its_firing_case_alone(tmp_path):
    (tmp_path / "rule_cases").mkdir()
    (tmp_path / "rule_cases" / "visit.yaml").write_text(textwrap.dedent("""
        record_type: visit
        context: {today: 2026-09-01}
        cases:
          a_rule:
            fires: {a: 1}
            fires_context: {entries: {depot: null}}
            passes: {a: 1}
    """))

    class Files:
        def files(self, kind):
            return sorted((tmp_path / "rule_cases").glob("*.yaml"))

    fires, passes = load_cases(Files())
    assert fires.context["entries"] == {"depot": None} and "today" in fires.context
    assert "entries" not in passes.context
