"""URLs of a service (any tenant schema)."""

from django.urls import include, path
from django.views.generic import TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("", include("cldc.platform.people.urls")),
    path("", include("cldc.platform.organisations.urls")),
    path("accessibility/", TemplateView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Wagtail serves the home page and guidance: keep it last.
    path("", include(wagtail_urls), name="home"),
]
