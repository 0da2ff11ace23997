"""Browser tests: a real Chromium (Debian's /usr/bin/chromium) through Playwright,
against a live server on the test database.

They run in their own pytest invocation (`pytest -m browser`, see scripts/test):
their data is committed, not rolled back, because the server answers from other
threads. A transactional flush is not an option either: with shared auth it
truncates every schema's Wagtail pages (docs/adr/0002-tenancy-app-split.md).
"""

from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.test.testcases import LiveServerThread

import cldc

AXE = Path(cldc.__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def django_db_setup(django_db_blocker, seed_test_database):
    """The test database, created here because no browser test asks for the
    transactional `db` fixture (pytest-django only creates databases tests ask for)."""
    from django.test.utils import setup_databases, teardown_databases

    with django_db_blocker.unblock():
        databases = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        seed_test_database()
    yield
    with django_db_blocker.unblock():
        end_other_sessions()
        teardown_databases(databases, verbosity=0)


def end_other_sessions():
    """The live server's threads, and ORM calls made before and after Playwright starts
    (its greenlets have contexts of their own), leave connections that no one here can
    close; the test database cannot be dropped while they last."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture(scope="session", autouse=True)
def organisations_accept_the_agreement():
    """Each organisation a browser test makes has accepted the data sharing agreement, as
    tests/conftest.py's make_organisation's have: CORE makes no logs for one that has not
    (docs/organisations.md). Deleting the organisation deletes its agreement."""
    from datetime import date

    from django.db.models.signals import post_save

    from cldc.platform.organisations.models import DataSharingAgreement, Organisation

    def accept(sender, instance, created, **kwargs):
        if created:
            DataSharingAgreement.objects.get_or_create(organisation=instance, defaults={
                "accepted_by_name": "A data protection officer", "accepted_on": date(2020, 4, 1)})

    post_save.connect(accept, sender=Organisation, dispatch_uid="browser-tests-accept-the-agreement")
    yield
    post_save.disconnect(sender=Organisation, dispatch_uid="browser-tests-accept-the-agreement")


@pytest.fixture(scope="session")
def committed_db(django_db_setup, django_db_blocker):
    """Database access for the whole browser run, outside any test transaction."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture(scope="session")
def live_port(committed_db):
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield server.port
    server.terminate()


@pytest.fixture(scope="session")
def url(live_port):
    """url("core", "/sign-in/") -> http://core.localhost:PORT/sign-in/"""

    def build(service, path="/"):
        return f"http://{service}.localhost:{live_port}{path}"

    return build


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.failed_requests = []
    page.on("response", lambda r: r.status >= 400 and page.failed_requests.append(f"{r.status} {r.url}"))
    yield page
    context.close()


def is_known_upstream_finding(violation):
    """GOV.UK Frontend's own script sets aria-expanded on conditional-reveal radios,
    which axe flags as aria-allowed-attr. The finding is upstream, in the Design
    System's documented pattern; nothing else is allowed."""
    return violation["id"] == "aria-allowed-attr" and all(
        'type="radio"' in node["html"] and "aria-expanded" in node["html"] for node in violation["nodes"]
    )


@pytest.fixture
def axe():
    def check(page):
        # Evaluated, not added as a <script>: the pages' CSP refuses inline scripts.
        page.evaluate(AXE.read_text(encoding="utf-8"))
        result = page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice']}
            })"""
        )
        violations = [v for v in result["violations"] if not is_known_upstream_finding(v)]
        assert violations == [], "\n".join(
            f"{v['id']}: {v['help']} -> {[n['target'] for n in v['nodes']]}" for v in violations
        )
        return result

    return check
