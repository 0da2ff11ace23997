"""What an operations engineer relies on: the security headers on every page, /healthz,
/readyz (503 naming the failing part), /metrics for scrapers only, the request id, and
the error reporter's scrubbing (docs/observability.md)."""

import copy
import json
import os
import subprocess
import sys
import uuid

from django.db import connection
from django.test import Client, override_settings

from cldc.platform.celery import ping
from cldc.platform.operations import health, metrics, request_id
from cldc.platform.operations.sentry import scrub

KEY = "cldc_0a1b2c3d4e5f_Zm9vYmFyYmF6cXV4LXNlY3JldC1rZXktdGV4dA"


def test_pages_carry_the_security_headers(visits_service):
    response = Client(HTTP_HOST="visits.localhost").get("/sign-in/")
    assert response.status_code == 200
    policy = dict(part.strip().split(" ", 1) for part in response["Content-Security-Policy"].split(";"))
    assert policy["default-src"] == "'self'" and policy["script-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # off until CLDC_HSTS_SECONDS is set


def test_a_white_label_theme_s_colours_carry_the_page_s_nonce(visits_service):
    from cldc.platform.content.models import ServiceBranding  # the white-label setting

    from django_tenants.utils import schema_context
    from wagtail.models import Site

    with schema_context("visits"):
        branding = ServiceBranding.for_site(Site.objects.get(is_default_site=True))
        branding.theme = "whitelabel"
        branding.save()
    response = Client(HTTP_HOST="visits.localhost").get("/sign-in/")
    nonce = response["Content-Security-Policy"].split("'nonce-")[1].split("'")[0]
    assert f'<style nonce="{nonce}">:root' in response.content.decode()


def test_production_settings_make_cookies_secure_and_http_only():
    code = ("import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'cldc.platform.settings'; django.setup(); "
            "from django.conf import settings as s; print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
            "s.SESSION_COOKIE_HTTPONLY, s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS)")
    env = {**os.environ, "CLDC_HTTPS": "1", "CLDC_HSTS_SECONDS": "31536000"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "True", "True", "True", "31536000"]


def test_hsts_is_sent_over_https_once_set(visits_service):
    with override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True):
        response = Client(HTTP_HOST="visits.localhost").get("/sign-in/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_healthz_answers_without_the_database():
    # No db fixture: pytest-django fails any query this test makes.
    response = Client(HTTP_HOST="10.0.0.7").get("/healthz")  # a probe asks by address, on no service
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_readyz_checks_the_database_redis_and_migrations(db):
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 200, response.content
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "migrations": "ok"}}


def test_readyz_is_503_naming_the_database_when_it_cannot_be_reached(db, settings):
    unreachable = copy.deepcopy(settings.DATABASES)
    unreachable["default"]["PORT"] = "1"  # nothing listens there
    settings.DATABASES = unreachable
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"].startswith("cannot connect") and checks["redis"] == "ok"
    assert checks["migrations"] == "not checked: no database"


def test_readyz_is_503_naming_redis_when_it_cannot_be_reached(db, settings):
    settings.REDIS_URL = settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"].startswith("cannot connect")
    assert response.json()["checks"]["database"] == "ok"


def test_readyz_names_a_schema_with_a_migration_not_applied(db, monkeypatch):
    monkeypatch.setattr(health, "_migrations_fine", False)
    connection.set_schema("visits")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM django_migrations WHERE app = 'notices'")
    connection.set_schema_to_public()
    response = Client(HTTP_HOST="10.0.0.7").get("/readyz")
    assert response.status_code == 503
    assert "in visits" in response.json()["checks"]["migrations"]


