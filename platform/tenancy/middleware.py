from django.shortcuts import render
from django_tenants.middleware.main import TenantMainMiddleware


class ServiceMiddleware(TenantMainMiddleware):
    """Choose the service (and its schema) from the host name. An unknown host gets
    a plain 404 page: it is not a service, so nothing else runs."""

    def no_tenant_found(self, request, hostname):
        return render(request, "errors/unknown_service.html", {"hostname": hostname}, status=404)
