from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches


@dataclass
class ActiveTheme:
    name: str
    service_name: str
    branding: object = None  # the service's ServiceBranding setting, when it has one

    @property
    def base_template(self):
        return f"{self.name}/base.html"

    @property
    def stylesheet(self):
        return f"themes/{self.name}.css"


def theme_for(request):
    """The theme of the service that serves this request; GOV.UK where there is none
    (the platform's own pages, or an unknown host)."""
    cached = getattr(request, "_cldc_theme", None)
    if cached:
        return cached
    service = getattr(request, "tenant", None)
    if service is None or service.is_public:
        theme = ActiveTheme("govuk", settings.WAGTAIL_SITE_NAME if service else "Service not found")
    else:
        branding = service_branding(request)
        theme = ActiveTheme(branding.theme, branding.service_name or service.title, branding)
    request._cldc_theme = theme
    return theme


def service_branding(request):
    """The ServiceBranding of the request's site (Wagtail's Site and the setting: two
    queries), read on every page and changed rarely: kept in the process cache, which
    forgets it when this process saves one (tenancy.middleware.forget_kept)."""
    from cldc.platform.content.models import ServiceBranding

    key = f"branding:{request.tenant.schema_name}:{request.get_host()}"
    branding = caches["process"].get(key)
    if branding is None:
        branding = ServiceBranding.for_request(request)
        caches["process"].set(key, branding)
    return branding


def theme(request):
    return {"theme": theme_for(request), "service": getattr(request, "tenant", None)}
