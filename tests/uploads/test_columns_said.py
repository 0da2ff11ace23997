"""What an upload says of a provider's columns: each column matched to no question is
listed, by its heading and why, on the results page, by `cldc upload` (the API's
reply: tests/api/test_api_uploads_own_columns.py), so that nothing is dropped unsaid;
and the mapping page shows what each column's values say of its match, for a single
file and for each part of an upload in parts (member_parts.py)."""

import csv
import io
import json
import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.uploads.models import SavedMapping, Upload
from cldc.tests.uploads.test_member_parts import MAIN, workbook

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process

HOSTILE = "Tel <b>home</b>"
HEADINGS = ["Visit Ref", "Visit date", "Person 1 age", "Person 2 age", "Age", "Telephone", HOSTILE]
ROW = ["SAID-1", "04/05/2026", "42", "12", "42", "07700 900123", "01632 960000"]


@pytest.fixture
def council(make_organisation):
    return make_organisation("Saying Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("sayer@example.com", council, role="data_coordinator")


@pytest.fixture
def client(client_for, visits_service, officer):
    return client_for("visits", officer)


def csv_bytes(rows):
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode()


def post(client, council, file):
    return client.post("/uploads/new/", {"record_type": "visits:visit", "year": "2026", "organisation": council.pk,
                                         "on_errors": "check_only", "file": file})


def chosen(page, name):
    select = re.search(rf'<select name="{name}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="([^"]*)"[^>]*selected', select)
    return found.group(1) if found else ""


def hint(page, name):
    """The hint next to a column's select."""
    return re.search(rf'<div id="id_{name}_hint" class="govuk-hint">\s*(.*?)\s*</div>', page, re.S).group(1)


def test_the_results_page_lists_each_column_not_read_by_its_heading_and_why(client, council):
    response = post(client, council, SimpleUploadedFile("said.csv", csv_bytes([HEADINGS, ROW])))
    assert response.status_code == 302 and response.url.endswith("/columns/"), response.content.decode()[:2000]
    page = client.get(response.url).content.decode()
    # "Age" is proposed (doubtful: whose age?); the telephone columns match nothing, and the page says so.
    assert ("Not matched to a question, so not read unless you choose one: “Telephone”, "
            "“Tel &lt;b&gt;home&lt;/b&gt;”.") in page
    names = re.findall(r'<select name="([^"]+)"', page)
    answers = {name: chosen(page, name) for name in names}
    answers.update({f"column_{HEADINGS.index('Age')}": "", f"column_{HEADINGS.index('Telephone')}": ""})
    response = client.post(response.url, answers)
    assert response.status_code == 302
    with schema_context("visits"):
        upload = Upload.objects.get(organisation=council)
        assert upload.status in ("checked", "done"), upload.message
    page = client.get(f"/uploads/{upload.pk}/").content.decode()
    table = re.search(r'<table class="govuk-table" id="columns-not-read">.*?</table>', page, re.S).group(0)
    rows = [re.findall(r'<td class="govuk-table__cell">(.*?)</td>', row)
            for row in re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)][1:]  # below the heads
    assert rows == [["E", "Age", "Not matched to a question"], ["F", "Telephone", "Not matched to a question"],
                    ["G", "Tel &lt;b&gt;home&lt;/b&gt;", "Not matched to a question"]]
    assert HOSTILE not in page


def test_cldc_upload_lists_each_column_not_read(tmp_path, client, council):
    path = tmp_path / "said.csv"
    path.write_bytes(csv_bytes([HEADINGS, ROW]))
    with schema_context("visits"):  # what a person confirmed on the web, once
        for heading, target in zip(HEADINGS, ["visitref", "visitdate", "age1", "age2", "", "", ""]):
            SavedMapping.objects.create(organisation=council, collection="visits", record_type="visit", kind="column",
                                        source=" ".join(heading.split()).casefold(), target=target)
    out = StringIO()
    call_command("cldc", "upload", "--service", "visits", "--record-type", "visit", "--version", "2026",
                 "--organisation", f"ORG{council.pk}", "--user", "sayer@example.com", "--dry-run", str(path), stdout=out)
    report = json.loads(out.getvalue())
    assert report["status"] in ("checked", "done"), report
    assert report["ignored_columns"] == [
        {"sheet": None, "column": 5, "heading": "Age", "reason": "Not matched to a question"},
        {"sheet": None, "column": 6, "heading": "Telephone", "reason": "Not matched to a question"},
        {"sheet": None, "column": 7, "heading": HOSTILE, "reason": "Not matched to a question"}]


