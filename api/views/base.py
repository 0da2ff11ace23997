"""What every API view shares: the key, the rate limit, JSON in and out, and problem
details for every error. Set here rather than in REST_FRAMEWORK, because Wagtail's
admin has DRF views of its own."""

from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer

from cldc.api.authentication import ApiKeyAuthentication
from cldc.api.parsers import BoundedJSONParser
from cldc.api.problems import exception_handler
from cldc.api.throttling import ApiClientRateThrottle


class ApiView(GenericAPIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsAuthenticated]
    throttle_classes = [ApiClientRateThrottle]
    parser_classes = [BoundedJSONParser]
    renderer_classes = [JSONRenderer]

    def get_exception_handler(self):
        return exception_handler

    @property
    def client(self):
        return self.request.auth

    @property
    def service(self):
        return self.request.tenant


class PublicApiView(ApiView):
    """Open without a key: what the service publishes (rules, schemas)."""

    permission_classes = [AllowAny]
