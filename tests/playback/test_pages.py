"""The figures pages (/figures/) on the visits service: who sees whose figures, as a
matrix of roles × organisations (another organisation's figures are a 404, as if it
did not exist), the list of organisations a person may choose from, and what a page
shows: its charts, each with its table, and the home page's link."""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

OK, NOT_FOUND = 200, 404
ORGANISATIONS = ("parent", "child", "other")  # the child's parent is the parent; other is unrelated to both
TABLE = {  # role: the figures page of each organisation in ORGANISATIONS
    "parent coordinator": (OK, OK, NOT_FOUND),  # a parent acts for its child
    "child coordinator": (NOT_FOUND, OK, NOT_FOUND),
    "child provider": (NOT_FOUND, OK, NOT_FOUND),
    "other coordinator": (NOT_FOUND, NOT_FOUND, OK),
    "analyst": (OK, OK, OK),
    "support": (OK, OK, OK),
    "content designer": (NOT_FOUND, NOT_FOUND, NOT_FOUND),
    "collection administrator": (NOT_FOUND, NOT_FOUND, NOT_FOUND),
}


@pytest.fixture
def world(make_organisation, make_person, client_for, visits_service, complete_visit):
    """Visits of each organisation (one more for each, so each has its own count), and a person of each role."""
    parent = make_organisation("Parent Homes", region="north_east")
    orgs = {"parent": parent, "child": make_organisation("Child Lettings", parent=parent, region="north_east"),
            "other": make_organisation("Other Housing", region="north_east")}
    people = {
        "parent coordinator": make_person("coordinator@parent.example", orgs["parent"], role="data_coordinator"),
        "child coordinator": make_person("coordinator@child.example", orgs["child"], role="data_coordinator"),
        "child provider": make_person("provider@child.example", orgs["child"]),
        "other coordinator": make_person("coordinator@other.example", orgs["other"], role="data_coordinator"),
        "analyst": make_person("analyst@dept.example", staff_role="analyst"),
        "support": make_person("support@dept.example", staff_role="support"),
        "content designer": make_person("content@dept.example", staff_role="content_designer"),
        "collection administrator": make_person("collections@dept.example", staff_role="collection_admin"),
    }
    with schema_context("visits"):
        for count, (name, organisation) in enumerate(orgs.items(), 1):
            for number in range(count):
                submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                              managing_organisation=organisation),
                       {**complete_visit(), "visitref": f"V-{name}-{number}",
                        "owning_organisation_id": organisation.pk}, "api", today=dt.date(2026, 6, 1))
    return {"orgs": orgs, "people": people, "clients": {role: client_for("visits", p) for role, p in people.items()}}


def test_who_sees_whose_figures(world):
    outcomes = {}
    for role, client in world["clients"].items():
        for name in ORGANISATIONS:
            response = client.get(f"/figures/{world['orgs'][name].pk}/")
            outcomes[role, name] = response.status_code
            if response.status_code == OK:  # the organisation's own count: 1, 2, 3 visits
                count = ORGANISATIONS.index(name) + 1
                assert f"0 of {count} visits completed" not in response.content.decode()
                assert f"of {count} visits completed" in response.content.decode(), (role, name)
    assert outcomes == {(role, name): TABLE[role][at] for role in TABLE for at, name in enumerate(ORGANISATIONS)}


def test_a_page_of_another_year_or_type_that_is_not_declared_is_a_404(world):
    client, parent = world["clients"]["parent coordinator"], world["orgs"]["parent"]
    assert client.get(f"/figures/{parent.pk}/visits/visit/2026/").status_code == OK
    assert client.get(f"/figures/{parent.pk}/visits/visit/2025/").status_code == NOT_FOUND
    assert client.get(f"/figures/{parent.pk}/core/lettings/2026/").status_code == NOT_FOUND  # not in this service


def test_the_list_offers_the_organisations_a_person_may_see(world):
    def listed(role):
        page = world["clients"][role].get("/figures/")
        return page if page.status_code == 302 else re.findall(r'href="/figures/\d+/">([^<]+)<', page.content.decode())

    assert listed("parent coordinator") == ["Child Lettings", "Parent Homes"]
    assert listed("child provider").url == f"/figures/{world['orgs']['child'].pk}/"  # one: straight to it
    assert {"Child Lettings", "Other Housing", "Parent Homes"} <= set(listed("analyst"))
    found = world["clients"]["analyst"].get("/figures/?name=child").content.decode()
    assert re.findall(r'href="/figures/\d+/">([^<]+)<', found) == ["Child Lettings"]
    assert "no figures to show you" in world["clients"]["content designer"].get("/figures/").content.decode()


def test_each_chart_has_its_numbers_in_a_table_and_no_comparison_says_why(world):
    page = world["clients"]["other coordinator"].get(f"/figures/{world['orgs']['other'].pk}/").content.decode()
    charts = re.findall(r'role="img" aria-label="Bar chart: ([^."]+)\.', page)
    captions = re.findall(r'<caption class="govuk-table__caption[^"]*">([^<]+)</caption>', page)
    assert charts == captions == ["Visits by status", "Visits by month of date of visit",
                                  "Visits by how the visit was made", "Visits by repairs reported", "Average weekly rent"]
    assert "3 of 3 visits completed (100%)" in page
    assert "The submission deadline is 30 April 2027" in page
    assert 'id="no-comparison">No comparison is shown because fewer than 5 other organisations' in page


def test_the_home_page_links_to_the_figures_for_those_who_may_see_some(world):
    def home(role):
        return world["clients"][role].get("/").content.decode()

    assert "Your organisation's figures" in home("child provider")
    assert "Organisations' figures" in home("analyst")
    assert "figures</a>" not in home("content designer")
