"""Nothing a file, a person or the API supplies runs as script on a page that shows it.

A probe found an uploaded file's headings running as script on the column matching,
value matching and row correction pages (crispy-forms-gds renders labels and hints
with `|safe`). Here script is planted in every text a person, a file or the API can
supply, and every page that shows it is opened in Chromium by the people who see it:
the uploader, the parent organisation's coordinator and support. On each page no
dialog opens, no planted script runs, and the planted text is on the page as text
(so the page really showed it). The pages are opened on the test collection (home
visits), whose soft check repairs_detail_says_none repeats a text answer in its message."""

import csv
import io
import re
from types import SimpleNamespace

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

PASSWORD = "correct-horse-battery-staple"
RUN = "window.__xss=(window.__xss||0)+1;alert(document.domain)"
IMG = f"<img src=x onerror='{RUN}'>"  # single quotes: Chromium sends a file name's double quotes as %22
SCRIPT = f"<script>{RUN}</script>"
BREAK_OUT = f"\"><svg onload='{RUN}'>"  # closes an attribute first

FILE_NAME = f"{IMG}.csv"
PARENT_NAME = f"Parent Homes {IMG}"
CHILD_NAME = f"Child Lettings {BREAK_OUT}"
UPLOADER_NAME = f"Una {SCRIPT}"
COORDINATOR_NAME = f"Cora {IMG}"
WORK_HEADING = f"Person 1 work {IMG}"  # a heading matched by hand, whose cells fail
NOT_NEEDED_HEADING = SCRIPT
WORK_IN_FILE = f"Employed {BREAK_OUT}"  # not an option: asked on the value matching page, left an error
REPAIRS_IN_FILE = f"nothing {SCRIPT}"  # fires a soft check whose message repeats it
REPAIRS_IN_MESSAGE = f"what needs repairing is: {REPAIRS_IN_FILE}."  # the message, on the results and row pages
VISIT_REF = BREAK_OUT  # the provider reference, from the API
REPAIRS_FROM_API = f"Tap {IMG}"
NOTHING_FROM_API = f"Nothing {IMG}"  # fires a soft check whose message repeats it
KEY_NAME = f"Housing system {SCRIPT}"


class Visitor:
    """One person's own browser context, with every dialog kept (and dismissed)."""

    def __init__(self, browser, url):
        self.url = url
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.dialogs = []
        self.page.on("dialog", self.dismiss)

    def dismiss(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def sign_in(self, person, device=None):
        self.page.goto(self.url("visits", "/sign-in/"))
        self.page.get_by_label("Email address").fill(person.email)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        if device is not None:  # staff pass two-factor first
            self.page.wait_for_url(re.compile(r"/sign-in/two-factor/"))
            self.page.get_by_label("Security code").fill(f"{totp(device.bin_key):06d}")
            self.page.get_by_role("button", name="Continue").click()
        self.page.wait_for_url(self.url("visits", "/"))

    def visit(self, path, *texts, inputs=()):
        self.page.goto(self.url("visits", path))
        self.shows_as_text(*texts, inputs=inputs)

    def shows_as_text(self, *texts, inputs=()):
        """No dialog, no planted script run, and each text (and each input's value) as planted."""
        page, where = self.page, self.page.url
        assert self.dialogs == [], f"a dialog opened on {where}: {self.dialogs}"
        assert page.evaluate("typeof window.__xss") == "undefined", f"planted script ran on {where}"
        shown = page.locator("body").inner_text()
        missing = [text for text in texts if text not in shown]
        assert not missing, f"{where} does not show {missing} as text"
        for selector, value in inputs:
            assert page.locator(selector).input_value() == value, f"{selector} on {where}"


@pytest.fixture
def visitor(browser, url):
    opened = []

    def open_as(person, device=None):
        opened.append(Visitor(browser, url))
        opened[-1].sign_in(person, device)
        return opened[-1]

    yield open_as
    for one in opened:
        one.context.close()


def person(email, name, organisation=None, role="data_coordinator", staff_role=""):
    someone = User.objects.create_user(email, PASSWORD, name=name, staff_role=staff_role)
    if organisation is not None:
        Membership.objects.create(user=someone, organisation=organisation, role=role)
    return someone


@pytest.fixture
def planted():
    """Organisations, people and a visit, each text with script planted in it."""
    parent = Organisation.objects.create(name=PARENT_NAME, type="prp", regulator_number="LH7701")
    child = Organisation.objects.create(name=CHILD_NAME, type="prp", regulator_number="LH7702")
    OrganisationRelationship.objects.create(parent=parent, child=child, kind="stock_owner")
    uploader = person("uploader@no-script.example", UPLOADER_NAME, child)
    coordinator = person("coordinator@no-script.example", COORDINATOR_NAME, parent)
    support = person("support@no-script.example", "Sam Support", staff_role="support")
    device = TOTPDevice.objects.create(user=support, name="Authenticator app", confirmed=True)
    with schema_context("visits"):
        log = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=child,
                            assigned_to=uploader),
                     {"visitref": VISIT_REF, "visitdate": "2026-05-01", "repairs": "1",
                      "repairsdetail": REPAIRS_FROM_API}, source="api", user=uploader).record
    return SimpleNamespace(parent=parent, child=child, uploader=uploader, coordinator=coordinator, support=support,
                           device=device, log=log)


