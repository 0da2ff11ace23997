"""One shape for every error the API returns: RFC 9457 problem details, as
`application/problem+json`.

    {"type": "urn:cldc:problem:validation-failed", "title": "The record has errors",
     "status": 422, "detail": "...", "instance": "/api/v1/records/",
     "errors": [{"field": "age1", "rule": "age1_range", "severity": "hard", "message": "..."}]}

Views raise `Problem`; DRF's own exceptions are reshaped by `exception_handler`; errors
raised outside DRF views (an unknown path, a body too large, a crash) are reshaped by
cldc.api.middleware. docs/api.md lists the types.
"""

from http import HTTPStatus

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:cldc:problem:"

# Problem types: slug -> title. A title never changes for a type; the detail says more.
TITLES = {
    "invalid-request": "Your request is not valid",
    "malformed-body": "The request body cannot be parsed",
    "unsupported-media-type": "The request body is not in a format the API accepts",
    "not-acceptable": "The API cannot answer in the format asked for",
    "not-authenticated": "No API key was sent",
    "invalid-key": "The API key is not valid",
    "key-expired": "The API key has expired",
    "key-revoked": "The API key has been revoked",
    "forbidden": "You cannot do this",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "too-large": "The request body is too large",
    "batch-too-large": "The batch has too many records",
    "rate-limited": "Too many requests",
    "validation-failed": "The record has errors",
    "stale-record": "The record has changed since you read it",
    "window-closed": "The collection window does not allow this",
    "server-error": "Something went wrong on our side",
}

# For errors that arrive as a bare status (outside DRF views).
SLUG_FOR_STATUS = {400: "invalid-request", 401: "not-authenticated", 403: "forbidden", 404: "not-found",
                   405: "method-not-allowed", 406: "not-acceptable", 413: "too-large", 415: "unsupported-media-type",
                   429: "rate-limited", 500: "server-error"}


def issue(field, rule, message, severity="hard"):
    """One entry of a problem's `errors` (and of a record's errors and warnings)."""
    return {"field": field, "rule": rule, "severity": severity, "message": str(message)}


def issues_from(findings):
    """Gateway findings (which carry more keys) in the one shape."""
    return [issue(f.get("field"), f["rule"], f["message"], f.get("severity", "hard")) for f in findings]


def problem(status, slug, detail="", *, instance="", errors=()):
    return {
        "type": TYPE_PREFIX + slug,
        "title": TITLES.get(slug) or HTTPStatus(status).phrase,
        "status": status,
        "detail": str(detail),
        "instance": instance,
        "errors": list(errors),
    }


class Problem(exceptions.APIException):
    """Raised by views: becomes a problem detail response."""

    def __init__(self, status, slug, detail, errors=(), headers=None):
        super().__init__(detail)
        self.status_code, self.slug, self.errors, self.headers = status, slug, list(errors), headers or {}


def problem_response(request, status, slug, detail="", errors=(), headers=None):
    """A problem as a plain Django response (for middleware)."""
    response = JsonResponse(problem(status, slug, detail, instance=request.path, errors=errors), status=status,
                            content_type=CONTENT_TYPE)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _join(path, key):
    if isinstance(key, int):  # DRF keys a list's errors by position
        return f"{path}[{key}]"
    if key == "non_field_errors":
        return path
    return f"{path}.{key}" if path else str(key)


def _flatten(detail, path=""):
    """DRF's nested validation errors as a flat list, each named by its path
    (`answers.age1`, `records[3].version`)."""
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in _flatten(value, _join(path, key))]
    if isinstance(detail, list):
        if all(isinstance(item, exceptions.ErrorDetail) for item in detail):
            return [issue(path or None, item.code, item) for item in detail]
        return [e for index, item in enumerate(detail) for e in _flatten(item, f"{path}[{index}]")]
    return [issue(path or None, getattr(detail, "code", "invalid"), detail)]


def describe(exc):
    """(slug, detail, errors) for an exception DRF knows."""
    if isinstance(exc, Problem):
        return exc.slug, exc.detail, exc.errors
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        names = ", ".join(sorted({e["field"] for e in errors if e["field"]}))
        return "invalid-request", f"Check these fields: {names}" if names else errors[0]["message"], errors
    if isinstance(exc, exceptions.ParseError):
        return "malformed-body", exc.detail, []  # DRF says which: "JSON parse error - ..."
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return "unsupported-media-type", f"{exc.detail} Send the body as the endpoint documents it.", []
    if isinstance(exc, exceptions.Throttled):
        return "rate-limited", f"This API client has made too many requests. Try again in {exc.wait} seconds.", []
    if isinstance(exc, exceptions.NotAuthenticated):
        return "not-authenticated", "Send an API key: `Authorization: Bearer cldc_...`", []
    if isinstance(exc, exceptions.AuthenticationFailed):
        return getattr(exc, "problem_type", "invalid-key"), exc.detail, []
    slug = SLUG_FOR_STATUS.get(exc.status_code, "invalid-request")
    return slug, exc.detail, []


def exception_handler(exc, context):
    """DRF's handler (status, headers such as Retry-After and WWW-Authenticate), with
    a problem detail as the body. Anything else is left to cldc.api.middleware."""
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if not isinstance(exc, exceptions.APIException):  # Django's Http404 and PermissionDenied
        exc = exceptions.NotFound() if response.status_code == 404 else exceptions.PermissionDenied()
    slug, detail, errors = describe(exc)
    response.data = problem(response.status_code, slug, detail, instance=context["request"].path, errors=errors)
    response.content_type = CONTENT_TYPE
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response
