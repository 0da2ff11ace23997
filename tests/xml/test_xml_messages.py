"""A file that fails the XSD is told in plain English (platform/xmlfiles/schema_messages.py):
the record by its noun and reference, the element as the file writes it, what is wrong and
what is expected; never xmlschema's own words. And a file not saved in the encoding it
says (a Windows-1252 file read as UTF-8) is told so, with the line and how to fix it.
Nothing is stored either way. On the test collection's layout (tests/packages/visits/xml/)."""

import pytest
import xmlschema
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record
from cldc.platform.xmlfiles import schema_messages
from cldc.tests.xml.test_xml_files import import_visits, visit_xml

PREFIX = "Visit V-1, 2026-05-04"


@pytest.fixture
def council(make_organisation):
    return make_organisation("Plain Words Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("plain@council.example", council, role="data_coordinator")


def refused(council, officer, data):
    result = import_visits(council, officer, data)
    with schema_context("visits"):
        assert not Record.objects.exists()
    [problem] = result.problems
    return problem


def changed(council, old, new, **values):
    data = visit_xml(council, "V-1", **values)
    assert old in data
    return data.replace(old, new, 1)


# (what is changed in a good file, the element named, the whole message)
KINDS = {
    "date written another way": (
        (b"<VisitDate>2026-05-04</VisitDate>", b"<VisitDate>04-05-2026</VisitDate>"), "Visit/VisitDate",
        "Visit V-1, 04-05-2026, element <VisitDate> (Date of visit): “04-05-2026” is not a date. "
        "Write it as YYYY-MM-DD, for example 2026-04-30."),
    "a day the month does not have": (
        (b"<VisitDate>2026-05-04</VisitDate>", b"<VisitDate>2026-02-30</VisitDate>"), "Visit/VisitDate",
        "Visit V-1, 2026-02-30, element <VisitDate> (Date of visit): “2026-02-30” is not a real date: there is "
        "no such day in that month. Check the day and the month."),
    "a code not in the list": (
        (b"<RentPeriod>4</RentPeriod>", b"<RentPeriod>9</RentPeriod>"), "Visit/RentPeriod",
        f"{PREFIX}, element <RentPeriod> (Rent period): “9” is not one of its codes. Give one of: "
        "1 (Weekly), 2 (Every 2 weeks), 3 (Every 4 weeks), 4 (Monthly)."),
    "words for a code": (
        (b"<RepairsReported>2</RepairsReported>", b"<RepairsReported>No</RepairsReported>"),
        "Visit/RepairsReported",
        f"{PREFIX}, element <RepairsReported> (Repairs reported): “No” is not one of its codes. Give one of: "
        "1 (Yes), 2 (No)."),
    "a tick box's option not in the list": (
        (b"<Need>needs_mobility</Need>", b"<Need>mobility</Need>"), "Visit/Needs/Need",
        f"{PREFIX}, element <Needs><Need> (Needs): “mobility” is not one of its codes. Give one of: "
        "needs_mobility (Mobility support), needs_mental (Mental health support), needs_none (None of these)."),
    "words for a whole number, in a repeat block": (
        (b'<Person n="1"><Age>42</Age>', b'<Person n="2"><Age>forty</Age>'), "Visit/Person/Age",
        f"{PREFIX}, element <Person n=\"2\"><Age> (Person 2's age): “forty” is not a whole number. "
        "Give a whole number from 0 to 120, in digits only."),
    "a number above the most": (
        (b"<HouseholdSize>1</HouseholdSize>", b"<HouseholdSize>9</HouseholdSize>"), "Visit/HouseholdSize",
        f"{PREFIX}, element <HouseholdSize> (Number of people): “9” is too large. It must be at most 4."),
    "a number below the least": (
        (b"<HouseholdSize>1</HouseholdSize>", b"<HouseholdSize>0</HouseholdSize>"), "Visit/HouseholdSize",
        f"{PREFIX}, element <HouseholdSize> (Number of people): “0” is too small. It must be at least 1."),
    "money with a pound sign": (
        (b"<Rent>520.00</Rent>", "<Rent>£520</Rent>".encode()), "Visit/Rent",
        f"{PREFIX}, element <Rent> (Rent): “£520” is not a number. Give a number from 0 to 5000, in digits, "
        "without £ or commas."),
    "too many decimal places": (
        (b"<Rent>520.00</Rent>", b"<Rent>520.005</Rent>"), "Visit/Rent",
        f"{PREFIX}, element <Rent> (Rent): “520.005” has too many decimal places. Give at most 2 "
        "(for example 520.00)."),
    "an empty element": (
        (b"<HouseholdSize>1</HouseholdSize>", b"<HouseholdSize></HouseholdSize>"), "Visit/HouseholdSize",
        f"{PREFIX}, element <HouseholdSize> (Number of people): it is empty. Leave the element out when there "
        "is no answer, or give a whole number from 1 to 4."),
    "text longer than the most": (
        (b"<VisitRef>V-1</VisitRef>", b"<VisitRef>V-1" + b"x" * 1000 + b"</VisitRef>"), "Visit/VisitRef",
        "Visit V-1" + "x" * 57 + "…, element <VisitRef> (Visit reference): “V-1" + "x" * 57
        + "…” is 1,003 characters long. It can be at most 1,000."),
    "a required element missing": (
        (b"<VisitDate>2026-05-04</VisitDate>", b""), "Visit/VisitDate",
        "Visit V-1: <VisitDate> is missing from <Visit>: it must come before <RepairsReported>."),
    "a required element missing before another": (
        (b"<VisitRef>V-1</VisitRef>", b""), "Visit/VisitRef",
        "Visit 2026-05-04: <VisitRef> is missing from <Visit>: it must come before <VisitDate>."),
    "an element the layout does not have": (
        (b"<RentPeriod>", b"<Colour>red</Colour><RentPeriod>"), "Visit/Colour",
        f"{PREFIX}: <Colour> is not an element of <Visit>. Remove it, or check its name (names are "
        "case-sensitive). <Visit> holds <OrganisationCode>, <PreviousVisitRef>, <VisitRef>, <VisitDate>, "
        "<RepairsReported>, <Needs>, <HouseholdSize>, <Person>, <RentPeriod>, <Rent>, <VisitMode>."),
    "elements out of order": (
        (b"<RentPeriod>4</RentPeriod><Rent>520.00</Rent>", b"<Rent>520.00</Rent><RentPeriod>4</RentPeriod>"),
        "Visit/RentPeriod",
        f"{PREFIX}: <RentPeriod> is in the wrong place: it must come before <Rent>. The elements of <Visit> "
        "must be in the XSD's order."),
    "an element given too often": (
        (b"<VisitMode>1</VisitMode>", b"<VisitMode>1</VisitMode><VisitMode>1</VisitMode>"), "Visit/VisitMode",
        f"{PREFIX}: <VisitMode> is given too many times. It can be in <Visit> once."),
    "a repeat block without its index": (
        (b'<Person n="1">', b"<Person>"), "Visit/Person",
        f"{PREFIX}, element <Person>: <Person> has no n attribute. Give it, as <Person n=\"1\">."),
    "a repeat block's index out of range": (
        (b'<Person n="1">', b'<Person n="9">'), "Visit/Person",
        f"{PREFIX}, element <Person n=\"9\">: <Person n=\"9\"> is not allowed: n must be one of 1, 2, 3, 4."),
}


@pytest.mark.parametrize("kind", KINDS)
def test_each_kind_of_xsd_error_is_told_in_plain_words_naming_the_record_and_element(
        visits_service, council, officer, kind):
    (old, new), element, message = KINDS[kind]
    problem = refused(council, officer, changed(council, old, new))
    assert (problem.rule, problem.element) == ("xml_schema", element)
    assert problem.message == message


def test_a_required_element_missing_at_the_end_of_a_record_is_told(visits_service, council, officer):
    data = visit_xml(council, "V-1")
    data = data[:data.index(b"<VisitDate>")] + data[data.index(b"</Visit>"):]  # the reference, then nothing
    problem = refused(council, officer, data)
    assert (problem.element, problem.message) == (
        "Visit/VisitDate", "Visit V-1: <VisitDate> is missing from <Visit>. Every <Visit> must have it.")


SCHEMA = """<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="Case"><xs:complexType><xs:sequence>
    <xs:element name="Postcode"><xs:simpleType><xs:restriction base="xs:string">
      <xs:pattern value="[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Code"><xs:simpleType><xs:restriction base="xs:string">
      <xs:length value="9"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Initials"><xs:simpleType><xs:restriction base="xs:string">
      <xs:minLength value="2"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Count"><xs:simpleType><xs:restriction base="xs:integer">
      <xs:totalDigits value="3"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Share"><xs:simpleType><xs:restriction base="xs:decimal">
      <xs:maxExclusive value="1"/></xs:restriction></xs:simpleType></xs:element>
    <xs:element name="Name"><xs:simpleType><xs:restriction base="xs:string">
      <xs:whiteSpace value="collapse"/><xs:assertion test="$value != 'x'"/></xs:restriction></xs:simpleType></xs:element>
  </xs:sequence></xs:complexType></xs:element>
</xs:schema>"""
GOOD = {"Postcode": "SW1A 1AA", "Code": "E06000001", "Initials": "AB", "Count": "12", "Share": "0.5", "Name": "Al"}


def only_error(**bad):
    values = {**GOOD, **bad}
    document = "<Case>" + "".join(f"<{k}>{v}</{k}>" for k, v in values.items()) + "</Case>"
    [error] = list(xmlschema.XMLSchema11(SCHEMA).iter_errors(document))
    return error


@pytest.mark.parametrize("bad, message", [
    ({"Postcode": "sw1a1aa"}, "“sw1a1aa” is not written in the form this element takes (the XSD's pattern "
                              "“[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}”)"),
    ({"Code": "E0600"}, "“E0600” is 5 characters long. It must be exactly 9"),
    ({"Initials": "A"}, "“A” is 1 characters long. It must be at least 2"),
    ({"Count": "1234"}, "“1234” has too many digits. Give at most 3"),
    ({"Share": "1"}, "“1” is too large. It must be less than 1"),
], ids=["pattern", "length", "minLength", "totalDigits", "maxExclusive"])
def test_the_xsd_facets_our_layouts_do_not_use_yet_are_told_in_plain_words_too(bad, message):
    assert schema_messages.explain(only_error(**bad)) == message


def test_a_kind_not_mapped_is_still_told_without_the_librarys_jargon():
    error = only_error(Name="x")  # an XSD 1.1 assertion: not one of the kinds mapped
    told = schema_messages.explain(error)
    assert told.startswith("it does not match the file's XSD (")
    assert "<class" not in told and "Xsd" not in told and "Decimal(" not in told


# --- The file's encoding --------------------------------------------------------------------------


def test_a_windows_1252_file_that_says_it_is_utf_8_is_refused_naming_the_line_and_the_fix(
        visits_service, council, officer):
    data = b'<?xml version="1.0" encoding="UTF-8"?>\n' + changed(
        council, b"<Visit>", b"\n<Visit>").replace(b"<Rent>520.00</Rent>", "<Rent>£520</Rent>".encode("cp1252"))
    problem = refused(council, officer, data)
    assert problem.rule == "xml_encoding" and problem.element == "line 3"
    assert problem.message.startswith("The visit data file says it is UTF-8 but is not: line 3, column ")
    assert "(byte A3, “£” if the file was saved as Windows-1252)" in problem.message
    assert "Save the file as UTF-8" in problem.message


def test_a_windows_1252_file_without_a_declaration_is_refused_as_not_utf_8(visits_service, council, officer):
    data = changed(council, b"<VisitRef>V-1</VisitRef>", "<VisitRef>Zoë-1</VisitRef>".encode("cp1252"))
    problem = refused(council, officer, data)
    assert problem.rule == "xml_encoding"
    assert problem.message.startswith("The visit data file is not UTF-8, the encoding XML files are read in: line 1")
    assert "“ë” if the file was saved as Windows-1252" in problem.message


def test_a_file_that_says_its_encoding_right_is_read(visits_service, council, officer):
    data = b'<?xml version="1.0" encoding="windows-1252"?>' + changed(
        council, b"<VisitRef>V-1</VisitRef>", "<VisitRef>Zoë-1</VisitRef>".encode("cp1252"))
    result = import_visits(council, officer, data)
    assert (result.problems, result.created) == ([], 1)
    with schema_context("visits"):
        assert Record.objects.get().answers["visitref"] == "Zoë-1"


def test_an_encoding_that_cannot_be_read_is_refused(visits_service, council, officer):
    problem = refused(council, officer, b'<?xml version="1.0" encoding="klingon"?>' + visit_xml(council, "V-1"))
    assert problem.rule == "xml_encoding"
    assert problem.message.startswith("The visit data file says its encoding is “klingon”, which we cannot read.")
