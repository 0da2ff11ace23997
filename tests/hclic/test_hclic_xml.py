"""H-CLIC's XML files (collections/hclic/xml/case/): the case data and personal data
files, their XSDs as `cldc xsd` writes them, a case out and back in through both files,
a reference moved by a change of supplier, and a retired code refused in a new case
naming the codes that replaced it."""

import datetime as dt
import io
import zipfile

import pytest
import xmlschema
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.xmlfiles import xsd
from cldc.platform.xmlfiles.importer import import_files
from cldc.platform.xmlfiles.layout import Repeat, xml_layout
from cldc.platform.xmlfiles.writer import file_name, write_zip

CASE = {"caseref": "HC-0042", "appdate": "2025-05-06", "assessdate": "2025-05-20", "assessoutcome": 2,
        "reason": 10, "accom": 8, "supportneeds": 1, "age1": 34, "sex1": 2, "ethnic1": 1, "ecstat1": 2,
        "firstname1": "Ana", "surname1": "O'Brien & Co <test>", "dob1": "1991-02-03", "nino1": "QQ123456C",
        "hhmembers": 2, "relat2": 2, "age2": 8, "sex2": 1,
        "taplacements": 1, "tatype1": 4, "taoutside1": 2, "tastart1": "2025-05-06"}
NEEDS = {name: 0 for name in ("sn_young1617", "sn_young1825", "sn_youngparent", "sn_careleaver1820",
                              "sn_careleaver2124", "sn_careleaver25", "sn_physical", "sn_learning",
                              "sn_sexualabuse", "sn_domesticabuse", "sn_otherabuse", "sn_drugs", "sn_alcohol",
                              "sn_offending", "sn_repeathomeless", "sn_roughsleeping", "sn_asylum", "sn_oldage",
                              "sn_forces", "sn_education", "sn_modernslavery", "sn_budgeting")} | {"sn_mentalhealth": 1}
TODAY = {2025: dt.date(2026, 3, 1), 2026: dt.date(2026, 10, 1)}


@pytest.fixture
def council(make_organisation):
    return make_organisation("Anytown Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("officer@anytown.example", council, role="data_coordinator")


def store(council, officer, version=2025, **changes):
    with schema_context("hclic"):
        record = Record(collection="hclic", record_type="case", version=version, owning_organisation=council,
                        managing_organisation=council)
        outcome = submit(record, {**CASE, **NEEDS, **changes}, "api", officer, today=TODAY[version])
        assert outcome.errors == [], outcome.errors
        return record


def files_of(version):
    layout = xml_layout("hclic", "case", version)
    out = io.BytesIO()
    with schema_context("hclic"):
        write_zip(Record.objects.filter(version=version), layout, out)
    with zipfile.ZipFile(out) as archive:
        return {f.id: archive.read(file_name(layout, f)) for f in layout.files}


def import_case(council, officer, files, version=2025):
    with schema_context("hclic"):
        return import_files("hclic", "case", version, council, officer, main=files.get("case"),
                            personal=files.get("personal"), today=TODAY[version])


@pytest.mark.parametrize("version", [2025, 2026])
def test_the_committed_xsds_are_what_the_command_writes(version):
    layout = xml_layout("hclic", "case", version)
    for xml_file in layout.files:
        assert xsd.schema_path(layout, xml_file).read_text(encoding="utf-8") == xsd.generate(layout, xml_file), (
            f"Run `cldc xsd --collection hclic --record-type case --version {version}`: {xml_file.id} has drifted")


@pytest.mark.parametrize("version", [2025, 2026])
def test_every_question_of_the_definition_has_an_element(version):
    layout = xml_layout("hclic", "case", version)
    held = {e.variable if not isinstance(e, Repeat) else e.group for e in layout.elements}
    questions = registry.get("hclic").definition("case", version).questions.values()
    missing = [q.id for q in questions if (q.repeat or q.id) not in held]
    assert missing == [], f"Add an element for each to collections/hclic/xml/case/{version}.yaml, then run cldc xsd"


def test_a_case_goes_out_as_two_valid_files_and_comes_back_the_same(hclic_service, council, officer):
    stored = store(council, officer)
    files = files_of(2025)
    layout = xml_layout("hclic", "case", 2025)
    for xml_file in layout.files:
        xmlschema.XMLSchema10(str(xsd.schema_path(layout, xml_file))).validate(io.BytesIO(files[xml_file.id]))
    assert b"QQ123456C" in files["personal"] and b"QQ123456C" not in files["case"]
    assert b"<CaseRef>HC-0042</CaseRef>" in files["case"] and b"<CaseRef>HC-0042</CaseRef>" in files["personal"]
    assert b'<Person n="2"><Relationship>2</Relationship>' in files["case"].replace(b"\n      ", b"")
    with schema_context("hclic"):
        Record.objects.all().delete()
    result = import_case(council, officer, files)
    assert result.problems == [] and result.created == 1
    with schema_context("hclic"):
        back = Record.objects.get()
        assert (back.answers, back.status) == (stored.answers, stored.status)
    again = import_case(council, officer, files)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 1)


