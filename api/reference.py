"""The API's readable reference, in the service's theme, open to everyone like the
OpenAPI document: what the API is, keys, the error shape, every endpoint, limits,
versions, and a worked example. The endpoints are read from the OpenAPI document, the
problem types from cldc.api.problems, the versions from the service's collections and
the example from its collection packages (cldc.api.examples), so the page says what
the service does, not what someone remembered to write."""

from functools import cache

from django.conf import settings
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe
from drf_spectacular.generators import SchemaGenerator

from cldc.api.examples import examples, find
from cldc.api.forms import NewClientForm
from cldc.api.problems import PROBLEM_TYPES, TYPE_PREFIX
from cldc.api.throttling import calls_and_seconds
from cldc.api.views.definitions import links, published
from cldc.api.views.records import Pages
from cldc.platform import registry

# The document's tags, in the order a reader needs them, with their headings.
TAGS = {"records": "Records", "uploads": "File uploads", "definitions": "Definitions: the rules and the JSON Schema"}
METHODS = ("get", "post", "put", "patch", "delete")
PERIODS = {1: "a second", 60: "a minute", 3600: "an hour", 86400: "a day"}


@cache
def openapi_document():
    """The document /api/v1/schema/ serves (the same generator; it changes only with the code)."""
    return SchemaGenerator().get_schema(request=None, public=True)


def with_code(text):
    """The document's descriptions mark code with backticks: show it as code."""
    parts = str(text).split("`")
    return mark_safe("".join(f"<code>{escape(part)}</code>" if index % 2 else escape(part)
                             for index, part in enumerate(parts)))


def endpoints():
    """[(heading, [operation, ...])] for every operation of the OpenAPI document."""
    groups = {}
    for path, operations in openapi_document()["paths"].items():
        for method in METHODS:
            operation = operations.get(method)
            if operation is None:
                continue
            tag = (operation.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append({
                "method": method.upper(), "path": path, "id": operation["operationId"],
                "description": with_code(operation.get("description", "")),
                "needs_key": bool(operation.get("security")),
            })
    order = list(TAGS) + sorted(set(groups) - set(TAGS))
    return [(TAGS.get(tag, tag.title()), groups[tag]) for tag in order if tag in groups]


def rate_limit():
    """CLDC_API_RATE_LIMIT in words: "600 calls a minute"."""
    calls, seconds = calls_and_seconds(settings.CLDC_API_RATE_LIMIT)
    return f"{calls:,} calls {PERIODS[seconds]}"  # rates are per second, minute, hour or day


def or_list(words):
    """["30 days", "6 months", "1 year"] -> "30 days, 6 months or 1 year"."""
    return " or ".join(filter(None, [", ".join(words[:-1]), words[-1]]))


def versions(service):
    """[(collection title, [published version with its links])] for the service."""
    by_collection = {}
    for version in published(service):
        by_collection.setdefault(version["collection"], []).append({**version, **links(version)})
    return [(registry.get(name).title, found) for name, found in by_collection.items()]


def reference(request):
    service = request.tenant
    example = next(iter(examples(service)), None)
    return render(request, "api/reference.html", {
        "page_title": "API reference",
        "base_url": request.build_absolute_uri("/api/v1/"),
        "endpoints": endpoints(),
        "problem_types": sorted(PROBLEM_TYPES.items(), key=lambda item: item[1].status),
        "type_prefix": TYPE_PREFIX,
        "rate_limit": rate_limit(),
        "key_lifetimes": or_list([label for _, label in NewClientForm.base_fields["lifetime"].choices]),
        "batch_max": f"{settings.CLDC_API_BATCH_MAX:,}",
        "validate_only_limits": [(registry.get(name).title, f"{registry.get(name).validate_only_max:,}")
                                 for name in service.collections if registry.get(name).validate_only_max],
        "page_size": Pages.page_size,
        "max_page_size": f"{Pages.max_page_size:,}",
        "body_max_mb": settings.CLDC_API_MAX_BODY_BYTES // (1024 * 1024),
        "upload_max_mb": settings.CLDC_UPLOAD_MAX_BYTES // (1024 * 1024),
        "versions": versions(service),
        "example": example,
        **(example_links(request, example) if example else {}),
    })


def example_links(request, example):
    where = {"collection": example.collection, "record_type": example.record_type, "version": example.version}
    return {"collection_title": registry.get(example.collection).title,
            "example_url": request.build_absolute_uri(reverse("api-example", kwargs=where)),
            "change_url": request.build_absolute_uri(reverse("api-example-change", kwargs=where))}


def example_file(request, collection, record_type, version, change=False):
    """An example body as a file, byte for byte, for `curl --data-binary @file`."""
    example = find(request.tenant, collection, record_type, version)
    path = example and (example.change_path if change else example.path)
    if path is None or not path.exists():
        raise Http404("No such example")
    return FileResponse(path.open("rb"), content_type="application/json",
                        filename=example.change_filename if change else example.filename)
