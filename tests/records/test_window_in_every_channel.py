"""The collection window holds for every change, whichever page makes it: the gateway
refuses (gateway.check_window) with its one message, and each page says so. Uploads
and the API: tests/uploads/test_pipeline.py and tests/api/test_api_records.py."""

from datetime import date, timedelta

import pytest
from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.windows.models import CollectionWindow, long_date

WORKING_AT_70 = {"hhmemb": 1, "age1": 70, "work1": 1}  # a soft check: in work at 70


@pytest.fixture
def council(make_organisation):
    return make_organisation("Window Borough Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("window@example.com", council, role="data_coordinator")


@pytest.fixture
def log(visits_service, council, officer):
    with schema_context("visits"):
        record = Record(collection="visits", record_type="visit", version=2026, owning_organisation=council,
                        managing_organisation=council)
        outcome = submit(record, WORKING_AT_70, source="form", user=officer)
        assert "older_person_in_work_1" in [w["rule"] for w in outcome.warnings]
        return outcome.record


def close_changes():
    with schema_context("visits"):
        window = CollectionWindow.objects.get(collection="visits", record_type="visit", version=2026)
        window.new_logs_end, window.editing_end = date.today() - timedelta(days=2), date.today() - timedelta(days=1)
        window.save()
        return (f"You cannot change this visit any more. Visits for the 2026 to 2027 collection year could be changed "
                f"until {long_date(window.editing_end)}.")


def test_a_soft_check_cannot_be_confirmed_once_changes_have_closed(client_for, officer, log):
    client = client_for("visits", officer)
    url = f"/logs/{log.pk}/soft-check/older_person_in_work_1/"
    assert client.get(url).status_code == 200  # reading it changes nothing
    message = close_changes()
    response = client.post(url, {"confirm": "yes", "lock_version": log.lock_version}, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    with schema_context("visits"):
        assert Record.objects.get(pk=log.pk).confirmations == {}


def test_a_log_cannot_be_assigned_once_changes_have_closed(client_for, officer, make_person, council, log):
    colleague = make_person("colleague@example.com", council)
    message = close_changes()
    response = client_for("visits", officer).post(f"/logs/{log.pk}/assign/", {"person": colleague.pk}, follow=True)
    assert response.status_code == 200 and message in response.content.decode()
    with schema_context("visits"):
        assert Record.objects.get(pk=log.pk).assigned_to is None