def test_a_case_whose_reference_moved_with_a_new_supplier_is_linked_to_the_old_one(hclic_service, council, officer):
    store(council, officer)
    files = files_of(2025)
    moved = {key: data.replace(b"<CaseRef>HC-0042</CaseRef>", b"<CaseRef>NEWSYS-9</CaseRef>") for key, data in files.items()}
    moved["case"] = moved["case"].replace(b"<LACode>", b"<LACode>", 1).replace(
        b"</LACode>\n", b"</LACode>\n    <PreviousCaseRef>HC-0042</PreviousCaseRef>\n", 1)
    result = import_case(council, officer, moved)
    assert (result.problems, result.created, result.updated, result.relinked) == ([], 0, 1, 1)
    with schema_context("hclic"):
        case = Record.objects.get()
        assert case.answers["caseref"] == "NEWSYS-9" and case.provider_reference == "newsys-9"
        assert case.revisions.last().changes["caseref"] == ["HC-0042", "NEWSYS-9"]


def test_a_retired_code_in_a_new_case_is_refused_naming_the_codes_that_replaced_it(hclic_service, council, officer):
    store(council, officer, version=2026, tatype1=7, appdate="2026-05-06", assessdate="2026-05-20",
          tastart1="2026-05-06")
    files = files_of(2026)
    with schema_context("hclic"):
        Record.objects.all().delete()
    files["case"] = files["case"].replace(b"<Type>7</Type>", b"<Type>6</Type>")
    result = import_case(council, officer, files, version=2026)
    [problem] = result.problems
    assert (problem.reference, problem.field, problem.element) == ("HC-0042", "tatype1", "Case/TAPlacement[@n='1']/Type")
    assert "(6) is no longer an answer" in problem.message
    assert "“Private landlord” (7)" in problem.message and "(8)" in problem.message
    with schema_context("hclic"):
        assert not Record.objects.exists()


def test_a_date_of_birth_the_xsd_refuses_is_told_by_case_and_element_in_plain_words(hclic_service, council, officer):
    store(council, officer)
    files = files_of(2025)
    with schema_context("hclic"):
        Record.objects.all().delete()
    files["personal"] = files["personal"].replace(b"<DateOfBirth>1991-02-03</DateOfBirth>",
                                                  b"<DateOfBirth>31-02-2020</DateOfBirth>")
    result = import_case(council, officer, files)
    [problem] = result.problems
    label = registry.get("hclic").definition("case", 2025).variables["dob1"].label
    assert (problem.file, problem.reference, problem.element) == ("Personal data", "HC-0042", "Case/DateOfBirth")
    assert problem.message == (f"Case HC-0042, element <DateOfBirth> ({label}): “31-02-2020” is not a date. "
                               "Write it as YYYY-MM-DD, for example 2026-04-30.")
    with schema_context("hclic"):
        assert not Record.objects.exists()
