"""A visit as submitted, in a real browser: from the visit's page, its coordinator opens
it as frozen in April to June's return, after a later change; axe on both pages. A
provider's text is shown as text."""

import datetime as dt
import re

from django_tenants.utils import schema_context
from test_returns_in_browser import a_visit
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.records.gateway import submit
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of


def test_a_coordinator_opens_a_visit_as_it_was_submitted(page, url, axe):
    council, person = coordinator("as-submitted@browser.example", "Browser submissions council", "E06000074")
    visit = a_visit(council, "AS-<b>SUB</b>", dt.date(2026, 5, 4))
    with schema_context("visits"):
        workflow.submit(returns_of("visits", "visit"), council, Period(2026, 1), person, today=dt.date(2026, 7, 2))
        assert submit(visit, {"rent": 610}, "form", person, today=dt.date(2026, 11, 1)).changes
    sign_in(page, url, person)
    page.goto(url("visits", f"/logs/{visit.pk}/"))
    assert "Quarter 1 of 2026 to 2027 (April to June 2026)" in page.locator("#as-submitted").inner_text()
    axe(page)
    page.get_by_role("link", name=re.compile(r"^View as submitted")).click()
    page.wait_for_url(re.compile(rf"/returns/\d+/visits/visit/2026-q1/v1/{visit.pk}/$"))
    answers = page.locator("#answers").inner_text()
    assert "AS-<b>SUB</b>" in answers  # shown as text
    assert "£520.00" in answers and "£610.00" not in answers
    axe(page)
    assert page.failed_requests == []
