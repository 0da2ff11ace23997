"""Uploading the official template in a real browser: the upload page, the result
page, and axe on both. The live server runs in this process, so the processing
task runs inline; a real worker round trip is tested in tests/test_celery.py."""

import re

import pytest

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def eager_celery():
    from cldc.platform.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_official_template_uploads_with_no_errors_through_the_web(page, url, axe, tmp_path, eager_celery,
                                                                     official_template_csv):
    council, _ = Organisation.objects.get_or_create(
        name="Browser Upload Council", defaults={"type": "local_authority", "ons_code": "E06000090"})  # codes are unique across the browser run
    person = User.objects.filter(email="uploads@browser.example").first() or User.objects.create_user(
        "uploads@browser.example", PASSWORD, name="Una Uploader")
    Membership.objects.get_or_create(user=person, organisation=council, defaults={"role": "data_coordinator"})
    file = tmp_path / "our-lettings.csv"
    file.write_bytes(official_template_csv("lettings", council))

    page.goto(url("core", "/sign-in/"))
    page.get_by_label("Email address").fill(person.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(url("core", "/logs/"))
    page.get_by_role("button", name="Upload logs from a file").click()
    page.get_by_role("button", name="Upload logs").click()
    page.wait_for_url(re.compile(r"/uploads/new/$"))
    axe(page)
    page.get_by_label("Lettings", exact=True).check()
    page.get_by_label("2026 to 2027").check()
    page.get_by_label("Which organisation is uploading?").select_option(label=council.name)
    page.get_by_label("Upload a file").set_input_files(str(file))
    page.get_by_role("button", name="Upload and check the file").click()
    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    assert page.locator("#count-created").inner_text() == "1"
    assert page.locator("#count-rejected").inner_text() == "0"
    assert "No errors or warnings." in page.locator("main").inner_text()
    axe(page)
