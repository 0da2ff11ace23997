"""A rate limit per API client: django-ratelimit's fixed window, counted with an atomic
increment in the service's cache (Redis; its keys are tenant-aware), so parallel calls
cannot slip past it as they did past DRF's read-then-write history. The rate is
settings.CLDC_API_RATE_LIMIT ("600/minute"), read at each request so tests and
deployments can change it."""

from django.conf import settings
from django_ratelimit.core import _split_rate, get_usage
from rest_framework.throttling import BaseThrottle

GROUP = "cldc.api.client"


def client_key(group, request):
    return str(request.auth.pk)


class ApiClientRateThrottle(BaseThrottle):
    def allow_request(self, request, view):
        if getattr(request, "auth", None) is None:
            return True  # public endpoints: nothing to count against
        usage = get_usage(request, group=GROUP, key=client_key, rate=settings.CLDC_API_RATE_LIMIT, increment=True)
        self.seconds_left = usage["time_left"]
        return not usage["should_limit"]

    def wait(self):
        return max(1, self.seconds_left)


def calls_and_seconds(rate):
    """(calls, seconds) of a rate, read by the parser the limit itself uses."""
    return _split_rate(rate)
