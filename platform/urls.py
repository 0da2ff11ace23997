"""URLs of a service (any tenant schema)."""

from django.urls import include, path, re_path
from django.views.generic import RedirectView, TemplateView
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

urlpatterns = [
    path("", include("cldc.platform.people.urls")),
    path("", include("cldc.platform.organisations.urls")),
    path("", include("cldc.platform.forms.urls")),
    path("", include("cldc.platform.uploads.urls")),
    path("", include("cldc.platform.exports.urls")),
    path("", include("cldc.platform.xmlfiles.urls")),
    path("", include("cldc.platform.quality.urls")),
    path("", include("cldc.platform.playback.urls")),
    path("", include("cldc.platform.queries.urls")),
    path("", include("cldc.platform.returns.urls")),
    path("", include("cldc.platform.registers.urls")),  # register entries: CORE's schemes (docs/registers.md)
    path("", include("cldc.platform.notices.urls")),
    path("", include("cldc.platform.resources.urls")),
    path("", include("cldc.platform.audit.urls")),  # support: who read or downloaded personal data
    path("", include("cldc.api.urls")),  # /api/v1/ and the API client pages
    path("accessibility/", TemplateView.as_view(template_name="pages/accessibility.html"), name="accessibility"),
    # Wagtail's own user screens assume first and last names, and would bypass the
    # invitation flow: people are managed in admin_ui's People screen instead.
    re_path(r"^admin/users/", RedirectView.as_view(url="/admin/people/")),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # Wagtail serves the home page and guidance: keep it last.
    path("", include(wagtail_urls), name="home"),
]

# The database unreachable: 503 and the "unavailable" page; any other error: the 500 page.
handler500 = "cldc.platform.operations.unavailable.server_error"
