"""The package contract's "done when" (issue 12): a package written from
docs/collection-packages.md alone, tests/packages/rough_sleeping/ (two questions, one
rule, one derived value, one window), registered by the COLLECTION_PACKAGES setting,
works in a service through the web form, bulk upload and the API with no platform
code of its own. Its rule cases run as docs/testing-a-package.md tells a package team.

The service is the hclic test service made to collect the package alone, with its
windows seeded by the launch's own seed_windows: a real launch would also migrate a
new schema (some 15 seconds; tests/test_tenancy.py launches one).
"""

import importlib
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.rules.cases import failure, lacking_cases, load_cases
from cldc.platform.windows.seed import seed_windows
from cldc.tests.api.api_helpers import Api

PACKAGE = "cldc.tests.packages.rough_sleeping"
# Read from the package itself when tests are collected: the setting names it only in a fixture.
CASES = load_cases(importlib.import_module(PACKAGE).COLLECTION)
OUT_OF_YEAR = "The night of the count must be in the collection year of the snapshot."

pytestmark = pytest.mark.usefixtures("eager_celery")


def forget_packages():
    registry._package_modules.cache_clear()
    registry.collections.cache_clear()


@pytest.fixture
def rough_sleeping():
    """The package, registered as a deployment would register it: by the setting."""
    with override_settings(COLLECTION_PACKAGES=[PACKAGE]):
        forget_packages()
        yield registry.get("rough_sleeping")
    forget_packages()


@pytest.fixture
def service(hclic_service, rough_sleeping):
    hclic_service.collections = ["rough_sleeping"]
    hclic_service.save()
    assert [(w.record_type, w.version) for w in seed_windows(hclic_service)] == [("snapshot", 2026)]
    return hclic_service


@pytest.fixture
def council(make_organisation):
    return make_organisation("Rough Sleeping Council", type="local_authority")


@pytest.fixture
def officer(make_person, council):
    return make_person("outreach@council.example", council, role="data_coordinator")


def stored(service):
    with schema_context(service.schema_name):
        return [(r.collection, r.record_type, r.version, r.answers, r.derived, r.status)
                for r in Record.objects.order_by("pk")]


def test_the_package_is_found_by_the_setting_alone_and_lints_clean(rough_sleeping, capsys):
    assert registry.collection_names() == ["core", "hclic", "rough_sleeping"]
    call_command("cldc", "lint", "--collection", "rough_sleeping")
    assert "1 definitions checked, 0 problems" in capsys.readouterr().out
    pack = rough_sleeping.rule_pack("snapshot", 2026)
    assert ([r.id for r in pack.rules], [d.id for d in pack.derivations]) == (
        ["count_date_in_collection_year"], ["count_weekday"])


def test_without_the_setting_there_is_no_such_package():
    forget_packages()
    assert "rough_sleeping" not in registry.collection_names()


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_rule_case(rough_sleeping, case):
    problem = failure(rough_sleeping, case)
    assert problem is None, problem


def test_every_rule_has_a_case_that_fires_and_one_that_passes(rough_sleeping):
    assert lacking_cases(rough_sleeping, CASES, "snapshot", 2026) == []


def test_the_cases_pass_by_the_command_a_package_team_runs(rough_sleeping, capsys):
    call_command("cldc", "cases", "--collection", "rough_sleeping")
    assert capsys.readouterr().out == (
        f"{len(CASES)} cases, 0 failed; coverage: every running rule has a firing case and a near miss\n")


def test_the_web_form(service, client_for, council, officer):
    client = client_for("hclic", officer)
    response = client.post("/logs/new/", {"record_type": "rough_sleeping:snapshot", "year": "2026",
                                          "owning_organisation": council.pk, "managing_organisation": council.pk,
                                          "assigned_to": officer.pk})
    assert response.status_code == 302, response.content.decode()[:2000]
    pk = int(re.search(r"/logs/(\d+)/", response.url).group(1))

    def post_count(day, month, year, people):
        with schema_context(service.schema_name):
            version = Record.objects.get(pk=pk).lock_version
        return client.post(f"/logs/{pk}/page/count/", {
            "log_wizard-current_step": "count", "lock_version": version, "then": "tasks",
            "count_date_0": day, "count_date_1": month, "count_date_2": year, "people_counted": people})

    refused = post_count("1", "4", "2027", "12")
    assert refused.status_code == 200 and refused.context["form"].errors == {"count_date": [OUT_OF_YEAR]}
    assert post_count("26", "11", "2026", "12").status_code == 302
    assert stored(service) == [("rough_sleeping", "snapshot", 2026, {"count_date": "2026-11-26", "people_counted": 12},
                                {"count_weekday": 4}, "completed")]


def test_bulk_upload(service, client_for, council, officer):
    client = client_for("hclic", officer)

    def upload(rows):
        content = ("Night of the count,People counted\n" + "".join(f"{d},{n}\n" for d, n in rows)).encode()
        response = client.post("/uploads/new/", {
            "record_type": "rough_sleeping:snapshot", "year": "2026", "organisation": council.pk, "on_errors": "wait",
            "file": SimpleUploadedFile("counts.csv", content, content_type="text/csv")})
        assert response.status_code == 302, response.content.decode()[:2000]
        with schema_context(service.schema_name):
            from cldc.platform.uploads.models import Upload

            done = Upload.objects.get(pk=int(re.search(r"/uploads/(\d+)/", response.url).group(1)))
            return done, [(i.field, i.rule, i.message) for i in done.issues.all()]

    waiting, issues = upload([("01/04/2027", "3")])
    assert issues == [("count_date", "count_date_in_collection_year", OUT_OF_YEAR)]
    assert (waiting.created, waiting.rejected) == (0, 1) and stored(service) == []
    done, issues = upload([("26/11/2026", "12")])
    assert issues == [] and done.created == 1
    assert stored(service) == [("rough_sleeping", "snapshot", 2026, {"count_date": "2026-11-26", "people_counted": 12},
                                {"count_weekday": 4}, "completed")]


def test_the_api(service, council, officer):
    with schema_context(service.schema_name):
        api = Api(create_client(name="Outreach system", created_by=officer, organisation=council).key, service="hclic")

    def create(count_date, people):
        return api.post("records/", {"record_type": "snapshot", "version": 2026, "organisation": f"ORG{council.pk}",
                                     "answers": {"count_date": count_date, "people_counted": people}})

    refused = create("2027-04-01", 12)
    assert refused.status_code == 422
    assert [(e["field"], e["rule"], e["message"]) for e in refused.json()["errors"]] == [
        ("count_date", "count_date_in_collection_year", OUT_OF_YEAR)]
    created = create("2026-11-26", 12)
    assert created.status_code == 201, created.json()
    assert (created.json()["status"], created.json()["derived"]) == ("completed", {"count_weekday": 4})
    assert stored(service) == [("rough_sleeping", "snapshot", 2026, {"count_date": "2026-11-26", "people_counted": 12},
                                {"count_weekday": 4}, "completed")]
