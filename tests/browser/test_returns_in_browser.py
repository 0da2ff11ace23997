"""A quarterly return in a real browser: a council's data coordinator finds Returns in
the service navigation, opens April to June, is told on the right field what a choice
without a reason lacks, excludes a visit with a reason, submits and signs the return
off; axe on each page. Every step is a form and a button: no JavaScript needed."""

import datetime as dt
import re

from django_tenants.utils import schema_context
from test_upload_in_browser import coordinator, sign_in

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.conftest import _complete_visit


def a_visit(council, reference, day):
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                        managing_organisation=council)
        submit(record, {**_complete_visit(), "visitref": reference, "visitdate": day.isoformat(),
                        "owning_organisation_id": council.pk}, "api", today=dt.date(2026, 11, 1))
        return record


def test_a_coordinator_excludes_a_visit_submits_and_signs_off_a_quarters_return(page, url, axe):
    council, person = coordinator("returns@browser.example", "Browser returns council", "E06000073")
    kept = a_visit(council, "RET-KEPT", dt.date(2026, 5, 4))
    dropped = a_visit(council, "RET-<b>DROP</b>", dt.date(2026, 6, 1))
    sign_in(page, url, person)
    page.goto(url("visits", "/"))
    page.get_by_role("navigation", name="Account").get_by_role("link", name="Returns").click()
    page.wait_for_url(re.compile(r"/returns/$"))
    axe(page)
    page.get_by_role("link", name=re.compile(r"^April to June 2026")).click()
    page.wait_for_url(re.compile(r"/returns/\d+/visits/visit/2026-q1/$"))
    assert page.locator("#return-status").inner_text().startswith("Open")
    assert "RET-<b>DROP</b>" in page.locator(f"#included-{dropped.pk}").inner_text()  # shown as text
    axe(page)

    page.get_by_label("Visit number").fill(str(dropped.pk))
    page.get_by_label("Exclude it from this return").check()
    page.get_by_role("button", name="Save the choice").click()
    assert "Enter why you exclude this visit" in page.locator(".govuk-error-summary").inner_text()
    axe(page)
    page.get_by_label("Why?").fill("Recorded twice")
    page.get_by_role("button", name="Save the choice").click()
    assert "Excluded by the organisation: Recorded twice" in page.locator(f"#excluded-{dropped.pk}").inner_text()
    assert page.locator(f"#included-{kept.pk}").is_visible()

    page.get_by_role("button", name="Submit the return").click()
    assert page.locator("#return-status").inner_text().startswith("Submitted")
    axe(page)
    page.get_by_role("button", name="Sign the return off").click()
    assert page.locator("#return-status").inner_text().startswith("Signed off")
    assert [line.split(":")[0] for line in page.locator("#return-history li").all_inner_texts()] == [
        "Excluded a record (visit %d)" % dropped.pk, "Submitted the return (version 1)", "Signed the return off"]
    axe(page)
    assert page.failed_requests == []
