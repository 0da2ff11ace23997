"""Who sees a return's quality report and the visits behind its figures (whoever sees
the return: those who act for the organisation, and analysts; anyone else a 404), and
the national tables (those who see every organisation: analysts and support), which
sum every organisation's latest snapshot, one row each."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.tests.returns.conftest import return_url

ORGANISATIONS = ("parent", "child", "other")
SEES = {  # person: the organisations whose reports they see; every other is a 404
    "analyst": set(ORGANISATIONS),
    "support": set(ORGANISATIONS),
    "content designer": set(),
    "parent coordinator": {"parent", "child"},
    "parent provider": {"parent", "child"},
    "child coordinator": {"child"},
    "child provider": {"child"},
    "other coordinator": {"other"},
}
NATIONAL = {"analyst", "support"}
NATIONAL_URL = "/returns/national/visits/visit/2026-q1/"


@pytest.fixture
def returns(world, make_visit):
    """Each organisation's April to June return, submitted: the parent's with two
    visits, the others' with one."""
    visits = {}
    for name, organisation in world["orgs"].items():
        visits[name] = make_visit(organisation, f"Q1-{name}", dt.date(2026, 5, 1))
        if name == "parent":
            make_visit(organisation, "Q1-parent-by-phone", dt.date(2026, 6, 1), period=1)
        with schema_context("visits"):
            workflow.submit(returns_of("visits", "visit"), organisation, Period(2026, 1), world["people"]["support"])
    return visits


@pytest.mark.parametrize("person", list(SEES))
def test_who_sees_a_report_its_figures_records_and_the_national_tables(world, returns, person):
    client = world["clients"][person]
    found = {}
    for name in ORGANISATIONS:
        url = return_url(world["orgs"][name], step="report")
        found[name] = (client.get(url).status_code, client.get(f"{url}V1/?column=total").status_code)
    assert found == {name: (200, 200) if name in SEES[person] else (404, 404) for name in ORGANISATIONS}
    assert client.get(NATIONAL_URL).status_code == (200 if person in NATIONAL else 404)
    returns_list = client.get("/returns/").content.decode()
    assert (NATIONAL_URL in returns_list) is (person in NATIONAL)


def test_the_national_tables_have_one_row_per_organisation_and_the_total(world, returns):
    page = world["clients"]["analyst"].get(NATIONAL_URL).content.decode()
    v1 = page.split('id="national-v1"')[1].split("</table>")[0]
    total = v1.split('id="national-v1-total"')[1].split("</tr>")[0]
    assert "<strong>4</strong>" in total  # 2 + 1 + 1 visits
    for name, visits in (("parent", 2), ("child", 1), ("other", 1)):
        organisation = world["orgs"][name]
        row = v1.split(f'id="national-v1-{organisation.pk}"')[1].split("</tr>")[0]
        assert f"{organisation.name}</th>" in row
        behind = return_url(organisation, step="report") + "V1/?column=total&amp;row="
        assert f'href="{behind}">{visits}<' in row
    v2 = page.split('id="national-v2"')[1].split("</table>")[0]  # a table with rows: summed per organisation
    assert '<strong>4</strong>' in v2.split('id="national-v2-total"')[1].split("</tr>")[0]
    # The figure's records, for an analyst: the parent's two visits.
    listed = world["clients"]["analyst"].get(
        return_url(world["orgs"]["parent"], step="report") + "V1/?column=total").content.decode()
    assert f">Visit {returns['parent'].pk}</a>" in listed and "Q1-parent-by-phone" in listed
    assert f">Visit {returns['child'].pk}</a>" not in listed
