"""The XML import page in a real browser: a data coordinator finds it on the service's
home page, is told what to choose, sees a file's problems by record and element with
nothing stored, then imports the corrected file and sees the counts; axe on each page.
The page has no script of its own: a form posted, and the outcome above it."""

import re

from django_tenants.utils import schema_context
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.records.models import Record


def visit_file(tmp_path, council, mode):
    path = tmp_path / f"visits-{mode}.xml"
    path.write_text(
        f"<Visits><Visit><OrganisationCode>{council.ons_code}</OrganisationCode><VisitRef>XML-1</VisitRef>"
        f"<VisitDate>2026-05-04</VisitDate><RepairsReported>2</RepairsReported><HouseholdSize>1</HouseholdSize>"
        f'<Person n="1"><Age>42</Age><Work>1</Work></Person><RentPeriod>4</RentPeriod><Rent>520</Rent>'
        f"<VisitMode>{mode}</VisitMode></Visit></Visits>")
    return path


def test_a_coordinator_imports_xml_files_and_sees_problems_then_counts(page, url, axe, tmp_path):
    council, person = coordinator("xml@browser.example", "Browser XML council", "E06000497")
    sign_in(page, url, person)
    page.goto(url("visits", "/"))
    page.get_by_role("link", name="Import from XML files").click()
    page.wait_for_url(re.compile(r"/xml/$"))
    axe(page)
    page.get_by_role("button", name="Import the files").click()
    assert "Select the organisation" in page.locator(".govuk-error-summary").inner_text()
    axe(page)

    page.get_by_label("Which organisation are the files for?").select_option(label=council.name)
    page.get_by_label("The visit data file").set_input_files(str(visit_file(tmp_path, council, 4)))
    page.get_by_role("button", name="Import the files").click()
    assert "Nothing was imported" in page.locator(".govuk-error-summary").inner_text()
    problems = page.locator("#xml-problems").inner_text()
    assert "XML-1, 2026-05-04" in problems and "Visit/VisitMode" in problems and "By video call" in problems
    axe(page)
    with schema_context("visits"):
        assert not Record.objects.filter(provider_reference="xml-1|2026-05-04").exists()

    page.get_by_label("Which organisation are the files for?").select_option(label=council.name)
    page.get_by_label("The visit data file").set_input_files(str(visit_file(tmp_path, council, 1)))
    page.get_by_role("button", name="Import the files").click()
    assert page.locator("#count-created").inner_text() == "1"
    axe(page)
    with schema_context("visits"):
        assert Record.objects.get(provider_reference="xml-1|2026-05-04").owning_organisation == council
    assert page.failed_requests == []
