"""A return's quality report in a real browser: a council's data coordinator follows
the link from the return's page, reads the tables (a reference with markup shown as
text on the figure's list), and follows a figure to the visits behind it; axe on each
page. Links only: no JavaScript needed."""

import datetime as dt
import re

from test_returns_in_browser import a_visit
from test_upload_in_browser import coordinator, sign_in


def test_a_coordinator_reads_the_quality_report_and_the_visits_behind_a_figure(page, url, axe):
    council, person = coordinator("report@browser.example", "Browser report council", "E06000574")
    kept = a_visit(council, "REP-<b>ONE</b>", dt.date(2026, 5, 4))
    a_visit(council, "REP-TWO", dt.date(2026, 6, 1))
    sign_in(page, url, person)
    page.goto(url("visits", "/returns/"))
    page.get_by_role("link", name=re.compile(r"^April to June 2026")).click()
    page.get_by_role("link", name="Quality report").click()
    page.wait_for_url(re.compile(r"/returns/\d+/visits/visit/2026-q1/report/$"))
    assert page.locator("h1").inner_text() == "Quality report for Quarter 1 of 2026 to 2027 (April to June 2026)"
    table = page.get_by_role("table", name="V1: Visits by how they were made")
    assert table.get_by_role("columnheader", name="How the visit was made").is_visible()
    row = table.get_by_role("row", name=re.compile("Browser report council"))
    assert [cell.split()[0] for cell in row.get_by_role("cell").all_inner_texts()] == ["2", "2", "0", "0", "0", "0"]
    axe(page)
    page.get_by_role("link", name="2 visits: In person").click()
    page.wait_for_url(re.compile(r"/report/V1/\?column=visitmode-1&row=$"))
    assert page.locator("#record-count").inner_text() == "2 visits"
    assert "REP-<b>ONE</b>" in page.locator("#records").inner_text()  # the reference, as text
    axe(page)
    page.get_by_role("link", name=f"Visit {kept.pk}").click()
    page.wait_for_url(re.compile(rf"/logs/{kept.pk}/"))
    assert page.failed_requests == []
