from django.core.cache import caches
from django.db.models.signals import post_delete, post_save
from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware


class ServiceMiddleware(TenantMainMiddleware):
    """Choose the service (and its schema) from the host name. An unknown host gets
    a plain 404 page: it is not a service, so nothing else runs."""

    def get_tenant(self, domain_model, hostname):
        """Every request looks its service up by host name, and services change rarely:
        the process cache keeps it (a copy for each request: django-tenants sets
        attributes on it); an unknown host raises, and is not kept."""
        key = f"service:{hostname}"
        service = caches["process"].get(key)
        if service is None:
            service = super().get_tenant(domain_model, hostname)
            caches["process"].set(key, service)
        return service

    def no_tenant_found(self, request, hostname):
        return render(request, "errors/unknown_service.html", {"hostname": hostname}, status=404)


def forget_kept(**kwargs):
    """A service, its host names or its branding changed: this process forgets what it kept."""
    caches["process"].clear()


for _model in ("tenancy.Service", "tenancy.Domain", "content.ServiceBranding", "wagtailcore.Site"):
    post_save.connect(forget_kept, sender=_model, dispatch_uid=f"forget_kept_saved:{_model}")
    post_delete.connect(forget_kept, sender=_model, dispatch_uid=f"forget_kept_deleted:{_model}")
