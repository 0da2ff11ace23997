"""A visit as it was submitted in a quarter (returns.as_submitted): its page lists the
returns that hold it, each linking to its answers as frozen in that submission, by
their labels, unchanged by later changes to the visit; only for those who see both the
visit and the return's organisation."""

import datetime as dt
import html

import pytest
from django_tenants.utils import schema_context

from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of
from cldc.tests.returns.conftest import return_url

VISITS = returns_of("visits", "visit")
Q1 = Period(2026, 1)


@pytest.fixture
def submitted(world, make_visit, change_visit):
    """A visit of the parent's (rent £520 a month, one repair detail) in April to June,
    submitted in that quarter's return, then changed (rent £610, paid weekly)."""
    parent = world["orgs"]["parent"]
    visit = make_visit(parent, "FROZEN-1", dt.date(2026, 5, 4), made_on=dt.date(2026, 5, 5))
    with schema_context("visits"):
        workflow.submit(VISITS, parent, Q1, world["people"]["parent coordinator"], today=dt.date(2026, 7, 2))
    change_visit(visit, rent=610, period=1)
    return visit


def as_submitted_url(organisation, visit, version=1):
    return return_url(organisation, step=f"v{version}/{visit.pk}")


def text(response):
    return html.unescape(response.content.decode())


def test_the_visits_page_links_to_it_as_submitted_in_each_return_that_holds_it(world, submitted):
    parent = world["orgs"]["parent"]
    page = text(world["clients"]["parent coordinator"].get(f"/logs/{submitted.pk}/"))
    assert "As submitted" in page
    assert "Quarter 1 of 2026 to 2027 (April to June 2026)" in page
    assert f'href="{as_submitted_url(parent, submitted)}"' in page


def test_a_visit_in_no_return_has_no_as_submitted_list(world, make_visit):
    visit = make_visit(world["orgs"]["parent"], "NEVER", dt.date(2026, 5, 4))
    assert "As submitted" not in text(world["clients"]["parent coordinator"].get(f"/logs/{visit.pk}/"))


def test_the_frozen_answers_are_shown_by_their_labels_as_they_were_submitted(world, submitted):
    response = world["clients"]["parent coordinator"].get(as_submitted_url(world["orgs"]["parent"], submitted))
    assert response.status_code == 200
    page = text(response)
    assert f"Visit {submitted.pk} as submitted for Quarter 1 of 2026 to 2027" in page
    assert "Rent period</dt><dd class=\"govuk-summary-list__value\">Monthly" in page
    assert "Rent</dt><dd class=\"govuk-summary-list__value\">£520.00" in page
    assert "£610.00" not in page  # the later change is not in the submission
    assert "Rent period</dt><dd class=\"govuk-summary-list__value\">Weekly" not in page
    assert "Visited in the quarter" in page


@pytest.mark.parametrize("who", ["other coordinator", "child coordinator", "content designer"])
def test_those_who_do_not_see_the_visit_or_the_return_get_a_404(world, submitted, who):
    response = world["clients"][who].get(as_submitted_url(world["orgs"]["parent"], submitted))
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["analyst", "support", "parent provider"])
def test_those_who_see_the_visit_and_the_return_see_it_as_submitted(world, submitted, who):
    assert world["clients"][who].get(as_submitted_url(world["orgs"]["parent"], submitted)).status_code == 200


def test_a_version_or_a_visit_not_in_the_return_is_a_404(world, submitted, make_visit):
    parent, client = world["orgs"]["parent"], world["clients"]["parent coordinator"]
    outside = make_visit(parent, "AUTUMN", dt.date(2026, 10, 4))
    assert client.get(as_submitted_url(parent, submitted, version=2)).status_code == 404
    assert client.get(as_submitted_url(parent, outside)).status_code == 404


def test_a_manager_who_does_not_see_the_owners_returns_is_not_shown_its_submissions(world, make_visit):
    """The child manages a visit another organisation owns and submitted: the child sees
    the visit, not the owner's return, so neither the list nor the page."""
    other, child = world["orgs"]["other"], world["orgs"]["child"]
    visit = make_visit(other, "MANAGED", dt.date(2026, 5, 4), made_on=dt.date(2026, 5, 5))
    with schema_context("visits"):
        type(visit).objects.filter(pk=visit.pk).update(managing_organisation=child)
        workflow.submit(VISITS, other, Q1, world["people"]["other coordinator"], today=dt.date(2026, 7, 2))
    owner, manager = world["clients"]["other coordinator"], world["clients"]["child coordinator"]
    assert "As submitted" in text(owner.get(f"/logs/{visit.pk}/"))
    page = manager.get(f"/logs/{visit.pk}/")
    assert page.status_code == 200 and "As submitted" not in text(page)
    assert manager.get(as_submitted_url(other, visit)).status_code == 404
