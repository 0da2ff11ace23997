"""Downloads in the web service (cldc.platform.exports.views), on the visits test
collection: the form offers what the person's role may have and refuses the rest on
the right field; a Celery task (run eagerly here) makes the file as runs.run_export
does, with the person's records and role; the progress page works before and after the
file is made; the list shows the person's own downloads; and who gets what, as a
matrix of roles × organisations. Another person's download is a 404."""

import csv
import dataclasses
import datetime as dt
import io
import re
from pathlib import Path

import pytest
from django_tenants.utils import schema_context

from cldc.platform.exports import formats, views
from cldc.platform.exports.models import Download, ExportRun
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process

ORGANISATIONS = ("parent", "child", "other")  # the child's parent is the parent; other is unrelated to both


@pytest.fixture(autouse=True)
def exports_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def world(make_organisation, make_person, client_for, visits_service, complete_visit):
    """A visit of each organisation, and a person of each role."""
    parent = make_organisation("Parent Homes")
    orgs = {"parent": parent, "child": make_organisation("Child Lettings", parent=parent),
            "other": make_organisation("Other Housing")}
    people = {
        "parent coordinator": make_person("coordinator@parent.example", orgs["parent"], role="data_coordinator"),
        "child coordinator": make_person("coordinator@child.example", orgs["child"], role="data_coordinator"),
        "other coordinator": make_person("coordinator@other.example", orgs["other"], role="data_coordinator"),
        "analyst": make_person("analyst@dept.example", staff_role="analyst"),
        "support": make_person("support@dept.example", staff_role="support"),
        "child provider": make_person("provider@child.example", orgs["child"]),
        "content designer": make_person("content@dept.example", staff_role="content_designer"),
    }
    with schema_context("visits"):
        for name, organisation in orgs.items():
            submit(Record(collection="visits", record_type="visit", version=2026, owning_organisation=organisation,
                          managing_organisation=organisation),
                   {**complete_visit(), "visitref": f"V-{name}", "owning_organisation_id": organisation.pk}, "api",
                   today=dt.date(2026, 6, 1))
    return {"orgs": orgs, "people": people, "clients": {role: client_for("visits", p) for role, p in people.items()}}


def ask(client, **changes):
    data = {"record_type": "visits:visit", "year": "2026", "layout": "visits", "format": "csv", "codes": "labels",
            **changes}
    return client.post("/downloads/new/", data)


def made(response):
    assert response.status_code == 302, response.content.decode()
    return int(re.fullmatch(r"/downloads/(\d+)/", response.url).group(1))


def rows_of(client, pk):
    response = client.get(f"/downloads/{pk}/file")
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode("utf-8"))))


def test_a_coordinator_picks_a_file_watches_it_and_downloads_their_visits_in_labels(world):
    client, person = world["clients"]["parent coordinator"], world["people"]["parent coordinator"]
    form = client.get("/downloads/new/").content.decode()
    assert "Download visits" in form and 'value="visits"' in form and "Home visits" in form
    assert 'type="hidden" name="codes" value="labels"' in form  # coordinators have labels only: nothing to ask
    assert all(f'value="{name}"' in form for name in ("csv", "xlsx", "parquet"))
    pk = made(ask(client))

    page = client.get(f"/downloads/{pk}/").content.decode()
    assert "Your file is ready" in page and '<div class="govuk-panel__body" id="record-count">2 visits</div>' in page
    rows = rows_of(client, pk)
    assert sorted(row["organisation"] for row in rows) == ["Child Lettings", "Parent Homes"]
    assert {row["work1"] for row in rows} == {"In work"} and "reference" not in rows[0]  # labels, no personal column
    with schema_context("visits"):
        download = Download.objects.get(pk=pk)
        run = download.run
    assert (run.requested_by, run.role, run.codes, run.full, run.records, run.status) == (
        person, "data_coordinator", False, True, 2, "done")
    listing = client.get("/downloads/").content.decode()
    assert f'href="/downloads/{pk}/file"' in listing and "Home visits, 2026 to 2027" in listing and "Ready" in listing
    row = re.search(rf'<tr class="govuk-table__row" id="download-{pk}">.*?</tr>', listing, re.S).group(0)
    assert re.search(r'numeric">2</td>', row)


