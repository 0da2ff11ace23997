from django.apps import AppConfig


class AuditConfig(AppConfig):
    """Who read or downloaded personal data, for support (docs/operations.md, ADR 0019)."""

    name = "cldc.platform.audit"
    label = "audit"
    verbose_name = "Access to personal data"
