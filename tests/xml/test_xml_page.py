"""The XML import page (/xml/): a data coordinator imports their organisation's files
and sees the counts, or every problem by record and element with nothing stored;
what a file says is shown escaped; a data provider is refused the page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context

from cldc.platform.records.models import Record


@pytest.fixture
def council(make_organisation):
    return make_organisation("Paging Council", type="local_authority")


@pytest.fixture
def coordinator(make_person, council):
    return make_person("xml-page@council.example", council, role="data_coordinator")


def visit_file(organisation, ref="V-1", mode=1):
    return (f"<Visits><Visit><OrganisationCode>{organisation.ons_code}</OrganisationCode><VisitRef>{ref}</VisitRef>"
            f"<VisitDate>2026-05-04</VisitDate><RepairsReported>2</RepairsReported><HouseholdSize>1</HouseholdSize>"
            f'<Person n="1"><Age>42</Age><Work>1</Work></Person><RentPeriod>4</RentPeriod><Rent>520</Rent>'
            f"<VisitMode>{mode}</VisitMode></Visit></Visits>").encode()


def post(client, organisation, data):
    return client.post("/xml/", {"kind": "visits:visit:2026", "organisation": organisation.pk,
                                 "main": SimpleUploadedFile("visits.xml", data, "text/xml")})


def test_a_coordinator_imports_the_files_and_sees_the_counts(visits_service, client_for, coordinator, council):
    client = client_for("visits", coordinator)
    home = client.get("/")
    assert 'href="/xml/"' in home.content.decode()
    page = client.get("/xml/")
    assert page.status_code == 200 and "The visit data file" in page.content.decode()
    done = post(client, council, visit_file(council))
    html = done.content.decode()
    assert done.status_code == 200 and 'id="count-created">1<' in html
    with schema_context("visits"):
        assert Record.objects.get().answers["visitref"] == "V-1"
    again = post(client, council, visit_file(council)).content.decode()
    assert 'id="count-unchanged">1<' in again and 'id="count-created">0<' in again


def test_problems_are_listed_by_record_and_element_escaped_and_nothing_is_stored(
        visits_service, client_for, coordinator, council):
    client = client_for("visits", coordinator)
    html = post(client, council, visit_file(council, ref="&lt;b&gt;V-9&lt;/b&gt;", mode=4)).content.decode()
    assert "Nothing was imported" in html
    assert "&lt;b&gt;V-9&lt;/b&gt;" in html and "<b>V-9</b>" not in html
    assert "Visit/VisitMode" in html and "How the visit was made" in html
    with schema_context("visits"):
        assert not Record.objects.exists()


def test_a_data_provider_is_refused_the_page(visits_service, client_for, make_person, council):
    provider = make_person("provider-xml@council.example", council, role="data_provider")
    client = client_for("visits", provider)
    assert client.get("/xml/").status_code == 403
    assert 'href="/xml/"' not in client.get("/").content.decode()


def test_an_organisation_the_person_does_not_coordinate_is_not_offered(
        visits_service, client_for, coordinator, make_organisation):
    other = make_organisation("Elsewhere Council", type="local_authority")
    response = post(client_for("visits", coordinator), other, visit_file(other))
    assert "Select a valid choice" in response.content.decode()
    with schema_context("visits"):
        assert not Record.objects.exists()
