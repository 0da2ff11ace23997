"""Scheduled exports (cldc.platform.exports.schedule): support adds, changes and pauses a
service's nightly export on a page, kept as a django-celery-beat PeriodicTask that the
database scheduler (what `celery beat` runs, settings.CELERY_BEAT_SCHEDULER) reads; the
task exports what changed since its last run for each version still open for changes.
Nobody but support has the pages."""

import datetime as dt
import json

import pytest
from django_tenants.utils import schema_context

from cldc.platform.exports import schedule, tasks
from cldc.platform.exports.models import ExportRun
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

pytestmark = pytest.mark.usefixtures("eager_celery")


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def support(make_person, client_for, visits_service):
    return client_for("visits", make_person("support@dept.example", staff_role="support"))


def add(client, **changes):
    return client.post("/downloads/schedule/new/",
                       {"layout": "visits", "format": "csv", "at": "00:30", "enabled": "yes", **changes})


def test_support_adds_a_nightly_export_that_beat_reads(support, visits_service):
    response = add(support)

    assert response.status_code == 302 and response["Location"] == "/downloads/schedule/"
    task = schedule.scheduled_for(visits_service).get()
    assert (task.task, task.enabled) == ("cldc.exports.scheduled", True)
    assert (task.crontab.hour, task.crontab.minute, str(task.crontab.timezone)) == ("0", "30", "Europe/London")
    assert json.loads(task.kwargs) == {"schema_name": "visits", "format": "csv", "layout_id": "visits"}
    page = support.get("/downloads/schedule/").content.decode()
    assert "00:30" in page and "Every day" in page

    from django.conf import settings
    from django.utils.module_loading import import_string

    from cldc.platform.celery import app

    scheduler = import_string(settings.CELERY_BEAT_SCHEDULER.replace(":", "."))(app=app, lazy=True)
    entry = scheduler.Entry(task, app=app)
    assert (entry.task, entry.kwargs["layout_id"]) == ("cldc.exports.scheduled", "visits")
    assert (entry.schedule.hour, entry.schedule.minute) == ({0}, {30})


def test_support_changes_the_time_and_pauses_it(support, visits_service):
    add(support)
    task = schedule.scheduled_for(visits_service).get()

    response = support.post(f"/downloads/schedule/{task.pk}/",
                            {"layout": "visits", "format": "parquet", "at": "23:15", "enabled": "no"})

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("23", "15", False)
    assert json.loads(task.kwargs)["format"] == "parquet"
    assert "Paused" in support.get("/downloads/schedule/").content.decode()
    assert not task.__class__.objects.enabled().filter(pk=task.pk).exists()  # beat's scheduler skips it


@pytest.mark.parametrize("at", ["25:00", "midnight", "12.30"])
def test_a_time_that_is_not_one_is_refused_on_its_field(support, visits_service, at):
    response = add(support, at=at)

    assert response.status_code == 200
    assert response.context["form"].errors["at"] == [
        "Enter the time as hours and minutes on the 24-hour clock, like 00:00 or 23:30"]
    assert not schedule.scheduled_for(visits_service).exists()


@pytest.mark.parametrize("who", [{"role": "data_coordinator"}, {"role": "data_provider"},
                                 {"staff_role": "analyst"}, {"staff_role": "content_designer"}])
def test_nobody_but_support_has_the_pages(support, visits_service, make_person, make_organisation, client_for, who):
    add(support)
    task = schedule.scheduled_for(visits_service).get()
    organisation = make_organisation("Some Homes") if "role" in who else None
    client = client_for("visits", make_person("someone@example.com", organisation, **who))

    for path in ("/downloads/schedule/", "/downloads/schedule/new/", f"/downloads/schedule/{task.pk}/"):
        assert client.get(path).status_code == 404
    assert add(client, at="01:00").status_code == 404
    assert schedule.scheduled_for(visits_service).get().crontab.hour == "0"


