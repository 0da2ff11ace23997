"""The call log: every call by an identified client (refused ones included), with the
organisation it acted for when there was one. Views say which with `acting_for`."""

import time

from cldc.api.models import ApiCall


def acting_for(request, organisation):
    """Note the organisation a call acts for (DRF's request or Django's)."""
    getattr(request, "_request", request).api_organisation = organisation


def record_call(request, response, started):
    client = getattr(request, "api_client", None)
    if client is None:  # no key, or a key this service does not know: nothing to name
        return
    organisation = getattr(request, "api_organisation", None)
    ApiCall.objects.create(
        client=client, organisation_id=getattr(organisation, "pk", None), method=request.method,
        endpoint=request.path[:500], status_code=response.status_code,
        duration_ms=int((time.monotonic() - started) * 1000),
    )
