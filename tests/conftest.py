"""Shared test set-up.

The test database gets the platform service and three services launched the real way
(`launch_service`), once per run: core on core.localhost, hclic on hclic.localhost,
and visits on visits.localhost. Visits is the platform's own test collection
(tests/packages/visits/, registered by the COLLECTION_PACKAGES setting as a deployment
registers a package): the platform's channel tests use it, and CORE's tests test CORE.
Each test then runs in a transaction that is rolled back.
Browser tests (tests/browser/) run in their own pytest invocation: see
tests/browser/conftest.py.
"""

import csv
import io
import itertools
import json
import os
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations.models import DataSharingAgreement, Membership, Organisation, OrganisationRelationship
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"
SERVICES = {"core": "core.localhost", "hclic": "hclic.localhost", "visits": "visits.localhost"}
TEST_PACKAGE = "cldc.tests.packages.visits"


def pytest_configure(config):
    """The test collection is registered by the setting, for this process and the
    processes it starts (a Celery worker, judging processes)."""
    from django.conf import settings

    from cldc.platform import registry

    if TEST_PACKAGE not in settings.COLLECTION_PACKAGES:
        settings.COLLECTION_PACKAGES = [*settings.COLLECTION_PACKAGES, TEST_PACKAGE]
    os.environ["CLDC_COLLECTION_PACKAGES"] = ",".join(settings.COLLECTION_PACKAGES)
    registry._package_modules.cache_clear()
    registry.collections.cache_clear()


def launch_test_services():
    from cldc.platform.tenancy.launch import ensure_platform_service, launch_service
    from cldc.platform.tenancy.models import Service

    assert connection.settings_dict["NAME"].startswith("test_"), "refusing to seed a database that is not a test one"
    ensure_platform_service()
    for name, domain in SERVICES.items():
        if not Service.objects.filter(schema_name=name).exists():
            launch_service(name, domain, f"Test service {name}", [name])


@pytest.fixture(scope="session")
def seed_test_database():
    return launch_test_services


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        launch_test_services()


@pytest.fixture(autouse=True)
def back_to_public_schema():
    yield
    connection.set_schema_to_public()


@pytest.fixture(autouse=True)
def nothing_kept_from_another_test():
    """Each process keeps services and their branding for a while (tenancy.middleware,
    themes.context_processors); a test's rolled back ones must not serve the next test."""
    from cldc.platform.tenancy.middleware import forget_kept

    forget_kept()


@pytest.fixture
def core_service(db):
    from cldc.platform.tenancy.models import Service

    return Service.objects.get(schema_name="core")


@pytest.fixture
def visits_service(db):
    from cldc.platform.tenancy.models import Service

    return Service.objects.get(schema_name="visits")


@pytest.fixture
def hclic_service(db):
    from cldc.platform.tenancy.models import Service

    return Service.objects.get(schema_name="hclic")


_codes = itertools.count(1000)


def _make_organisation(name, type="prp", parent=None, data_sharing_agreement=True, **fields):
    """An organisation; it has accepted the data sharing agreement (CORE makes no records
    for one that has not) unless `data_sharing_agreement=False`."""
    number = next(_codes)
    codes = {"prp": {"regulator_number": f"LH{number}"}, "local_authority": {"ons_code": f"E0700{number}"}}
    organisation = Organisation.objects.create(name=name, type=type, **{**codes.get(type, {}), **fields})
    if data_sharing_agreement:
        DataSharingAgreement.objects.create(organisation=organisation, accepted_by_name="A data protection officer",
                                            accepted_on=date(2020, 4, 1))
    if parent is not None:
        OrganisationRelationship.objects.create(parent=parent, child=organisation, kind="stock_owner")
    return organisation


def _make_person(email, organisation=None, role="data_provider", staff_role="", password=PASSWORD, **fields):
    name = fields.pop("name", email.split("@")[0].title())
    person = User.objects.create_user(email, password, name=name, staff_role=staff_role, **fields)
    if organisation is not None:
        Membership.objects.create(user=person, organisation=organisation, role=role)
    return person


def _client_for(service="core", person=None, two_factor=True):
    """A test client on a service's host, optionally signed in (staff: with two-factor passed)."""
    client = Client(HTTP_HOST=SERVICES[service])
    if person is not None:
        client.force_login(person)
        if person.is_staff and two_factor:
            device, _ = TOTPDevice.objects.get_or_create(user=person, confirmed=True, defaults={"name": "Test app"})
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    return client


# Three organisations: a parent, its child, and one unrelated to both.
@pytest.fixture
def orgs(make_organisation):
    parent = make_organisation("Parent Homes")
    return {"parent": parent, "child": make_organisation("Child Lettings", parent=parent),
            "other": make_organisation("Other Housing")}


@pytest.fixture
def coordinator(make_person, orgs):
    return make_person("coordinator@parent.example", orgs["parent"], role="data_coordinator")


