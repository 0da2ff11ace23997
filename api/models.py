"""API clients, the suppliers they may belong to, and the log of every call. Per
service (each service's schema): a key works on the service it was made for only."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

KEY_LIFETIME = timedelta(days=365)


class Supplier(models.Model):
    """A housing management system supplier, sending data for the organisations that
    have authorised it."""

    name = models.CharField(max_length=200, unique=True)
    contact = models.CharField(max_length=200, blank=True, help_text="Who to ask about the integration: a name and email")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class AuthorisationQuerySet(models.QuerySet):
    def current(self):
        return self.filter(revoked_at__isnull=True)


class SupplierAuthorisation(models.Model):
    """An organisation lets a supplier's clients act for it (and for its children),
    until the authorisation is withdrawn."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="authorisations")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = AuthorisationQuerySet.as_manager()

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "supplier"], condition=Q(revoked_at__isnull=True),
                name="one_current_authorisation_per_supplier",
            )
        ]

    def __str__(self):
        return f"{self.organisation} authorises {self.supplier}"


def default_expiry():
    return timezone.now() + KEY_LIFETIME


class ApiClient(models.Model):
    """A system that calls the API with one key. It belongs to one organisation, or to
    one supplier. The key is shown once: only its prefix (to find the client) and a
    SHA-256 digest of the whole key are kept (cldc.api.keys)."""

    name = models.CharField(max_length=200, help_text="What the key is for, e.g. the system that uses it")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, null=True, blank=True, related_name="clients")
    prefix = models.CharField(max_length=16, unique=True, help_text="The key's visible part")
    key_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole key, hex")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(default=default_expiry)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, supplier__isnull=True)
                | Q(organisation__isnull=True, supplier__isnull=False),
                name="client_of_one_organisation_or_one_supplier",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.prefix})"

    # DRF treats the authenticated principal as request.user.
    is_authenticated = True
    is_anonymous = False

    @property
    def owner(self):
        return self.organisation or self.supplier

    @property
    def is_revoked(self):
        return self.revoked_at is not None

    def is_expired(self, now=None):
        return self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self):
        return not self.is_revoked and not self.is_expired()


class ApiCall(models.Model):
    """One call to the API by an identified client: what, for whom, and the result."""

    client = models.ForeignKey(ApiClient, on_delete=models.SET_NULL, null=True, related_name="calls")
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The organisation the call acted for, when it acted for one",
    )
    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=500, help_text="The path called")
    status_code = models.PositiveSmallIntegerField()
    at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField()

    class Meta:
        ordering = ["-at"]
        indexes = [models.Index(fields=["client", "-at"])]

    def __str__(self):
        return f"{self.method} {self.endpoint} {self.status_code}"
