"""XML in and out (cldc.platform.xmlfiles), on the test collection's layout
(tests/packages/visits/xml/visit/2026.yaml): the committed XSD is what `cldc xsd`
writes; the export validates against it and imports into an empty service as the same
records; a re-import changes nothing, a change updates, one bad record stores nothing,
and unsafe, malformed, invalid, unmatched and other organisations' files are refused
with the record and the element named."""

import datetime as dt
import io
import json
import zipfile
from io import StringIO

import pytest
import xmlschema
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.platform.definitions.model import DefinitionError
from cldc.platform.exports.runs import run_export
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record, Revision
from cldc.platform.xmlfiles import xsd
from cldc.platform.xmlfiles.importer import import_files
from cldc.platform.xmlfiles.layout import read_layout, xml_layout
from cldc.platform.xmlfiles.writer import file_name, write_zip

TODAY = dt.date(2026, 6, 1)
ALL_NEEDS = {"needs_mobility": 1, "needs_mental": 0, "needs_none": 0}  # a tick box as the form stores it


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def layout():
    return xml_layout("visits", "visit", 2026)


@pytest.fixture
def council(make_organisation):
    return make_organisation("Visiting Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("xml@council.example", council, role="data_coordinator")


@pytest.fixture
def visit(visits_service, complete_visit, council, officer):
    def store(**changes):
        with schema_context(visits_service.schema_name):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                            managing_organisation=council)
            submit(record, {**complete_visit(), **ALL_NEEDS, "owning_organisation_id": council.pk, **changes}, "api",
                   officer, today=TODAY)
            return record
    return store


def exported(layout, records):
    """The layout's files of these records, as {file id: bytes}."""
    out = io.BytesIO()
    write_zip(records, layout, out)
    with zipfile.ZipFile(out) as archive:
        return {f.id: archive.read(file_name(layout, f)) for f in layout.files}


def visit_xml(organisation, ref="V-1", personal=False, extra="", **values):
    """A visit file by hand: the elements given, in the layout's order."""
    if personal:
        body = (f"<Visit><OrganisationCode>{organisation.ons_code}</OrganisationCode><VisitRef>{ref}</VisitRef>"
                f"<VisitDate>2026-05-04</VisitDate>{extra}</Visit>")
        return f"<VisitsPersonal>{body}</VisitsPersonal>".encode()
    fields = {"RepairsReported": 2, "HouseholdSize": 1, "RentPeriod": 4, "Rent": "520.00", "VisitMode": 1, **values}
    people = '<Person n="1"><Age>42</Age><Work>1</Work></Person>'
    inner = "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if k in ("RepairsReported",) and v is not None)
    inner += "<Needs><Need>needs_mobility</Need></Needs>" + "".join(
        f"<{k}>{v}</{k}>" for k, v in fields.items() if k == "HouseholdSize" and v is not None) + people
    inner += "".join(f"<{k}>{v}</{k}>" for k, v in fields.items() if k in ("RentPeriod", "Rent", "VisitMode")
                     and v is not None)
    return (f"<Visits><Visit><OrganisationCode>{organisation.ons_code}</OrganisationCode>{extra}<VisitRef>{ref}"
            f"</VisitRef><VisitDate>2026-05-04</VisitDate>{inner}</Visit></Visits>").encode()


def layout_definition():
    from cldc.platform import registry

    return registry.get("visits").definition("visit", 2026)


def import_visits(council, officer, main=None, personal=None):
    with schema_context("visits"):
        return import_files("visits", "visit", 2026, council, officer, main=main, personal=personal, today=TODAY)


def test_the_committed_xsd_is_what_the_command_writes(layout):
    for xml_file in layout.files:
        assert xsd.schema_path(layout, xml_file).read_text(encoding="utf-8") == xsd.generate(layout, xml_file), (
            f"Run `cldc xsd --collection visits --record-type visit --version 2026`: {xml_file.id} has drifted")


def test_personal_elements_are_only_in_the_personal_file_and_the_reference_in_both(visits_service, layout, visit):
    visit(repairs=1, repairsdetail="Kitchen tap drips")
    with schema_context("visits"):
        files = exported(layout, Record.objects.all())
    assert b"Kitchen tap drips" in files["personal"] and b"Kitchen tap drips" not in files["visits"]
    assert b"<VisitRef>V-1</VisitRef>" in files["personal"] and b"<VisitRef>V-1</VisitRef>" in files["visits"]