# --- What a column's values say of its match ---------------------------------------------


def test_a_columns_values_are_said_in_words(visits_service):
    from cldc.platform.uploads.automap import Target, value_evidence

    definition = registry.get("visits").definition("visit", 2026)
    assert value_evidence(definition, Target("visitdate"), ["04/05/2026", "2026-05-11"]) == (
        "Its values look like dates, as answers to “Date of visit” are.")
    assert value_evidence(definition, Target("work1"), ["In work", "Not in work"]) == (
        "Its values match the answers of “Person 1's work”.")
    assert value_evidence(definition, Target("age1"), ["42", "35", "67"]) == (
        "Its values look like ages (16 to 110), as answers to “Person 1's age” are.")
    assert value_evidence(definition, Target("age1"), ["forty", "Adult"]) == (
        "Some of its values are not answers to “Person 1's age” (words where numbers are expected): "
        "each row reports its own.")
    assert value_evidence(definition, Target("age1"), ["150", "42"]) == (
        "Some of its values are not answers to “Person 1's age” (numbers outside 0 to 120): each row reports its own.")
    assert value_evidence(definition, Target("visitmode"), ["04/05/2026"]) == (
        "Its values do not look like answers to “How the visit was made”: they look like dates.")
    assert value_evidence(definition, Target("visitref"), ["SAID-1", "SAID-2"]) == ""  # they say nothing
    assert value_evidence(definition, Target("visitdate"), []) == ""


def test_the_mapping_page_shows_what_each_columns_values_say(client, council):
    rows = [HEADINGS, [*ROW[:4], "Adult", *ROW[5:]], ["SAID-2", "11/05/2026", "35", "9", "Child", "", ""]]
    response = post(client, council, SimpleUploadedFile("said.csv", csv_bytes(rows)))
    page = client.get(response.url).content.decode()
    assert hint(page, "column_1") == ("Matched automatically. Its values look like dates, as answers to “Date of "
                                      "visit” are.")
    assert hint(page, "column_2").endswith("Its values look like ages (16 to 110), as answers to “Person 1&#x27;s "
                                           "age” are.")
    assert hint(page, "column_4") == ("Check this match: we are not sure of it. Some of its values are not answers to "
                                      "“Person 3&#x27;s age” (words where numbers are expected): each row reports its own.")
    assert hint(page, "column_5") == "We could not match this column: choose a question, or leave it as not needed"


def test_each_part_of_an_upload_in_parts_has_its_values_weighed(client, council):
    """A sheet of members is matched with its values as evidence, as a single file is."""
    people = [["Visit Ref", "Visit date", "Age in years", "Work"],
              ["V-1", "2026-05-04", "42", "In work"], ["V-1", "2026-05-04", "35", "Not in work"]]
    response = post(client, council, workbook({"Visits": MAIN, "People": people}))
    assert response.status_code == 302 and response.url.endswith("/columns/"), response.content.decode()[:2000]
    page = client.get(response.url).content.decode()
    age = f"column_{1_000_000 + 2}"  # the People sheet's column C
    assert chosen(page, age) == "age1"
    assert hint(page, age).endswith("Its values look like ages (16 to 110), as answers to “Person 1&#x27;s age” are.")
    assert "Person 1&#x27;s age (each row’s own) (72% match)" in page  # 62 on the heading alone

    words = [people[0], ["V-1", "2026-05-04", "Adult", "In work"], ["V-1", "2026-05-04", "Child", "Not in work"]]
    response = post(client, council, workbook({"Visits": MAIN, "People": words}))
    page = client.get(response.url).content.decode()
    assert chosen(page, age) == ""  # words are no age: not proposed, as in a single file
