"""Access to personal data is recorded (cldc.platform.audit): a record's answers on its
pages, an API read, an export with personal columns by web and command line; one row a
request, never the personal values; support's page lists and filters them, and is a
404 for anyone else; rows older than AUDIT_KEPT_DAYS are deleted by beat's task."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform.audit.access import personal_variables
from cldc.platform.audit.models import PersonalDataAccess
from cldc.platform.audit.tasks import remove_old_access_rows
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

REFERENCE = "V-PRIVATE-7731"  # visitref: personal in the visits export layout
REPAIRS = "Mould behind the wardrobe"  # repairsdetail: personal in the visits XML layout


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(visits_service, make_organisation, make_person, client_for, complete_visit):
    parent = make_organisation("Audit Homes")
    other = make_organisation("Audit Other Housing")
    coordinator = make_person("coordinator@audit.example", parent, role="data_coordinator", name="Cora Ordinator")
    other_coordinator = make_person("coordinator@other-audit.example", other, role="data_coordinator")
    support = make_person("support@audit.example", staff_role="support")
    records = []
    with schema_context("visits"):
        for n, organisation in enumerate((parent, parent, other)):
            record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                            managing_organisation=organisation)
            submit(record, {**complete_visit(), "visitref": f"{REFERENCE}-{n}", "repairs": 1, "repairsdetail": REPAIRS,
                            "owning_organisation_id": organisation.pk}, "api", today=dt.date(2026, 6, 1))
            records.append(record)
    return {"parent": parent, "other": other, "coordinator": coordinator, "other_coordinator": other_coordinator,
            "support": support, "records": records, "client": client_for("visits", coordinator),
            "support_client": client_for("visits", support)}


def rows():
    return list(PersonalDataAccess.objects.order_by("pk"))


def assert_no_personal_values():
    """No row holds a personal answer: every column of every row, as JSON."""
    dumped = json.dumps([model_to_dict(row) for row in PersonalDataAccess.objects.all()], default=str)
    assert REFERENCE not in dumped and REPAIRS not in dumped


def test_the_personal_fields_are_those_the_package_declares():
    # visitref: an export column marked personal; repairsdetail: an XML element marked personal
    assert personal_variables("visits", "visit", 2026) == {"visitref", "repairsdetail"}


def test_a_record_s_personal_answers_on_its_pages_are_recorded_once_a_request(world):
    record = world["records"][0]
    response = world["client"].get(f"/logs/{record.pk}/visit_details/check-answers/")
    assert response.status_code == 200 and REFERENCE in response.content.decode()
    (row,) = rows()
    assert (row.person, row.who, row.organisation, row.service, row.channel, row.action) == (
        world["coordinator"], "coordinator@audit.example", world["parent"], "visits", "web", "record_page")
    assert (row.collection, row.record_type, row.version, row.records, row.count) == (
        "visits", "visit", 2026, [record.pk], 1)
    assert world["client"].get(f"/logs/{record.pk}/review/").status_code == 200
    assert [r.what for r in rows()] == ["Visit details: answers", "Review: every answer"]
    assert_no_personal_values()


def test_a_question_page_showing_a_personal_answer_given_before_is_recorded_and_one_without_is_not(world):
    record = world["records"][0]
    response = world["client"].get(f"/logs/{record.pk}/page/visit/")
    assert response.status_code == 200 and REFERENCE in response.content.decode()  # in the field, to change
    (row,) = rows()
    assert (row.action, row.what, row.records) == ("record_page", "Visit details: question page", [record.pk])
    assert world["client"].get(f"/logs/{record.pk}/page/rent/").status_code == 200  # no personal answer on it
    assert len(rows()) == 1
    assert_no_personal_values()


def test_a_page_of_a_record_without_personal_answers_records_nothing(world):
    record = world["records"][0]
    assert world["client"].get(f"/logs/{record.pk}/rent/check-answers/").status_code == 200  # no personal question
    assert world["client"].get(f"/logs/{record.pk}/").status_code == 200  # the task list shows no answers
    assert rows() == []


def test_an_api_read_of_a_record_with_personal_answers_is_recorded_with_the_key(world):
    from tests.api.api_helpers import Api

    with schema_context("visits"):
        made = create_client(name="Housing system", organisation=world["parent"], created_by=world["coordinator"])
    api = Api(made.key, "visits", made.client)
    record = world["records"][1]
    response = api.get(f"records/{record.pk}/")
    assert response.status_code == 200 and response.json()["answers"]["visitref"] == f"{REFERENCE}-1"
    (row,) = rows()
    assert (row.channel, row.action, row.records, row.organisation, row.person) == (
        "api", "api_read", [record.pk], world["parent"], None)
    assert row.who == f"API key “Housing system” ({made.client.prefix})" and made.key not in row.who
    assert api.get("records/").status_code == 200  # the list has no answers
    assert len(rows()) == 1
    assert_no_personal_values()


def ask_download(client, **changes):
    data = {"record_type": "visits:visit", "year": "2026", "layout": "visits", "format": "csv", "codes": "labels",
            **changes}
    response = client.post("/downloads/new/", data)
    assert response.status_code == 302, response.content.decode()
    return response.url + "file"


@pytest.mark.usefixtures("eager_celery")
def test_a_download_with_personal_columns_is_one_row_with_its_count_and_one_without_is_none(world):
    file = ask_download(world["client"])  # a coordinator's: no personal column
    assert world["client"].get(file).status_code == 200
    assert rows() == []

    file = ask_download(world["support_client"], format="xlsx")  # support's: the reference column
    assert world["support_client"].get(file).status_code == 200
    (row,) = rows()
    assert (row.person, row.channel, row.action, row.count, row.format, row.records) == (
        world["support"], "web", "export", 3, "xlsx", [])
    assert row.export_run is not None and row.what == "Home visits, xlsx"
    assert_no_personal_values()


def test_an_export_on_the_command_line_is_recorded(world, capsys):
    call_command("cldc", "export", "--service", "visits", "--record-type", "visit", "--version", "2026",
                 "--format", "csv", "--full")
    run_id = int(capsys.readouterr().out.rsplit("export run ", 1)[1])
    (row,) = rows()
    assert (row.person, row.channel, row.action, row.count, row.export_run, row.format) == (
        None, "cli", "export", 3, run_id, "csv")
    assert row.who.startswith("command line (")
    assert_no_personal_values()


def test_support_fetching_a_scheduled_xml_run_again_is_recorded_with_the_personal_data_file(world):
    from cldc.platform.exports.runs import run_export
    from cldc.platform.tenancy.models import Service

    run = run_export(Service.objects.get(schema_name="visits"), "visits", "visit", 2026, "xml", layout_id="visits",
                     full=True)
    assert rows() == []  # made for no one: nothing handed out yet
    response = world["support_client"].get(f"/downloads/runs/{run.pk}/file")
    assert response.status_code == 200
    (row,) = rows()
    assert (row.person, row.action, row.count, row.export_run, row.format) == (
        world["support"], "export", 3, run.pk, "xml")
    assert row.what == "Home visits, xml with the personal data file"
    assert_no_personal_values()


def test_support_sees_the_page_filtered_and_paginated_and_a_coordinator_gets_a_404(world, settings):
    for record in world["records"][:2]:
        world["client"].get(f"/logs/{record.pk}/review/")
    other = world["records"][2]
    from cldc.tests.conftest import _client_for

    _client_for("visits", world["other_coordinator"]).get(f"/logs/{other.pk}/review/")
    home = world["support_client"].get("/").content.decode()
    assert 'href="/personal-data-access/"' in home

    page = world["support_client"].get("/personal-data-access/")
    assert page.status_code == 200
    text = page.content.decode()
    assert '<table class="govuk-table" id="accesses">' in text and "<strong>3</strong> accesses" in text
    assert "Cora Ordinator" in text and "coordinator@other-audit.example" in text
    assert REFERENCE not in text

    by_person = world["support_client"].get("/personal-data-access/", {"person": "other-audit"}).content.decode()
    assert "<strong>1</strong> access" in by_person and "Cora Ordinator" not in by_person
    by_name = world["support_client"].get("/personal-data-access/", {"person": "cora"}).content.decode()
    assert "<strong>2</strong> accesses" in by_name
    by_org = world["support_client"].get("/personal-data-access/", {"organisation": world["parent"].pk})
    by_org = by_org.content.decode()
    assert "<strong>2</strong> accesses" in by_org
    today = timezone.localdate()
    by_date = world["support_client"].get("/personal-data-access/", {"end": str(today - dt.timedelta(days=1))})
    assert "<strong>0</strong> accesses" in by_date.content.decode()
    wrong = world["support_client"].get("/personal-data-access/", {"start": "yesterday"}).content.decode()
    assert "Enter the date from as year-month-day" in wrong and 'class="govuk-error-summary' in wrong

    with pytest.MonkeyPatch.context() as patch:
        from cldc.platform.audit import views

        patch.setattr(views, "PER_PAGE", 2)
        first = world["support_client"].get("/personal-data-access/").content.decode()
        second = world["support_client"].get("/personal-data-access/", {"page": 2}).content.decode()
    assert "Page 1 of 2" in first and "Page 2 of 2" in second and first.count("govuk-table__row") == 3

    assert world["client"].get("/personal-data-access/").status_code == 404
    assert 'href="/personal-data-access/"' not in world["client"].get("/").content.decode()


def test_rows_older_than_the_retention_period_are_deleted_by_the_beat_task(world, settings):
    settings.AUDIT_KEPT_DAYS = 30
    world["client"].get(f"/logs/{world['records'][0].pk}/review/")
    world["client"].get(f"/logs/{world['records'][1].pk}/review/")
    old, kept = rows()
    PersonalDataAccess.objects.filter(pk=old.pk).update(at=timezone.now() - dt.timedelta(days=31))
    assert remove_old_access_rows() == 1
    assert rows() == [kept]
    assert "cldc.audit.remove_old_access_rows" in {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