def planted_file(visits_provider_csv):
    """A visit in a housing system's own layout, with script in two headings and two
    cells: (CSV bytes, [headings])."""
    content, targets = visits_provider_csv(["PLANTED-1"])
    headings, row = csv.reader(io.StringIO(content.decode()))
    values = dict(zip(headings, row))
    work = next(heading for heading, target in targets.items() if target == "work1")
    values[WORK_HEADING] = WORK_IN_FILE
    del values[work]
    repairs = next(heading for heading, target in targets.items() if target == "repairsdetail")
    values[repairs] = REPAIRS_IN_FILE
    values[NOT_NEEDED_HEADING] = "Keys with the caretaker"
    out = io.StringIO()
    csv.writer(out).writerows([list(values), list(values.values())])
    return out.getvalue().encode(), list(values)


def upload_and_match(uploader, visits_provider_csv):
    """The uploader's own journey through the file: returns the upload's pages' paths."""
    content, headings = planted_file(visits_provider_csv)
    page = uploader.page
    uploader.visit("/uploads/new/")
    assert page.get_by_role("option", name=CHILD_NAME).count() == 1
    page.get_by_label("2026 to 2027").check()
    page.get_by_label("Which organisation is uploading?").select_option(label=CHILD_NAME)
    page.get_by_label("Upload a file").set_input_files({"name": FILE_NAME, "mimeType": "text/csv", "buffer": content})
    page.get_by_role("button", name="Upload and check the file").click()

    page.wait_for_url(re.compile(r"/uploads/\d+/columns/$"))
    uploads = re.search(r"/uploads/\d+/", page.url).group(0)
    uploader.shows_as_text(FILE_NAME, WORK_HEADING, NOT_NEEDED_HEADING)
    for heading, target in ((WORK_HEADING, "work1"), (NOT_NEEDED_HEADING, "")):
        page.locator(f"select[name=column_{headings.index(heading)}]").select_option(target)
    page.get_by_role("button", name="Save these matches and check the file").click()

    page.wait_for_url(re.compile(r"/uploads/\d+/values/$"))
    uploader.shows_as_text(FILE_NAME, WORK_IN_FILE)
    page.get_by_label(f"“{WORK_IN_FILE}” as an answer to").select_option("")  # leave it: an error to correct
    page.get_by_role("button", name="Save these answers and check the file").click()

    page.wait_for_url(re.compile(r"/uploads/\d+/$"))
    uploader.shows_as_text(FILE_NAME, WORK_HEADING, REPAIRS_IN_MESSAGE)
    return SimpleNamespace(results=uploads, columns=f"{uploads}columns/", values=f"{uploads}values/",
                           row=f"{uploads}rows/2/", work_input=f"#id_cell_{headings.index(WORK_HEADING)}")


