"""`Authorization: Bearer cldc_...`: the API's only authentication. An unknown key, an
expired key and a revoked key are each a 401 with its own problem detail."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from cldc.api.keys import client_for_key
from cldc.api.models import ApiClient

LAST_USED_EVERY = timedelta(minutes=1)  # at most one write a minute per client


class KeyProblem(exceptions.AuthenticationFailed):
    def __init__(self, detail, slug):
        super().__init__(detail)
        self.problem_type = slug


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _, key = header.strip().partition(" ")
        if keyword.lower() != self.keyword.lower() or not key.strip():
            raise KeyProblem("Send the key as `Authorization: Bearer cldc_...`", "invalid-key")
        client = client_for_key(key.strip())
        if client is None:
            raise KeyProblem("This API key is not valid for this service", "invalid-key")
        request._request.api_client = client  # the call log names it, even when refused below
        if client.is_revoked:
            raise KeyProblem("This API key has been revoked", "key-revoked")
        if client.is_expired():
            raise KeyProblem("This API key has expired", "key-expired")
        now = timezone.now()
        if client.last_used_at is None or now - client.last_used_at > LAST_USED_EVERY:
            ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        return client, client

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = ApiKeyAuthentication
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "cldc_<prefix>_<secret>",
                "description": "An API key made by your organisation's data coordinator"}
