"""/healthz, /readyz and /metrics, answered before tenancy: a probe or a scraper asks
by address, not by a service's host name, and /healthz must not touch the database."""

import hmac
import ipaddress

import psycopg
import redis
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from django_tenants.utils import get_tenant_model

from cldc.platform.operations.metrics import registry

TIMEOUT_SECONDS = 2


def healthz(request):
    """The process is up and answers. Nothing else is checked: a restart cannot mend
    the database."""
    return JsonResponse({"status": "ok"})


def database_problem():
    """A new connection, not Django's: one already open would hide a server that has
    gone. Read from settings when asked, so a changed DATABASES is what is checked."""
    database = settings.DATABASES["default"]
    try:
        with psycopg.connect(host=database["HOST"], port=database["PORT"], dbname=database["NAME"],
                             user=database["USER"], password=database["PASSWORD"],
                             connect_timeout=TIMEOUT_SECONDS) as checking:
            checking.execute("SELECT 1")
    except psycopg.Error as error:
        return f"cannot connect: {type(error).__name__}"
    return None


def redis_problem():
    problems = []
    for url in sorted({settings.REDIS_URL, settings.CELERY_BROKER_URL}):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=TIMEOUT_SECONDS, socket_timeout=TIMEOUT_SECONDS).ping()
        except redis.RedisError as error:
            problems.append(f"cannot connect: {type(error).__name__}")
    return "; ".join(problems) or None


_migrations_fine = False  # once every schema has every migration, it stays so for this code


def migrations_problem():
    """Every migration in this code applied: the shared apps' in the public schema, the
    services' apps' in each service's schema (django-tenants migrates them apart)."""
    global _migrations_fine
    if _migrations_fine:
        return None
    graph = MigrationLoader(None, ignore_no_migrations=True).graph

    def labels(app_names):
        return {config.label for config in apps.get_app_configs() if config.name in app_names}

    def missing_in(schema_name, app_labels):
        connection.set_schema(schema_name)
        applied = MigrationRecorder(connection).applied_migrations()
        return [node for node in graph.nodes if node[0] in app_labels and node not in applied]

    shared, tenant = labels(settings.SHARED_APPS), labels(settings.TENANT_APPS)
    missing = {}
    try:
        schemas = [("public", shared)]
        connection.set_schema_to_public()
        schemas += [(name, tenant) for name in get_tenant_model().objects.exclude(schema_name="public")
                    .values_list("schema_name", flat=True)]
        for schema_name, app_labels in schemas:
            if unapplied := missing_in(schema_name, app_labels):
                missing[schema_name] = len(unapplied)
    finally:
        connection.set_schema_to_public()
    if missing:
        return "not applied: " + ", ".join(f"{count} in {schema}" for schema, count in sorted(missing.items()))
    _migrations_fine = True
    return None


def readyz(request):
    """Ready for traffic: 200, or 503 naming each part that is failing."""
    checks = {"database": database_problem(), "redis": redis_problem()}
    # Migrations are read from the database: not asked when it cannot be reached.
    checks["migrations"] = migrations_problem() if checks["database"] is None else "not checked: no database"
    failing = {part: problem for part, problem in checks.items() if problem}
    body = {"status": "failing" if failing else "ok",
            "checks": {part: failing.get(part, "ok") for part in checks}}
    return JsonResponse(body, status=503 if failing else 200)


def may_read_metrics(request):
    """With CLDC_METRICS_TOKEN set, a scraper sends it as a bearer token; without it,
    only addresses in CLDC_METRICS_ALLOWED_NETWORKS (loopback by default) may read."""
    if settings.CLDC_METRICS_TOKEN:
        sent = request.headers.get("Authorization", "").removeprefix("Bearer ")
        return hmac.compare_digest(sent.encode(), settings.CLDC_METRICS_TOKEN.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(network) for network in settings.CLDC_METRICS_ALLOWED_NETWORKS)


def metrics(request):
    if not may_read_metrics(request):
        return HttpResponse("Not found", status=404, content_type="text/plain")
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)


ENDPOINTS = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics}


class OperationsEndpointsMiddleware:
    """Before ServiceMiddleware: these three answer on any host, in no service."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/"))
        if endpoint is None:
            return self.get_response(request)
        return endpoint(request)
