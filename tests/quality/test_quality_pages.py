"""The data-quality pages (cldc.platform.quality.views), on the visits test collection:
who sees whose figures, as a matrix of roles × organisations (another organisation's
row is absent and its drill-down a 404); the figures and their drill-downs agree;
sorting by each figure with plain links; the deadline figure; the year chosen with
errors on the right field; the home page links the page only for those who may see it."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.windows.models import CollectionWindow
from cldc.tests.quality.quality_helpers import DAY, visit

YEAR = "record_type=visits:visit&year=2026"
ORGANISATIONS = ("parent", "child", "other")  # the child's parent is the parent; other is unrelated to both
OLDER_PERSON_IN_WORK = {"hhmemb": 1, "age1": 70, "work1": 1}


@pytest.fixture
def world(orgs, make_person, client_for, visits_service, complete_visit):
    """Visits: the parent 1 complete, the child 2 complete and 1 begun, the other 3
    complete (one with a soft check confirmed); and a person of each role."""
    people = {
        "data_provider": make_person("provider@parent.example", orgs["parent"]),
        "data_coordinator": make_person("coordinator@parent.example", orgs["parent"], role="data_coordinator"),
        "analyst": make_person("analyst@dept.example", staff_role="analyst"),
        "support": make_person("support@dept.example", staff_role="support"),
    }
    with schema_context("visits"):
        visit(orgs["parent"], {**complete_visit(), "visitref": "P-1"})
        for n in range(2):
            visit(orgs["child"], {**complete_visit(), "visitref": f"C-{n}"})
        visit(orgs["child"], {"visitref": "C-begun"})
        for n in range(3):
            visit(orgs["other"], {**complete_visit(), "visitref": f"O-{n}", **(OLDER_PERSON_IN_WORK if n == 0 else {})},
                  confirm=["older_person_in_work_1"] if n == 0 else ())
    return {"orgs": orgs, "clients": {role: client_for("visits", person) for role, person in people.items()}}


def figure_table(html):
    """{organisation name: [figures]} from the page's table, in the page's order."""
    table = html.split('id="figures"', 1)[1].split("</table>", 1)[0]
    found = {}
    for name, cells in re.findall(r'<tr class="govuk-table__row">\s*<th scope="row"[^>]*>(.*?)</th>(.*?)</tr>', table,
                                  re.S):
        found[name] = [int(n) for n in re.findall(r"<td[^>]*>(?:<a[^>]*>)?(\d+)", cells)]
    return found


def behind(client, organisation, figure):
    return client.get(f"/quality/records/?{YEAR}&organisation={organisation.pk}&figure={figure}")


def listed(response):
    return sorted(int(pk) for pk in re.findall(r"Visit (\d+)</a>", response.content.decode()))


SEES = {  # role -> the organisations whose figures it sees
    "data_provider": set(),
    "data_coordinator": {"parent", "child"},
    "analyst": set(ORGANISATIONS),
    "support": set(ORGANISATIONS),
}


@pytest.mark.parametrize("role", SEES)
def test_who_sees_whose_figures(world, role):
    client, orgs = world["clients"][role], world["orgs"]
    page = client.get(f"/quality/?{YEAR}")
    if not SEES[role]:
        assert page.status_code == 404
    else:
        assert page.status_code == 200
        shown = set(figure_table(page.content.decode()))
        assert {name for name in shown if name in {o.name for o in orgs.values()}} == {orgs[o].name for o in SEES[role]}
    for name in ORGANISATIONS:
        response = behind(client, orgs[name], "logs")
        if name in SEES[role]:
            assert response.status_code == 200
            with schema_context("visits"):
                assert listed(response) == sorted(Record.objects.filter(owning_organisation=orgs[name])
                                                  .values_list("pk", flat=True))
        else:
            assert response.status_code == 404


def test_the_figures_and_the_records_behind_them_agree(world):
    client, orgs = world["clients"]["analyst"], world["orgs"]
    table = figure_table(client.get(f"/quality/?{YEAR}").content.decode())
    # Started, completed, in progress, with errors, errors, soft checks confirmed, after the deadline
    assert table["Parent Homes"] == [1, 1, 0, 0, 0, 0, 0]
    assert table["Child Lettings"] == [3, 2, 1, 0, 0, 0, 0]
    assert table["Other Housing"] == [3, 3, 0, 0, 0, 1, 0]
    with schema_context("visits"):
        begun = Record.objects.get(answers__visitref="C-begun").pk
        confirmed = Record.objects.get(answers__visitref="O-0").pk
    assert listed(behind(client, orgs["child"], "in_progress")) == [begun]
    link = f'href="/quality/records/?{YEAR.replace("&", "&amp;")}&amp;organisation={orgs["child"].pk}&amp;figure=in_progress"'
    assert link in client.get(f"/quality/?{YEAR}").content.decode()  # the figure links to the same
    assert len(listed(behind(client, orgs["child"], "completed"))) == 2
    assert listed(behind(client, orgs["other"], "confirmed")) == [confirmed]
    page = client.get(f"/quality/?{YEAR}").content.decode()
    checks = page.split('id="soft-checks"', 1)[1]
    assert "older_person_in_work_1" in checks and "100%" in checks  # confirmed every time, never corrected
    soft = client.get(f"/quality/records/?{YEAR}&figure=confirmed&rule=older_person_in_work_1")
    assert listed(soft) == [confirmed]


def test_a_coordinator_sees_a_soft_checks_records_of_their_organisations_only(world):
    response = world["clients"]["data_coordinator"].get(f"/quality/records/?{YEAR}&figure=confirmed"
                                                         "&rule=older_person_in_work_1")
    assert response.status_code == 200 and listed(response) == []
    national = world["clients"]["data_coordinator"].get(f"/quality/?{YEAR}").content.decode()
    assert "older_person_in_work_1" not in national


@pytest.mark.parametrize("sort, order, expected", [
    ("logs", "desc", ["Child Lettings", "Other Housing", "Parent Homes"]),  # 3, 3 (by name), 1
    ("logs", "", ["Parent Homes", "Child Lettings", "Other Housing"]),
    ("completed", "desc", ["Other Housing", "Child Lettings", "Parent Homes"]),
    ("in_progress", "desc", ["Child Lettings", "Other Housing", "Parent Homes"]),
    ("confirmed", "desc", ["Other Housing", "Child Lettings", "Parent Homes"]),
    ("organisation", "desc", ["Parent Homes", "Other Housing", "Child Lettings"]),
    ("organisation", "", ["Child Lettings", "Other Housing", "Parent Homes"]),
])
def test_sorting_by_each_figure(world, sort, order, expected):
    html = world["clients"]["analyst"].get(f"/quality/?{YEAR}&sort={sort}&order={order}").content.decode()
    names = [name for name in figure_table(html) if name in expected]
    assert names == expected


def test_the_headings_are_links_that_sort_and_say_how(world):
    html = world["clients"]["analyst"].get(f"/quality/?{YEAR}&sort=logs&order=desc").content.decode()
    sorted_by = 'aria-sort="descending"><a class="govuk-link" href="?record_type=visits:visit&amp;year=2026&amp;sort=logs"'
    assert sorted_by in html
    assert 'href="?record_type=visits:visit&amp;year=2026&amp;sort=completed&amp;order=desc"' in html


def test_after_the_deadline_counts_what_was_not_completed_by_it(world, complete_visit):
    client, orgs = world["clients"]["analyst"], world["orgs"]
    with schema_context("visits"):
        window = CollectionWindow.objects.get(collection="visits", record_type="visit", version=2026)
        html = client.get(f"/quality/?{YEAR}").content.decode()
        assert figure_table(html)["Child Lettings"][-1] == 0 and "None until the deadline has passed" in html
        window.submission_deadline = timezone.localdate() - dt.timedelta(days=10)
        window.save()
        late = Record.objects.get(answers__visitref="C-1")  # completed, but after the deadline
        Record.objects.filter(pk=late.pk).update(completed_at=timezone.now() - dt.timedelta(days=2))
        Record.objects.filter(answers__visitref__in=["P-1", "C-0"]).update(  # completed in time
            completed_at=timezone.now() - dt.timedelta(days=20))
        begun = Record.objects.get(answers__visitref="C-begun")
    html = client.get(f"/quality/?{YEAR}").content.decode()
    assert figure_table(html)["Child Lettings"][-1] == 2 and figure_table(html)["Parent Homes"][-1] == 0
    assert listed(behind(client, orgs["child"], "late")) == sorted([late.pk, begun.pk])
    assert listed(behind(client, orgs["parent"], "late")) == []


def test_the_year_is_chosen_with_an_error_on_its_field(world):
    client = world["clients"]["analyst"]
    assert figure_table(client.get("/quality/").content.decode())  # the current year, unasked
    html = client.get("/quality/?record_type=visits:visit&year=1999").content.decode()
    assert "govuk-error-summary" in html and 'href="#id_year">Select the collection year' in html
    assert 'id="figures"' not in html
    assert client.get(f"/quality/records/?{YEAR}&figure=nonsense").status_code == 404
    assert client.get(f"/quality/records/?{YEAR}&figure=corrected").status_code == 404  # a soft check's alone


@pytest.mark.parametrize("role, linked", [("data_provider", False), ("data_coordinator", True), ("analyst", True)])
def test_the_home_page_links_the_page_for_those_who_may_see_it(world, role, linked):
    html = world["clients"][role].get("/").content.decode()
    assert ('href="/quality/"' in html) is linked


@pytest.mark.parametrize("role, organisation, shown", [
    ("analyst", "child", True), ("data_coordinator", "child", True),
    ("data_coordinator", "parent", False),  # a coordinator raises queries on their children's logs, not their own
])
def test_a_query_about_the_listed_logs_is_raised_from_the_drill_down(world, role, organisation, shown):
    response = behind(world["clients"][role], world["orgs"][organisation], "logs")
    html = response.content.decode()
    assert ('action="/queries/new-many/"' in html) is shown
    if shown:
        form = html.split('action="/queries/new-many/"', 1)[1].split("</form>", 1)[0]
        ids = re.findall(r'name="records" value="(\d+)"', form)
        assert sorted(int(pk) for pk in ids) == listed(response)
        assert world["clients"][role].post("/queries/new-many/", {"records": ids}).status_code == 200  # accepted
