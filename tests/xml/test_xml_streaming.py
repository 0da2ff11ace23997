"""A file is read as a stream, its records checked against the XSD a few at a time
(reader.CHECKED_TOGETHER; two here): what is found is what reading it whole finds,
each problem naming its own record, and records numbered through the whole file."""

import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.platform.xmlfiles import reader
from cldc.tests.xml.test_xml_files import council, exports_in_tmp, import_visits, officer, visit_xml  # noqa: F401


@pytest.fixture(autouse=True)
def two_at_a_time(monkeypatch):
    monkeypatch.setattr(reader, "CHECKED_TOGETHER", 2)


def visits_file(council, refs, **replace):
    """One file of visits with these references; `replace`: {ref: (old bytes, new bytes)}."""
    bodies = []
    for ref in refs:
        one = visit_xml(council, ref)
        if ref in replace:
            one = one.replace(*replace[ref])
        bodies.append(re.search(rb"<Visit>.*</Visit>", one).group(0))
    return b"<Visits>" + b"\n".join(bodies) + b"</Visits>"


def test_problems_in_later_groups_name_their_own_records(visits_service, council, officer):  # noqa: F811
    data = visits_file(council, ["V-1", "V-2", "V-3", "V-4", "V-5"],
                       **{"V-4": (b"<Age>42</Age>", b"<Age>forty</Age>"), "V-5": (b"<Age>42</Age>", b"<Age>200</Age>")})
    result = import_visits(council, officer, data)
    assert [(p.rule, p.reference, p.element) for p in result.problems] == [
        ("xml_schema", "V-4, 2026-05-04", "Visit/Person/Age"), ("xml_schema", "V-5, 2026-05-04", "Visit/Person/Age")]
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_records_are_numbered_through_the_whole_file(visits_service, council, officer):  # noqa: F811
    result = import_visits(council, officer, visits_file(council, ["V-1", "V-2", "V-3", "V-4", "V-1"]))
    [problem] = result.problems
    assert problem.rule == "xml_duplicate" and "(records 1 and 5)" in problem.message


def test_a_clean_file_in_several_groups_stores_every_record(visits_service, council, officer):  # noqa: F811
    result = import_visits(council, officer, visits_file(council, ["V-1", "V-2", "V-3", "V-4", "V-5"]))
    assert (result.problems, result.created) == ([], 5)
    with schema_context("visits"):
        assert sorted(Record.objects.values_list("provider_reference", flat=True)) == [
            f"v-{n}|2026-05-04" for n in range(1, 6)]