def test_the_export_validates_and_imports_into_an_empty_service_as_the_same_records(
        visits_service, layout, visit, council, officer):
    visit(repairs=1, repairsdetail="Kitchen tap drips & a <loose> tile")
    visit(visitref="V-2", hhmemb=3, age3=70, work3=3, rent=87.5, period=1, visitmode=2)
    def stored():  # the record fields (owner, assignee) are not in the files: the importer's defaults are
        fields = set(layout_definition().record_fields.values())
        return {r.provider_reference: ({k: v for k, v in r.answers.items() if k not in fields}, r.status,
                                       r.owning_organisation_id) for r in Record.objects.all()}

    with schema_context("visits"):
        before = stored()
        files = exported(layout, Record.objects.all())
        for xml_file in layout.files:
            xmlschema.XMLSchema10(str(xsd.schema_path(layout, xml_file))).validate(io.BytesIO(files[xml_file.id]))
        Record.objects.all().delete()
    result = import_visits(council, officer, files["visits"], files["personal"])
    assert result.problems == [] and (result.created, result.updated) == (2, 0)
    with schema_context("visits"):
        after = stored()
    assert after == before


def test_a_re_import_changes_nothing_and_a_change_updates_with_a_revision(visits_service, council, officer):
    first = import_visits(council, officer, visit_xml(council))
    assert (first.created, first.problems) == (1, [])
    again = import_visits(council, officer, visit_xml(council))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)
    with schema_context("visits"):
        assert Revision.objects.count() == 1
    changed = import_visits(council, officer, visit_xml(council, Rent="600.00"))
    assert (changed.created, changed.updated) == (0, 1)
    with schema_context("visits"):
        record = Record.objects.get()
        assert record.answers["rent"] == 600
        assert record.revisions.last().changes["rent"] == [520, 600]