def test_another_services_schedule_is_not_there(support, core_service):
    from django_celery_beat.models import PeriodicTask

    schedule.save_schedule(core_service, "csv", "all", dt.time(0, 0), True)
    other = PeriodicTask.objects.get(name__startswith="Export core: ")

    assert "Export core" not in support.get("/downloads/schedule/").content.decode()
    assert support.get(f"/downloads/schedule/{other.pk}/").status_code == 404


def a_visit(organisation, complete_visit, reference):
    with schema_context("visits"):
        return submit(Record(collection="visits", record_type="visit", version=2026),
                      {**complete_visit(), "visitref": reference, "owning_organisation_id": organisation.pk}, "api",
                      today=dt.date(2026, 6, 1)).record


def test_a_run_exports_what_changed_since_the_last_for_each_open_version(visits_service, make_organisation,
                                                                         complete_visit):
    council = make_organisation("Council", type="local_authority")
    a_visit(council, complete_visit, "V-1")

    first = tasks.run_scheduled("visits", "csv", "visits", today=dt.date(2026, 12, 1))
    a_visit(council, complete_visit, "V-2")
    second = tasks.run_scheduled("visits", "csv", "visits", today=dt.date(2026, 12, 2))

    with schema_context("visits"):
        runs = ExportRun.objects.filter(pk__in=first + second).order_by("pk")
        assert [(run.version, run.records, run.full, run.status) for run in runs] == [
            (2026, 1, False, "done"), (2026, 1, False, "done")]
        assert "V-2" in open(runs[1].path).read() and "V-1" not in open(runs[1].path).read()


@pytest.mark.parametrize(("today", "versions"), [
    (dt.date(2026, 3, 31), []),             # not open yet
    (dt.date(2027, 9, 30), [2026]),         # the last day for changes
    (dt.date(2027, 10, 1), [2026]),         # the night after: that day's changes still go
    (dt.date(2027, 10, 2), []),             # closed
])
def test_a_run_takes_the_versions_open_for_changes_today_or_yesterday(visits_service, today, versions):
    with schema_context("visits"):
        assert [version for *_, version in schedule.targets(visits_service, "visits", today)] == versions


def test_supports_downloads_page_links_to_the_schedule_and_nobody_elses_does(support, make_person, client_for,
                                                                           visits_service):
    analyst = client_for("visits", make_person("analyst@dept.example", staff_role="analyst"))

    assert 'href="/downloads/schedule/"' in support.get("/downloads/").content.decode()
    assert "/downloads/schedule/" not in analyst.get("/downloads/").content.decode()


def test_the_same_layout_and_format_twice_is_refused_on_the_form(support, visits_service):
    add(support)

    response = add(support, at="02:00")

    assert response.status_code == 200
    assert response.context["form"].errors["layout"] == [
        "There is already a nightly export of this layout in this format: change that one instead"]
    assert schedule.scheduled_for(visits_service).get().crontab.hour == "0"
    task = schedule.scheduled_for(visits_service).get()
    assert support.post(f"/downloads/schedule/{task.pk}/",  # changing the one there is not a second
                        {"layout": "visits", "format": "csv", "at": "02:00", "enabled": "yes"}).status_code == 302


def test_support_fetches_again_the_file_a_run_sent_and_nobody_else_can(support, visits_service, make_organisation,
                                                                      make_person, client_for, complete_visit):
    from cldc.platform.exports.runs import run_export

    a_visit(make_organisation("Council", type="local_authority"), complete_visit, "SENT-1")
    sent = run_export(visits_service, "visits", "visit", 2026, "csv")
    page = support.get("/downloads/schedule/").content.decode()
    assert f'href="/downloads/runs/{sent.pk}/file"' in page and "Done" in page

    response = support.get(f"/downloads/runs/{sent.pk}/file")
    assert response.status_code == 200 and b"SENT-1" in b"".join(response.streaming_content)
    analyst_person = make_person("analyst@dept.example", staff_role="analyst")
    assert client_for("visits", analyst_person).get(f"/downloads/runs/{sent.pk}/file").status_code == 404
    theirs = run_export(visits_service, "visits", "visit", 2026, "csv", full=True, person=analyst_person,
                        role="analyst")
    assert support.get(f"/downloads/runs/{theirs.pk}/file").status_code == 404  # a person's download is theirs
