"""What keeps returns quick for a large organisation: the list of returns counts each
open return's records (membership.included_counts), kept between visits to the list and
worked out again as soon as a record or a choice changes (a visit added, one excluded,
one changed within the quarter); a return's page lists its records a page at a time."""

import datetime as dt
import re

from cldc.platform.returns import views
from cldc.tests.returns.conftest import return_url


def q1_count(client, organisation="Parent Homes"):
    """The number in the list's row for the organisation's April to June 2026 return."""
    page = client.get("/returns/").content.decode()
    row = re.search(rf"April to June 2026<span class=\"govuk-visually-hidden\">, {organisation}</span>.*?"
                    r'govuk-table__cell--numeric">(\d+)</td>', page, re.S)
    return int(row.group(1))


def test_the_lists_count_follows_every_change_to_the_records_and_choices(world, make_visit, change_visit):
    parent, client = world["orgs"]["parent"], world["clients"]["parent coordinator"]
    first = make_visit(parent, "COUNT-1", dt.date(2026, 5, 1), made_on=dt.date(2026, 5, 2))
    assert q1_count(client) == 1
    assert q1_count(client) == 1  # kept, and the same
    second = make_visit(parent, "COUNT-2", dt.date(2026, 6, 1), made_on=dt.date(2026, 6, 2))
    assert q1_count(client) == 2
    response = client.post(return_url(parent, step="choose"),
                           {"record": second.pk, "decision": "exclude", "reason": "Sent in error"})
    assert response.status_code == 302
    assert q1_count(client) == 1
    change_visit(first, made_on=dt.date(2026, 6, 3), visitdate="2026-07-04")  # moved out, within the quarter
    assert q1_count(client) == 0


def test_a_returns_page_lists_its_records_a_page_at_a_time(world, make_visit, monkeypatch):
    monkeypatch.setattr(views, "RECORDS_PER_PAGE", 2)
    parent, client = world["orgs"]["parent"], world["clients"]["parent coordinator"]
    made = [make_visit(parent, f"PAGED-{n}", dt.date(2026, 5, n)) for n in (1, 2, 3)]
    first, second = (client.get(return_url(parent) + query).content.decode() for query in ("", "?page=2"))
    listed = [[visit.pk for visit in made if f'id="included-{visit.pk}"' in page] for page in (first, second)]
    assert listed == [[made[0].pk, made[1].pk], [made[2].pk]]
    assert "3 visits are in this return: 1 to 2 are listed here." in first
    assert 'href="?page=2" rel="next"' in first
