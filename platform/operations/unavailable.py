"""A database that cannot be reached (restarting, failing over, out of connections) is
an outage, not a bug: the person gets the service's "unavailable" page with status 503
and Retry-After, and an API client a problem detail saying the same, instead of the
500 page. Django calls handler500 for any exception nothing else handled, wherever it
was raised (the service is chosen from the database in ServiceMiddleware, before any
view), so this is `handler500` of both URL maps (platform/urls.py, urls_public.py).
Every later request opens a new connection, so the service recovers by itself."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.defaults import server_error as django_server_error

from cldc.api.problems import problem_response

RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"  # as cldc.api.middleware's, which imports models: not loadable from a URL map


def database_unavailable(exception):
    """Django's wrappers of psycopg's connection errors: the server is down or gone away."""
    return isinstance(exception, (OperationalError, InterfaceError))


def server_error(request):
    exception = sys.exc_info()[1]  # Django calls this inside the `except` that caught it
    if not database_unavailable(exception):
        return django_server_error(request)
    if request.path.startswith(API_PREFIX):
        return problem_response(request, 503, "unavailable", "The service cannot reach its database. Try again "
                                f"in {RETRY_AFTER_SECONDS} seconds.", headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    # Rendered with no request context, as Django's 500 page is: the context processors
    # read the service's branding and the person from the database that is down.
    page = loader.get_template("operations/503.html").render()
    return HttpResponse(page, status=503, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
