"""A box left unticked is stored the same in every channel: the web form sends it blank,
the API as a client sends it (0, or left out) and the XML import as an option its element
does not list. One stored form (docs/definitions.md): ticked 1, and once a box is ticked,
each other box 0, not ticked."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.tests.forms.test_web_form import set_up_log, stored
from cldc.tests.forms.test_web_form_defects import post_as_shown
from cldc.tests.xml.test_xml_files import import_visits, visit_xml

BOXES = ("needs_mobility", "needs_mental", "needs_none")


@pytest.fixture
def council(make_organisation):
    return make_organisation("Ticking Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("ticks@council.example", council, role="data_coordinator")


def boxes(record):
    return {box: record.answers.get(box) for box in BOXES}


def test_a_box_left_unticked_is_stored_the_same_by_the_form_the_api_and_the_xml_import(
        visits_service, client_for, council, officer):
    client = client_for("visits", officer)
    by_form = set_up_log(client, council)
    response = post_as_shown(client, by_form, "needs", {"needs": ["needs_mobility"]})
    assert response.status_code == 302
    with schema_context("visits"):
        by_api = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                               managing_organisation=council),
                        {"needs_mobility": 1, "needs_mental": 0, "needs_none": 0}, "api", officer).record
    result = import_visits(council, officer, visit_xml(council, "V-TICK"))  # <Needs><Need>needs_mobility</Need>
    assert result.problems == []
    with schema_context("visits"):
        by_xml = Record.objects.get(answers__visitref="V-TICK")
    form = boxes(stored(by_form))
    assert form == {"needs_mobility": 1, "needs_mental": 0, "needs_none": 0}
    assert boxes(by_api) == form
    assert boxes(by_xml) == form


def test_a_box_the_api_leaves_out_is_stored_as_the_form_stores_it(visits_service, client_for, council, officer):
    client = client_for("visits", officer)
    by_form = set_up_log(client, council)
    assert post_as_shown(client, by_form, "needs", {"needs": ["needs_mental"]}).status_code == 302
    with schema_context("visits"):
        by_api = submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                               managing_organisation=council), {"needs_mental": 1}, "api", officer).record
    assert boxes(stored(by_form)) == boxes(by_api) == {"needs_mobility": 0, "needs_mental": 1, "needs_none": 0}
