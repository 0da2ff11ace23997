"""The edges of every request under /api/: a body size limit checked before anything
reads the body, errors raised outside DRF views (an unknown path, a crash) turned into
problem details, and the call log."""

import logging
import re
import time
from urllib.parse import unquote_plus

from django.conf import settings
from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404
from django.utils import timezone
from django.http.multipartparser import MultiPartParserError

from cldc.api.calls import record_call
from cldc.api.keys import client_for_key
from cldc.api.models import ApiClient
from cldc.api.problems import CONTENT_TYPE, SLUG_FOR_STATUS, problem_response
from cldc.platform.operations.unavailable import database_unavailable

API_PREFIX = "/api/"
UPLOADS_PREFIX = "/api/v1/uploads/"
MULTIPART_ALLOWANCE = 1024 * 1024  # form fields and boundaries around an uploaded file
# Headers an error response keeps when its body becomes a problem detail.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate", "ETag")

KEY_IN_TEXT = re.compile(r"cldc_[0-9a-f]+_[A-Za-z0-9_\-]+")

CLIENT_ERRORS = (Http404, PermissionDenied, BadRequest, SuspiciousOperation, MultiPartParserError)

logger = logging.getLogger("cldc.api")


def body_limit(path):
    if path.startswith(UPLOADS_PREFIX):
        return settings.CLDC_UPLOAD_MAX_BYTES + MULTIPART_ALLOWANCE
    return settings.CLDC_API_MAX_BODY_BYTES


class ApiMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(API_PREFIX):
            return self.get_response(request)
        started = time.monotonic()
        response = (self.revoke_keys_in_url(request) or self.refuse_large_body(request)
                    or self.get_response(request))
        response = self.as_problem(request, response)
        record_call(request, response, started)
        return response

    def process_exception(self, request, exception):
        if not request.path.startswith(API_PREFIX):
            return None
        if isinstance(exception, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
            return problem_response(request, 413, "too-large", str(exception))
        if isinstance(exception, CLIENT_ERRORS):
            return None  # Django answers 400, 403 or 404; __call__ makes it a problem
        if database_unavailable(exception):
            return None  # an outage: handler500 answers 503 (cldc.platform.operations.unavailable)
        logger.exception("API error on %s %s", request.method, request.path)
        return problem_response(request, 500, "server-error",
                                "The error has been logged. Try again later, or contact the service desk.")

    @staticmethod
    def revoke_keys_in_url(request):
        """A key sent in a URL is no longer secret: proxies, access logs and browser
        histories keep URLs. Any key of this service found there is revoked, and the
        call refused with the same answer whether or not it was a real key."""
        keys = KEY_IN_TEXT.findall(unquote_plus(request.META.get("QUERY_STRING", "")))
        if not keys:
            return None
        for key in keys:
            client = client_for_key(key)
            if client is not None:
                ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        return problem_response(
            request, 401, "key-in-url",
            "An API key was sent in the URL, where logs keep it. If it was a real key, it has been revoked: "
            "make a new key, and send it only in the header `Authorization: Bearer cldc_...`.")

    @staticmethod
    def refuse_large_body(request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return problem_response(request, 400, "invalid-request", "The Content-Length header is not a number")
        limit = body_limit(request.path)
        if length > limit:
            return problem_response(
                request, 413, "too-large",
                f"The request body is {length:,} bytes; this endpoint accepts at most {limit:,} bytes.")
        return None

    @staticmethod
    def as_problem(request, response):
        """An error response that is not yet a problem detail (Django's 404 page for an
        unknown path, a 405, a CSRF refusal) becomes one, keeping its status."""
        if response.status_code < 400 or response.get("Content-Type", "").startswith(CONTENT_TYPE):
            return response
        status = response.status_code
        slug = SLUG_FOR_STATUS.get(status, "invalid-request" if status < 500 else "server-error")
        detail = {404: f"There is nothing at {request.path}. The endpoints are listed at /api/v1/schema/."}.get(status, "")
        kept = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
        return problem_response(request, status, slug, detail, headers=kept)