def test_an_analyst_has_codes_in_parquet_and_support_the_personal_columns_in_xlsx(world):
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    analyst = world["clients"]["analyst"]
    assert re.search(r'type="radio"\s+name="codes"[^>]*value="codes"', analyst.get("/downloads/new/").content.decode())
    pk = made(ask(analyst, format="parquet", codes="codes"))
    response = analyst.get(f"/downloads/{pk}/file")
    assert response["Content-Disposition"] == 'attachment; filename="visits-visit-2026-visits.parquet"'
    table = pq.read_table(io.BytesIO(b"".join(response.streaming_content)))
    assert table.num_rows == 3 and "reference" not in table.column_names  # personal: support only
    assert set(table.column("work1").to_pylist()) == {1}  # codes

    support = world["clients"]["support"]
    pk = made(ask(support, format="xlsx"))
    sheet = load_workbook(io.BytesIO(b"".join(support.get(f"/downloads/{pk}/file").streaming_content))).active
    header, *rows = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert sorted(row[header.index("reference")] for row in rows) == ["V-child", "V-other", "V-parent"]


def test_the_progress_page_before_the_file_is_made_has_a_refresh_link_and_no_file(world, monkeypatch):
    from cldc.platform.exports.tasks import make_download

    queued = []
    monkeypatch.setattr(views.make_download, "delay", lambda *args: queued.append(args))  # not run: still queued
    client = world["clients"]["analyst"]
    pk = made(ask(client))
    assert queued == [("visits", pk)]
    page = client.get(f"/downloads/{pk}/").content.decode()
    assert "We are making your file" in page and f'<a class="govuk-link" href="/downloads/{pk}/">Refresh this page</a>' in page
    assert "Download the file" not in page and client.get(f"/downloads/{pk}/file").status_code == 404
    listing = client.get("/downloads/").content.decode()
    assert "Being made" in listing and f"/downloads/{pk}/file" not in listing

    make_download(*queued[0])  # the worker gets to it
    page = client.get(f"/downloads/{pk}/").content.decode()
    assert "Your file is ready" in page and "Refresh this page" not in page and "3 visits" in page


def test_the_progress_page_and_its_status_json_say_how_far_the_worker_has_got(world, monkeypatch):
    monkeypatch.setattr(views.make_download, "delay", lambda *args: None)  # queued, not run
    client = world["clients"]["analyst"]
    pk = made(ask(client))
    with schema_context("visits"):
        Download.objects.get(pk=pk).set_progress(2, 3)  # as the worker does, every PROGRESS_EVERY records

    assert client.get(f"/downloads/{pk}/status.json").json() == {
        "status": "being_made", "processed": 2, "total": 3, "progress": 66}
    page = client.get(f"/downloads/{pk}/").content.decode()
    assert '<span id="progress-text" data-progress-text>2 of 3</span>' in page and 'value="66"' in page
    assert world["clients"]["support"].get(f"/downloads/{pk}/status.json").status_code == 404  # not theirs


def test_a_run_tells_its_progress_as_it_goes(world, monkeypatch, visits_service):
    from cldc.platform.exports import runs

    monkeypatch.setattr(runs, "PROGRESS_EVERY", 1)
    told = []
    runs.run_export(visits_service, "visits", "visit", 2026, "csv", full=True, progress=lambda *at: told.append(at))
    assert told == [(1, 3), (2, 3), (3, 3)]


def test_a_file_that_cannot_be_made_says_why_and_offers_no_file(world, monkeypatch):
    def breaks(selection, rows, path):
        raise OSError("disk full")

    monkeypatch.setitem(formats.FORMATS, "csv", (breaks, "csv"))
    client = world["clients"]["analyst"]
    pk = made(ask(client))
    page = client.get(f"/downloads/{pk}/").content.decode()
    assert "We could not make this file" in page and "disk full" in page
    assert client.get(f"/downloads/{pk}/file").status_code == 404
    with schema_context("visits"):
        assert Download.objects.get(pk=pk).run.status == ExportRun.Status.FAILED


def field_error(response, field):
    """The error message shown on one field of the form."""
    page = response.content.decode()
    found = re.search(rf'<span id="id_{field}_1_error" class="govuk-error-message">\s*<span class="govuk-visually-hidden">'
                      rf'Error:</span>\s*(.*?)\s*</span>', page, re.S)
    assert response.status_code == 200 and found, page
    return found.group(1)


def test_codes_the_role_may_not_have_are_refused_on_the_codes_field_and_no_file_is_made(world):
    response = ask(world["clients"]["parent coordinator"], codes="codes")
    assert field_error(response, "codes") == "The Home visits export gives data coordinators labels, not codes"
    with schema_context("visits"):
        assert not Download.objects.exists() and not ExportRun.objects.exists()