@pytest.fixture
def today():
    return date.today()


# The helpers above, as fixtures: tests ask for them by name.
@pytest.fixture
def make_organisation(db):
    return _make_organisation


@pytest.fixture
def make_person(db):
    return _make_person


@pytest.fixture
def client_for(db):
    return _client_for


def _complete_visit():
    """A complete home visit's answers, as the API takes them: the package's own worked
    example (two people, rent paid monthly), with no owner or person named."""
    from cldc.platform import registry

    path = registry.get("visits").file("example", record_type="visit", version=2026)
    return dict(json.loads(path.read_text())["answers"])


@pytest.fixture
def complete_visit():
    return _complete_visit


def _visits_csv(rows=({},), headers="label", blank_owner=True):
    """A bulk-upload file of home visits as CSV bytes: one row per dict in `rows`, each
    a complete visit changed by that dict (a value of None leaves the cell blank).
    Headers are each question's label ("Visit reference"), or its id with
    headers="id". Codes are written as codes; a test that wants a provider's words
    writes them in its row."""
    from cldc.platform import registry

    definition = registry.get("visits").definition("visit", 2026)
    variables = [v for v in definition.variables if v not in definition.record_fields.values() or not blank_owner]

    def header(variable):
        question = definition.variables[variable]
        if headers == "id":
            return variable
        return question.label if variable == question.id else question.label_for(variable)

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header(v) for v in variables])
    for changes in rows:
        answers = {**_complete_visit(), **changes}
        writer.writerow(["" if answers.get(v) is None else answers[v] for v in variables])
    return out.getvalue().encode("utf-8")


@pytest.fixture
def visits_csv():
    return _visits_csv


def _visits_template_csv(organisation, rows=({},)):
    """A bulk-upload file in the template's own layout (the header rows the service's
    template download has, ending in field numbers), one row per dict in `rows` as in
    visits_csv, owned by `organisation`; the visit owner blank (the uploader)."""
    from cldc.platform import registry
    from cldc.platform.uploads.template_files import template_columns, template_rows

    definition = registry.get("visits").definition("visit", 2026)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(template_rows(definition))
    for changes in rows:
        answers = {**_complete_visit(), "owning_organisation_id": f"ORG{organisation.pk}", **changes}
        cells = [""]  # column A holds the header rows' labels
        seen = {}
        for column in template_columns(definition):
            question = definition.questions[column["variable"]]
            position = seen[question.id] = seen.get(question.id, -1) + 1
            if question.type == "date":
                day = answers.get(question.id)
                value = None if day is None else str(day).split("-")[::-1][position].removeprefix("20")
            elif question.type == "checkbox":
                value = answers.get(question.variables[position])
            else:
                value = answers.get(question.id)
            cells.append("" if value is None else value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def visits_template_csv():
    return _visits_template_csv


def _visits_provider_csv(references=("OWN-1",)):
    """Complete visits, one per reference, in a housing system's own layout: headings
    unlike the service's ("Visit Ref"), a date split in three with the month in words,
    a date of birth for person 1's age, options in words ("In work", which is an
    option's label; "Calendar month", which only suggests Monthly, so the upload asks)
    and a column nothing answers. Returns (CSV bytes, {heading: the
    target it answers, '' = none}); targets are as the column mapping writes them."""
    import datetime as dt

    visit = _complete_visit()
    day = dt.date.fromisoformat(visit["visitdate"])
    born = day.replace(year=day.year - visit["age1"]) - dt.timedelta(days=10)
    columns = {  # heading: (target, value)
        "Visit Ref": ("visitref", None),
        "Visit day": ("visitdate:day", str(day.day)),
        "Visit month": ("visitdate:month", day.strftime("%B")),
        "Visit year": ("visitdate:year", str(day.year)),
        "Repairs reported": ("repairs", "Yes"),
        "What needs repairing": ("repairsdetail", visit["repairsdetail"]),
        "Number of people": ("hhmemb", str(visit["hhmemb"])),
        "Person 1 DOB": ("age1:date_of_birth", born.strftime("%d/%m/%Y")),
        "Person 1 work": ("work1", "In work"),
        "Person 2 age": ("age2", str(visit["age2"])),
        "Person 2 work": ("work2", "Not in work"),
        "Rent period": ("period", "Calendar month"),
        "Rent": ("rent", "520.00"),
        "How visit made": ("visitmode", "In person"),
        "Our internal notes": ("", "Keys with the caretaker"),
    }
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(columns))
    for reference in references:
        writer.writerow([reference if target == "visitref" else value for target, value in columns.values()])
    return out.getvalue().encode("utf-8"), {heading: target for heading, (target, _) in columns.items()}


@pytest.fixture
def visits_provider_csv():
    return _visits_provider_csv


@pytest.fixture
def eager_celery():
    """Celery tasks run in the test's own process (a real worker round trip is tested
    in tests/test_celery.py)."""
    from cldc.platform.celery import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False
