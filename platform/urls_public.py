"""URLs of the platform itself (the public schema, on localhost): the list of services."""

from django.shortcuts import render
from django.urls import path

from cldc.platform.tenancy.models import Service


def service_list(request):
    services = Service.objects.exclude(schema_name="public").prefetch_related("domains")
    return render(request, "tenancy/service_list.html", {"services": services})


urlpatterns = [path("", service_list, name="service-list")]

# The database unreachable: 503 and the "unavailable" page; any other error: the 500 page.
handler500 = "cldc.platform.operations.unavailable.server_error"
