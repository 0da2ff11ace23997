"""A reports file read as the service reads it (report_tables.py): a mistake is a
DefinitionError naming the file, the table and what is wrong, found when the file is
read (or, for what depends on a version's options, by `cldc lint`)."""

import pytest

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.returns.report_tables import laid_out, read_report_tables

GOOD_TABLE = "  - {id: T1, title: Visits, columns: [visitmode]}\n"


def read(tmp_path, text):
    path = tmp_path / "visit.yaml"
    path.write_text(text)
    visits = registry.get("visits")
    derived = {d.id for d in visits.rule_pack("visit", 2026).derivations}
    return read_report_tables(path, [visits.definition("visit", 2026)], derived)


@pytest.mark.parametrize("text, message", [
    ("tables: []\n", "give `tables:`, a list of tables"),
    ("tables:\n  - {id: T1, title: Visits}\n", "table 1: give an id, a title and columns"),
    ("tables:\n  - {id: T1, title: Visits, columns: [visitmood]}\n",
     "table T1: columns: entry 1: no answer or derived value called 'visitmood'"),
    ("tables:\n  - {id: T1, title: Visits, rows: colour, columns: [visitmode]}\n",
     "table T1: rows: no answer or derived value called 'colour'"),
    ("tables:\n  - {id: T1, title: Visits, when: \"days_between(visitdate, today) > 3\", columns: [visitmode]}\n",
     "table T1: when: 'days_between(visitdate, today) > 3': a report's condition compares names with numbers"),
    ("tables:\n  - {id: T1, title: Visits, when: \"rent + 1 > 3\", columns: [visitmode]}\n",
     "a report's condition compares names"),
    ("tables:\n  - {id: T1, title: Visits, when: \"colour == 1\", columns: [visitmode]}\n",
     "table T1: when: no answer, derived value or period name called colour"),
    ("tables:\n  - {id: T1, title: Visits, columns: [{id: a, label: A}]}\n",
     "a column by a condition has exactly id, label, when"),
    ("change_threshold: {percent: 20}\n" "tables:\n" + GOOD_TABLE,
     "change_threshold: give percent and at_least"),
    ("tables:\n" + GOOD_TABLE + GOOD_TABLE, "a table id is used twice"),
    ("tables:\n  - {id: T1, title: Visits, colour: red, columns: [visitmode]}\n", "unknown keys colour"),
    ("member_values:\n  - {id: person_at_end, label: P, block: person, open_on: quarter_end, value: \"age{n}\"}\n"
     "tables:\n" + GOOD_TABLE,
     "member_values: person_at_end: block: no repeat block called 'person' that says when its members open"),
])
def test_a_mistake_in_a_reports_file_is_refused_naming_the_place(tmp_path, text, message):
    with pytest.raises(DefinitionError) as raised:
        read(tmp_path, text)
    assert message in str(raised.value) and "visit.yaml" in str(raised.value)


@pytest.mark.parametrize("columns, message", [
    ("[{variable: visitmode, codes: [1, 9]}]", "table T1: columns: visitmode has no option 9"),
    ("[adults]", "table T1: columns: adults has no options to count by in 2026"),
])
def test_a_column_without_options_is_refused_when_laid_out(tmp_path, columns, message):
    report = read(tmp_path, f"tables:\n  - {{id: T1, title: Visits, columns: {columns}}}\n")
    with pytest.raises(DefinitionError, match=message):
        laid_out(report, "T1", 2026)


def test_a_default_threshold_and_a_tables_own():
    from cldc.platform.returns.report_tables import report_tables_of

    tables = report_tables_of("visits", "visit")
    assert [(t.id, t.threshold.percent, t.threshold.at_least) for t in tables.tables] == [("V1", 20, 5), ("V2", 50, 2)]