def test_metrics_are_for_scrapers_only(db, settings):
    settings.CLDC_METRICS_TOKEN = ""
    inside = Client(HTTP_HOST="10.0.0.7", REMOTE_ADDR="127.0.0.1").get("/metrics")
    assert inside.status_code == 200
    assert Client(HTTP_HOST="10.0.0.7", REMOTE_ADDR="203.0.113.9").get("/metrics").status_code == 404
    settings.CLDC_METRICS_TOKEN = "scrape-me-0123456789"
    assert Client(HTTP_HOST="10.0.0.7", REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    with_token = Client(HTTP_HOST="10.0.0.7", REMOTE_ADDR="203.0.113.9",
                        HTTP_AUTHORIZATION="Bearer scrape-me-0123456789").get("/metrics")
    assert with_token.status_code == 200


def test_metrics_count_requests_tasks_queue_length_and_job_durations(db, eager_celery, visits_service):
    Client(HTTP_HOST="visits.localhost").get("/sign-in/")
    ping.delay("visits")
    text = Client(HTTP_HOST="10.0.0.7").get("/metrics").content.decode()
    assert 'django_http_responses_total_by_status_total{status="200"}' in text
    assert 'cldc_celery_tasks_total{outcome="success",task="cldc.ping"}' in text
    assert 'cldc_celery_queue_length{queue="celery"}' in text
    assert "cldc_upload_duration_seconds_count" in text and "cldc_export_duration_seconds_count" in text


def test_an_upload_task_s_duration_is_its_own_metric():
    class Task:
        name = "cldc.uploads.process"

    before = metrics.upload_seconds._sum.get()
    metrics.task_started(task_id="t-1")
    metrics.task_finished(task_id="t-1", task=Task(), state="SUCCESS")
    assert metrics.upload_seconds._sum.get() > before


def test_a_request_id_is_taken_or_made_and_returned(visits_service):
    given = Client(HTTP_HOST="visits.localhost", HTTP_X_REQUEST_ID="lb-0123456789abcdef").get("/sign-in/")
    assert given["X-Request-ID"] == "lb-0123456789abcdef"
    made = Client(HTTP_HOST="visits.localhost", HTTP_X_REQUEST_ID='bad"\nid').get("/sign-in/")
    assert made["X-Request-ID"] != 'bad"\nid' and len(made["X-Request-ID"]) == 32


def test_a_queued_task_carries_the_request_id_in_its_headers():
    token = request_id.current.set("req-0123456789")
    try:
        headers = {}
        request_id.add_to_task_headers(headers=headers)
    finally:
        request_id.current.reset(token)
    assert headers == {"request_id": "req-0123456789"}


def test_a_real_worker_logs_with_the_request_id_of_the_request_that_queued_the_task(core_service):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "cldc.platform.celery", "worker", "--pool=solo", "-Q", queue,
         "--without-mingle", "--without-gossip", "--loglevel=info"],
        env={**os.environ, "CLDC_DB_NAME": connection.settings_dict["NAME"], "CLDC_LOG_FORMAT": "json"},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    token = request_id.current.set("req-from-the-web-42")
    try:
        ping.apply_async(args=["core"], queue=queue).get(timeout=60)
    finally:
        request_id.current.reset(token)
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    lines = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    (succeeded,) = [line for line in lines if "cldc.ping" in line["message"] and "succeeded" in line["message"]]
    assert succeeded["request_id"] == "req-from-the-web-42", output


def test_the_error_reporter_sends_no_request_data_person_or_secret():
    event = {
        "request": {"method": "POST", "url": f"https://core.example/api/v1/records/?key={KEY}",
                    "data": {"name": "Jane Doe"}, "cookies": {"sessionid": "abc"},
                    "headers": {"Authorization": f"Bearer {KEY}"}, "query_string": f"key={KEY}"},
        "user": {"email": "jane@example.com"},
        "breadcrumbs": {"values": [{"message": "SELECT ... 'Jane Doe'"}]},
        "exception": {"values": [{"type": "ValueError", "value": f"bad key {KEY}",
                                  "stacktrace": {"frames": [{"function": "f", "vars": {"name": "Jane Doe"}}]}}]},
    }
    sent = json.dumps(scrub(event))
    assert KEY not in sent and "Jane Doe" not in sent and "jane@example.com" not in sent and "sessionid" not in sent
    assert "ValueError" in sent and '"method": "POST"' in sent


def test_only_wagtail_s_admin_allows_inline_script_and_style(client_for, make_person, core_service):
    support = make_person("support@operations.example", staff_role="support")
    admin = client_for("core", support).get("/admin/")
    assert admin.status_code == 200
    assert "script-src 'self' 'unsafe-inline'" in admin["Content-Security-Policy"]
    logs = client_for("core", support).get("/logs/")
    assert "unsafe-inline" not in logs["Content-Security-Policy"]
    # Wagtail's page editor shows its preview in a frame of the admin's own; nothing else is framed.
    assert "frame-ancestors 'self'" in admin["Content-Security-Policy"] and admin["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'none'" in logs["Content-Security-Policy"] and logs["X-Frame-Options"] == "DENY"