def test_a_layout_the_role_may_not_have_is_not_offered_and_refused_on_the_layout_field(world, monkeypatch):
    real = views.layouts

    def with_an_analysts_layout(collection, record_type, version):
        found = real(collection, record_type, version)
        only = dataclasses.replace(found["visits"], id="analysts", title="Analysts only", roles=("analyst",))
        return {**found, "analysts": only}

    monkeypatch.setattr(views, "layouts", with_an_analysts_layout)
    coordinator = world["clients"]["parent coordinator"]
    assert "Analysts only" not in coordinator.get("/downloads/new/").content.decode()
    assert "Analysts only" in world["clients"]["analyst"].get("/downloads/new/").content.decode()
    response = ask(coordinator, layout="analysts")
    assert field_error(response, "layout") == "The Analysts only export is not for data coordinators"
    assert field_error(ask(coordinator, layout="nonsense"), "layout") == "Select a layout"
    assert field_error(ask(coordinator, year="2019"), "year") == "Select the collection year"
    with schema_context("visits"):
        assert not Download.objects.exists() and not ExportRun.objects.exists()


@pytest.mark.parametrize("role", ["child provider", "content designer"])
def test_people_who_do_not_download_are_refused_the_pages_and_not_offered_the_link(world, role):
    client = world["clients"][role]
    assert client.get("/downloads/").status_code == 403
    assert client.get("/downloads/new/").status_code == 403
    assert ask(client).status_code == 403
    assert 'href="/downloads/"' not in client.get("/").content.decode()
    assert 'href="/downloads/">Downloads</a>' in world["clients"]["parent coordinator"].get("/").content.decode()


# Who gets whose visits in their file: the parent's coordinator the parent's and the
# child's, the child's its own, analysts and support every organisation's.
SEES = {
    "parent coordinator": {"parent", "child"},
    "child coordinator": {"child"},
    "other coordinator": {"other"},
    "analyst": set(ORGANISATIONS),
    "support": set(ORGANISATIONS),
}


def test_who_gets_whose_visits_and_whose_downloads_are_whose(world):
    names = {organisation.name: name for name, organisation in world["orgs"].items()}
    downloads = {}
    for role in SEES:
        downloads[role] = made(ask(world["clients"][role], codes="labels"))
    for role, expected in SEES.items():
        client = world["clients"][role]
        assert {names[row["organisation"]] for row in rows_of(client, downloads[role])} == expected, role
        listing = client.get("/downloads/").content.decode()
        for owner, pk in downloads.items():
            mine = owner == role
            assert (f'href="/downloads/{pk}/"' in listing) is mine, (role, owner)
            assert client.get(f"/downloads/{pk}/").status_code == (200 if mine else 404), (role, owner)
            assert client.get(f"/downloads/{pk}/file").status_code == (200 if mine else 404), (role, owner)


def test_old_downloads_files_are_removed_and_the_pages_say_so(world, visits_service, settings):
    import datetime as dt_

    from django.utils import timezone

    from cldc.platform.exports import runs
    from cldc.platform.exports.tasks import remove_old_downloads

    client = world["clients"]["analyst"]
    old, recent = made(ask(client)), made(ask(client))
    sent = runs.run_export(visits_service, "visits", "visit", 2026, "csv", full=True)  # made for no one: kept
    long_ago = timezone.now() - dt_.timedelta(days=settings.DOWNLOADS_KEPT_DAYS, minutes=1)
    with schema_context("visits"):
        ExportRun.objects.filter(pk__in=[Download.objects.get(pk=old).run_id, sent.pk]).update(finished_at=long_ago)
        old_path = Download.objects.get(pk=old).run.path

    assert remove_old_downloads() == 1

    with schema_context("visits"):
        assert not Path(old_path).exists() and Download.objects.get(pk=old).run.path == ""
        assert Path(Download.objects.get(pk=recent).run.path).is_file() and Path(sent.path).is_file()
    assert client.get(f"/downloads/{old}/file").status_code == 404
    assert "This file is no longer kept" in client.get(f"/downloads/{old}/").content.decode()
    listing = client.get("/downloads/").content.decode()
    assert "Removed" in listing and f"/downloads/{old}/file" not in listing and f"/downloads/{recent}/file" in listing


def test_beat_runs_the_removal_of_old_downloads(db):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    from cldc.platform.celery import app

    # What `celery beat` does when it starts (DatabaseScheduler.update_from_dict): the settings' schedule copied
    # in, entry by entry (the method itself also commits, which a rolled-back test cannot).
    for name, fields in app.conf.beat_schedule.items():
        DatabaseScheduler.Entry.from_entry(name, app=app, **fields)
    assert PeriodicTask.objects.get(name="Remove people's old downloads").task == "cldc.exports.remove_old_downloads"