def test_planted_script_shows_as_text_on_every_page_and_never_runs(visitor, planted, visits_provider_csv,
                                                                   eager_celery):
    log = f"/logs/{planted.log.pk}/"

    uploader = visitor(planted.uploader)
    uploader.shows_as_text(UPLOADER_NAME)  # the home page: "You are signed in as"
    upload = upload_and_match(uploader, visits_provider_csv)
    uploader.visit(upload.row, FILE_NAME, WORK_HEADING, REPAIRS_IN_MESSAGE, inputs=[(upload.work_input, WORK_IN_FILE)])
    uploader.visit("/uploads/", FILE_NAME, UPLOADER_NAME)
    uploader.visit("/logs/", VISIT_REF, CHILD_NAME, UPLOADER_NAME)
    uploader.visit(log, CHILD_NAME, UPLOADER_NAME)
    uploader.visit(f"{log}visit_details/check-answers/", REPAIRS_FROM_API, UPLOADER_NAME)
    uploader.visit(f"{log}page/repairs/", inputs=[("#id_repairsdetail", REPAIRS_FROM_API)])
    uploader.visit(f"{log}page/visit/", inputs=[("#id_visitref", VISIT_REF)])
    uploader.visit(f"{log}assign/", UPLOADER_NAME)
    uploader.visit(f"/organisations/{planted.child.pk}/", CHILD_NAME, PARENT_NAME, UPLOADER_NAME)

    coordinator = visitor(planted.coordinator)
    coordinator.visit("/api-clients/new/")
    coordinator.page.get_by_label("Name", exact=True).fill(KEY_NAME)
    coordinator.page.get_by_label("Which organisation is it for?").select_option(label=PARENT_NAME)
    coordinator.page.get_by_role("button", name="Create the key").click()
    coordinator.page.wait_for_selector("#api-key")
    coordinator.shows_as_text(KEY_NAME)
    coordinator.visit(f"/organisations/{planted.parent.pk}/", PARENT_NAME, CHILD_NAME, COORDINATOR_NAME)

    support = visitor(planted.support, planted.device)
    for one in (coordinator, support):
        one.visit(upload.results, FILE_NAME, WORK_HEADING, REPAIRS_IN_MESSAGE)
        one.visit(upload.columns, FILE_NAME, WORK_HEADING, NOT_NEEDED_HEADING)
        one.visit(upload.values, FILE_NAME, WORK_IN_FILE)
        one.visit(upload.row, FILE_NAME, WORK_HEADING, REPAIRS_IN_MESSAGE, inputs=[(upload.work_input, WORK_IN_FILE)])
        one.visit("/uploads/", FILE_NAME, UPLOADER_NAME)
        one.visit("/logs/", VISIT_REF, CHILD_NAME, UPLOADER_NAME)
        one.visit("/api-clients/", KEY_NAME, PARENT_NAME, COORDINATOR_NAME)
    support.visit(f"/organisations/{planted.child.pk}/", CHILD_NAME, PARENT_NAME, UPLOADER_NAME)
    support.visit("/admin/people/", UPLOADER_NAME, COORDINATOR_NAME)
    support.visit("/admin/organisations/", PARENT_NAME, CHILD_NAME)

    coordinator.visit("/api-clients/")
    coordinator.page.get_by_role("link", name="Revoke").click()
    coordinator.page.wait_for_url(re.compile(r"/revoke/$"))
    coordinator.shows_as_text(KEY_NAME, PARENT_NAME)


def test_planted_script_in_a_soft_checks_message_never_runs(visitor):
    """The soft check repairs_detail_says_none repeats the text answer that fired it."""
    landlord = Organisation.objects.create(name="Soft Check Homes", type="prp", regulator_number="LH7703")
    uploader = person("uploader@soft-check.example", UPLOADER_NAME, landlord)
    with schema_context("visits"):
        visit = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=landlord,
                              assigned_to=uploader),
                       {"visitref": "SOFT-1", "visitdate": "2026-05-01", "repairs": "1",
                        "repairsdetail": NOTHING_FROM_API}, source="api", user=uploader).record
    visitor(uploader).visit(f"/logs/{visit.pk}/soft-check/repairs_detail_says_none/",
                            f"what needs repairing is: {NOTHING_FROM_API}.")
