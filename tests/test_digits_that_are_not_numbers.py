"""Text that str.isdigit() calls digits but int() refuses ("²", "³"): what a person types,
a file holds or a URL carries is checked with isdecimal() before it is made a number,
so such text is a reference that names nothing or a search that finds nothing, never
a server error (schemathesis found one in the API)."""

from cldc.platform.organisations.models import Organisation

SUPERSCRIPT = "²"


def test_a_reference_of_such_digits_names_no_organisation(make_organisation):
    make_organisation("Anytown Council", type="local_authority")
    assert Organisation.objects.by_reference(SUPERSCRIPT) is None


def test_a_search_for_them_finds_no_record(visits_service, make_organisation, make_person, client_for):
    council = make_organisation("Searching Council", type="local_authority")
    client = client_for("visits", make_person("searcher@council.example", council))
    page = client.get(f"/logs/?search={SUPERSCRIPT}")
    assert page.status_code == 200 and "<strong>0</strong> visits" in page.content.decode()
