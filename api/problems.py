"""One shape for every error the API returns: RFC 9457 problem details, as
`application/problem+json`.

    {"type": "urn:cldc:problem:validation-failed", "title": "The record has errors",
     "status": 422, "detail": "...", "instance": "/api/v1/records/",
     "errors": [{"field": "age1", "rule": "age1_range", "severity": "hard", "message": "..."}]}

Views raise `Problem`; DRF's own exceptions are reshaped by `exception_handler`; errors
raised outside DRF views (an unknown path, a body too large, a crash) are reshaped by
cldc.api.middleware. PROBLEM_TYPES lists the types; the reference page shows them.
"""

from http import HTTPStatus
from typing import NamedTuple

from django.http import JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

CONTENT_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:cldc:problem:"


class ProblemType(NamedTuple):
    status: int
    title: str  # never changes for a type; the detail says more
    when: str  # for the reference page (cldc.api.reference)


# Every problem type, by slug: `type` is TYPE_PREFIX + slug.
PROBLEM_TYPES = {
    "invalid-request": ProblemType(
        400, "Your request is not valid",
        "A field the endpoint does not know (named in errors, never ignored), a missing or wrongly typed field, an "
        "answer to a question the version does not have or to a derived value, an unknown record type, version or "
        "collection, a bad filter, or a confirm id that is not a soft check."),
    "malformed-body": ProblemType(400, "The request body cannot be parsed",
                                  "The body is not valid JSON, or not a readable multipart form."),
    "not-authenticated": ProblemType(401, "No API key was sent", "No Authorization header."),
    "invalid-key": ProblemType(401, "The API key is not valid",
                               "A key this service does not know, or a header that is not Bearer cldc_..."),
    "key-expired": ProblemType(401, "The API key has expired", "The key is past its expiry date."),
    "key-revoked": ProblemType(401, "The API key has been revoked", "The key has been revoked."),
    "key-in-url": ProblemType(401, "An API key was sent in the URL",
                              "A key in a query string is written to logs on its way: it is revoked at once. Send "
                              "keys only in the Authorization header."),
    "forbidden": ProblemType(403, "You cannot do this",
                             "An upload by a key whose maker is no longer active."),
    "not-found": ProblemType(404, "Not found",
                             "No such path, or a record or upload the client may not see: exactly as if it did not "
                             "exist."),
    "method-not-allowed": ProblemType(405, "Method not allowed", "The Allow header lists the methods allowed."),
    "not-acceptable": ProblemType(406, "The API cannot answer in the format asked for",
                                  "An Accept header that JSON does not meet."),
    "window-closed": ProblemType(409, "The collection window does not allow this",
                                 "Changing or deleting a record after its collection year's last day for changes, or "
                                 "moving one into a year that has not opened or no longer takes changes."),
    "stale-record": ProblemType(412, "The record has changed since you read it",
                                "If-Match names a version the record has moved on from."),
    "too-large": ProblemType(413, "The request body is too large", "A body over the size limit, refused unread."),
    "batch-too-large": ProblemType(413, "The batch has too many records", "A batch over the most records allowed."),
    "unsupported-media-type": ProblemType(415, "The request body is not in a format the API accepts",
                                          "A body that is not application/json (uploads: multipart/form-data)."),
    "validation-failed": ProblemType(
        422, "The record has errors",
        "The gateway refused a value sent (errors has each rule), an organisation or person the client may not "
        "name, a collection year not open for new records, or an upload file that cannot be read."),
    "rate-limited": ProblemType(429, "Too many requests", "Over the rate limit: the Retry-After header says when "
                                                          "to try again, in seconds."),
    "server-error": ProblemType(500, "Something went wrong on our side",
                                "Our fault: logged, with no internals in the answer."),
    "unavailable": ProblemType(503, "The service is unavailable",
                               "The database cannot be reached (a restart or an outage): the Retry-After header says "
                               "when to try again, in seconds."),
}
TITLES = {slug: kind.title for slug, kind in PROBLEM_TYPES.items()}

# For errors that arrive as a bare status (outside DRF views).
SLUG_FOR_STATUS = {400: "invalid-request", 401: "not-authenticated", 403: "forbidden", 404: "not-found",
                   405: "method-not-allowed", 406: "not-acceptable", 413: "too-large", 415: "unsupported-media-type",
                   429: "rate-limited", 500: "server-error", 503: "unavailable"}


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