def test_one_bad_record_stores_nothing_and_its_error_names_the_record_field_and_element(
        visits_service, council, officer):
    good, bad = visit_xml(council, "V-1"), visit_xml(council, "V-2", VisitMode=4)  # 4: retired, split into 2 and 3
    both = good.replace(b"</Visits>", b"") + bad.replace(b"<Visits>", b"")
    result = import_visits(council, officer, both)
    assert not result.stored and result.created == 0
    [problem] = result.problems
    assert (problem.reference, problem.field, problem.element) == ("V-2, 2026-05-04", "visitmode", "Visit/VisitMode")
    assert "“By phone” (2)" in problem.message and "“By video call” (3)" in problem.message
    with schema_context("visits"):
        assert not Record.objects.exists()


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Visits><Visit><OrganisationCode>&lol3;</OrganisationCode></Visit></Visits>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Visits [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Visits><Visit><OrganisationCode>&secret;</OrganisationCode></Visit></Visits>"""


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["billion laughs", "external entity"])
def test_entity_expansion_and_external_entities_are_refused(visits_service, council, officer, data):
    result = import_visits(council, officer, data)
    assert [p.rule for p in result.problems] == ["xml_unsafe"]
    assert "DTD or entities" in result.problems[0].message and "root:" not in result.problems[0].message
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_xml_not_well_formed_is_refused_with_where(visits_service, council, officer):
    result = import_visits(council, officer, b"<Visits><Visit></Visits>")
    assert [p.rule for p in result.problems] == ["xml_not_well_formed"]
    assert "line 1, column" in result.problems[0].message


def test_a_file_failing_the_xsd_is_refused_naming_the_record_and_element(visits_service, council, officer):
    data = visit_xml(council, "V-7").replace(b"<Age>42</Age>", b"<Age>forty</Age>")
    result = import_visits(council, officer, data)
    [problem] = result.problems
    assert (problem.rule, problem.reference, problem.element) == ("xml_schema", "V-7, 2026-05-04", "Visit/Person/Age")
    assert problem.message == ('Visit V-7, 2026-05-04, element <Person n="1"><Age> (Person 1\'s age): “forty” is not '
                               "a whole number. Give a whole number from 0 to 120, in digits only.")
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_personal_file_without_its_data_file_is_refused(visits_service, council, officer):
    alone = import_visits(council, officer, personal=visit_xml(council, personal=True))
    assert [p.rule for p in alone.problems] == ["xml_main_file_missing"]
    unmatched = import_visits(council, officer, visit_xml(council, "V-1"), visit_xml(council, "V-5", personal=True))
    assert [(p.rule, p.reference) for p in unmatched.problems] == [("xml_personal_without_main", "V-5, 2026-05-04")]
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_file_for_another_organisation_is_refused(visits_service, council, officer, make_organisation):
    other = make_organisation("Another Council", type="local_authority")
    result = import_visits(council, officer, visit_xml(other))
    [problem] = result.problems
    assert (problem.rule, problem.element) == ("xml_other_organisation", "Visit/OrganisationCode")
    assert other.ons_code in problem.message and council.name in problem.message
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_reference_moved_by_a_supplier_change_is_linked_to_the_old_one(visits_service, council, officer):
    import_visits(council, officer, visit_xml(council, "OLD-1"))
    moved = import_visits(council, officer, visit_xml(council, "NEW-1", extra="<PreviousVisitRef>OLD-1</PreviousVisitRef>"))
    assert (moved.created, moved.updated, moved.relinked, moved.problems) == (0, 1, 1, [])
    with schema_context("visits"):
        record = Record.objects.get()
        assert record.answers["visitref"] == "NEW-1"
        assert record.revisions.last().changes["visitref"] == ["OLD-1", "NEW-1"]
    again = import_visits(council, officer, visit_xml(council, "NEW-1", extra="<PreviousVisitRef>OLD-1</PreviousVisitRef>"))
    assert (again.created, again.unchanged, again.relinked) == (0, 1, 0)


def test_the_xml_export_format_writes_both_files_for_a_run(visits_service, layout, visit):
    visit()
    run = run_export(visits_service, "visits", "visit", 2026, "xml", full=True)
    assert run.records == 1 and run.path.endswith("-xml.zip")
    with zipfile.ZipFile(run.path) as archive:
        assert sorted(archive.namelist()) == sorted(file_name(layout, f) for f in layout.files)
        for xml_file in layout.files:
            xmlschema.XMLSchema10(str(xsd.schema_path(layout, xml_file))).validate(
                io.BytesIO(archive.read(file_name(layout, xml_file))))
        main = archive.read(file_name(layout, layout.main))
    assert b"<VisitRef>V-1</VisitRef>" in main and b"<Rent>520</Rent>" in main


def test_the_command_imports_and_prints_a_summary(visits_service, council, officer, tmp_path):
    path = tmp_path / "visits.xml"
    path.write_bytes(visit_xml(council))
    out = StringIO()
    call_command("cldc", "import-xml", "--service", "visits", "--record-type", "visit", "--version", "2026",
                 "--organisation", council.ons_code, "--user", officer.email, str(path), stdout=out)
    summary = json.loads(out.getvalue())
    assert (summary["created"], summary["stored"]) == (1, True)  # today is inside the 2026 window


def test_a_layout_naming_what_the_definition_lacks_is_refused(tmp_path):
    from cldc.platform import registry

    path = tmp_path / "2026.yaml"
    path.write_text("files: [{id: a, root: A, record: R}]\norganisation: Org\n"
                    "elements: [{element: Ref, variable: visitref}, {element: Date, variable: visitdate},"
                    " {element: X, variable: nosuch}]\n")
    with pytest.raises(DefinitionError, match="'nosuch' is not a question"):
        read_layout(path, registry.get("visits").definition("visit", 2026))


def test_a_record_changed_during_the_import_undoes_the_whole_import(visits_service, council, officer, monkeypatch):
    from cldc.platform.records.gateway import StaleRecord
    from cldc.platform.xmlfiles import importer

    import_visits(council, officer, visit_xml(council, "V-1"))

    def changed_meanwhile(*args, **kwargs):
        raise StaleRecord("changed")

    monkeypatch.setattr(importer, "commit", changed_meanwhile)
    both = visit_xml(council, "V-1", Rent="600.00").replace(b"</Visits>", b"") + visit_xml(council, "V-2").replace(
        b"<Visits>", b"")
    result = import_visits(council, officer, both)
    assert [p.rule for p in result.problems] == ["changed_during_import"] and result.created == 0
    with schema_context("visits"):
        assert Record.objects.get().answers["rent"] == 520  # V-2, created before V-1 failed, is undone too


def test_a_repeat_block_index_given_twice_is_refused(visits_service, council, officer):
    data = visit_xml(council, "V-3").replace(b'<Person n="1">', b'<Person n="1"><Age>9</Age></Person><Person n="1">')
    result = import_visits(council, officer, data)
    [problem] = result.problems
    assert (problem.rule, problem.reference, problem.element) == ("xml_schema", "V-3, 2026-05-04", "Visit/Person")
    assert "two <Person> elements have the same n" in problem.message
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_two_records_of_a_file_that_find_the_same_stored_record_are_refused(visits_service, council, officer):
    import_visits(council, officer, visit_xml(council, "V-1"))
    both = visit_xml(council, "V-1").replace(b"</Visits>", b"") + visit_xml(
        council, "V-8", extra="<PreviousVisitRef>V-1</PreviousVisitRef>").replace(b"<Visits>", b"")
    result = import_visits(council, officer, both)
    assert [(p.rule, p.reference) for p in result.problems] == [("xml_duplicate", "V-8, 2026-05-04")]
    with schema_context("visits"):
        assert Record.objects.get().answers["visitref"] == "V-1"
