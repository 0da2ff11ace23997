"""API keys: `cldc_<prefix>_<secret>`. The prefix finds the client; the whole key is
kept only as a SHA-256 digest (a random 256-bit secret needs no slow hash), compared
in constant time. The key itself is shown once, when the client is made, and is never
stored or logged."""

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from cldc.api.models import ApiClient

SCHEME = "cldc"
PREFIX_BYTES = 6  # 12 hex characters
SECRET_BYTES = 32


def digest(key):
    return hashlib.sha256(key.encode()).hexdigest()


@dataclass
class NewKey:
    client: ApiClient
    key: str  # shown once


def create_client(*, name, created_by, organisation=None, supplier=None, expires_at=None):
    """A new client and its key. The caller shows `key` once and forgets it."""
    prefix = _unused_prefix()
    key = f"{SCHEME}_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    fields = {"expires_at": expires_at} if expires_at else {}
    client = ApiClient.objects.create(
        name=name, organisation=organisation, supplier=supplier, prefix=prefix, key_hash=digest(key),
        created_by=created_by, **fields,
    )
    return NewKey(client, key)


def _unused_prefix():
    while True:
        prefix = secrets.token_hex(PREFIX_BYTES)
        if not ApiClient.objects.filter(prefix=prefix).exists():
            return prefix


def client_for_key(key):
    """The client a key belongs to (usable or not), or None if the key is not one of
    this service's keys."""
    scheme, _, rest = (key or "").partition("_")
    prefix, _, secret = rest.partition("_")
    if scheme != SCHEME or not prefix or not secret:
        return None
    client = ApiClient.objects.select_related("organisation", "supplier").filter(prefix=prefix).first()
    if client is None or not hmac.compare_digest(client.key_hash, digest(key)):
        return None
    return client
