from dataclasses import dataclass

from django.conf import settings


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
        from cldc.platform.content.models import ServiceBranding

        branding = ServiceBranding.for_request(request)
        theme = ActiveTheme(branding.theme, branding.service_name or service.title, branding)
    request._cldc_theme = theme
    return theme


def theme(request):
    return {"theme": theme_for(request), "service": getattr(request, "tenant", None)}
