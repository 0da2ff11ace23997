import copy
import time

from django.db.models.signals import post_delete, post_save
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware

# Every request looks its service up by host name, and services change rarely: each
# process keeps what it found this long, and forgets it at once when the process saves a
# service or a domain. Other processes see a change within this time (docs/operations.md).
SERVICE_SECONDS = 30
_services = {}  # {host name: (monotonic time it expires, Service)}


class ServiceMiddleware(TenantMainMiddleware):
    """Choose the service (and its schema) from the host name. An unknown host gets
    a plain 404 page: it is not a service, so nothing else runs."""

    def get_tenant(self, domain_model, hostname):
        now = time.monotonic()
        kept = _services.get(hostname)
        if kept is None or kept[0] <= now:  # an unknown host raises, and is not kept
            kept = (now + SERVICE_SECONDS, super().get_tenant(domain_model, hostname))
            _services[hostname] = kept
        return copy.copy(kept[1])  # a request's own: django-tenants sets attributes on it

    def no_tenant_found(self, request, hostname):
        return render(request, "errors/unknown_service.html", {"hostname": hostname}, status=404)


def forget_services(**kwargs):
    _services.clear()


for _model in ("tenancy.Service", "tenancy.Domain"):
    post_save.connect(forget_services, sender=_model, dispatch_uid=f"forget_services_saved:{_model}")
    post_delete.connect(forget_services, sender=_model, dispatch_uid=f"forget_services_deleted:{_model}")
