"""A rate limit per API client, counted in the service's cache (its keys are
tenant-aware). The rate is settings.CLDC_API_RATE_LIMIT, read at each request so tests
and deployments can change it."""

import math

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def __init__(self):
        self.rate = settings.CLDC_API_RATE_LIMIT
        super().__init__()

    def get_cache_key(self, request, view):
        client = getattr(request, "auth", None)
        if client is None:
            return None  # public endpoints: nothing to count against
        return self.cache_format % {"scope": self.scope, "ident": client.pk}

    def wait(self):
        wait = super().wait()
        return None if wait is None else max(1, math.ceil(wait))
