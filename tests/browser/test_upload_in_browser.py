"""Uploading home visits (the platform's test collection) in a real browser: a file in
the template's layout and one in a housing system's own, the upload page, the matching
pages, the result page, and axe on each. The live server runs in this process, so the processing
task runs inline; a real worker round trip is tested in tests/test_celery.py."""

import re

import pytest

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"


def coordinator(email, organisation_name, ons_code):
    """A council and its coordinator (codes and emails are unique across the browser run)."""
    council, _ = Organisation.objects.get_or_create(
        name=organisation_name, defaults={"type": "local_authority", "ons_code": ons_code})
    person = User.objects.filter(email=email).first() or User.objects.create_user(email, PASSWORD, name="Una Uploader")
    Membership.objects.get_or_create(user=person, organisation=council, defaults={"role": "data_coordinator"})
    return council, person


def sign_in(page, url, person):
    page.goto(url("visits", "/sign-in/"))
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def upload_file(page, url, council, path):
    page.goto(url("visits", "/uploads/new/"))
    page.get_by_label("2026 to 2027").check()
    page.get_by_label("Which organisation is uploading?").select_option(label=council.name)
    page.get_by_label("Upload a file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check the file").click()


def test_a_file_in_the_template_layout_uploads_with_no_errors_through_the_web(page, url, axe, tmp_path, eager_celery,
                                                                             visits_template_csv):
    council, person = coordinator("template-uploads@browser.example", "Browser template council", "E06000090")
    file = tmp_path / "our-visits.csv"
    file.write_bytes(visits_template_csv(council, rows=({"repairs": 2},)))  # what needs repairing, with no repairs

    sign_in(page, url, person)
    page.goto(url("visits", "/logs/"))
    page.get_by_role("button", name="Upload visits from a file").click()  # straight to the form
    page.wait_for_url(re.compile(r"/uploads/new/$"))
    axe(page)
    upload_file(page, url, council, file)
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert page.locator("#count-created").inner_text() == "1"
    assert page.locator("#count-rejected").inner_text() == "0"
    # The row answers a question its other answers route away: it is told so (a
    # warning, "Not stored: ..."), never refused.
    results = page.locator("main").inner_text()
    assert "Not stored: you answered" in results and "\nError\n" not in results
    axe(page)


def test_a_file_in_our_own_layout_is_matched_then_imported_and_re_uploading_changes_nothing(
        page, url, axe, tmp_path, eager_celery, visits_provider_csv):
    council, person = coordinator("own-layout@browser.example", "Browser own layout council", "E06000092")
    content, targets = visits_provider_csv(["BR-1", "BR-2"])  # headings unlike ours, text values, a split date
    file = tmp_path / "housing-system-export.csv"
    file.write_bytes(content)
    notes, visit_day = (chr(65 + list(targets).index(h)) for h in ("Our internal notes", "Visit day"))

    sign_in(page, url, person)
    upload_file(page, url, council, file)
    page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))
    assert page.get_by_label(f"Column {notes}: “Our internal notes”").input_value() == ""  # not needed
    assert page.get_by_label(f"Column {visit_day}: “Visit day”").input_value() == "visitdate:day"
    axe(page)
    page.get_by_role("button", name="Save these matches and check the file").click()

    page.wait_for_url(re.compile(r"/uploads/\d+/values/$"))
    month = page.get_by_label(re.compile("“Calendar month” as an answer to"))
    assert month.input_value() == ""  # not an option's words: suggested, not chosen for the person
    month.select_option("4")  # Monthly
    axe(page)
    page.get_by_role("button", name="Save these answers and check the file").click()

    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert page.locator("#count-created").inner_text() == "2", page.locator("main").inner_text()
    axe(page)
    page.get_by_role("link", name="Go to your visits").click()
    assert "BR-1" in page.locator("main").inner_text()

    upload_file(page, url, council, file)  # no questions the second time: both saved
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert (page.locator("#count-created").inner_text(), page.locator("#count-unchanged").inner_text()) == ("0", "2")
