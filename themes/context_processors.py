import time
from dataclasses import dataclass

from django.conf import settings
from django.db.models.signals import post_delete, post_save

# A service's branding is read on every page and changes rarely (Wagtail's settings):
# each process keeps it this long, and forgets it at once when the process saves one.
# Other processes (the other web workers) show a change within this time.
BRANDING_SECONDS = 30
_brandings = {}  # {(schema, host): (monotonic time it expires, ServiceBranding)}


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
    queries), kept by this process for BRANDING_SECONDS."""
    from cldc.platform.content.models import ServiceBranding

    key = (request.tenant.schema_name, request.get_host())
    now = time.monotonic()
    kept = _brandings.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    branding = ServiceBranding.for_request(request)
    _brandings[key] = (now + BRANDING_SECONDS, branding)
    return branding


def forget_brandings(**kwargs):
    _brandings.clear()


for _model in ("content.ServiceBranding", "wagtailcore.Site"):
    post_save.connect(forget_brandings, sender=_model, dispatch_uid=f"forget_brandings_saved:{_model}")
    post_delete.connect(forget_brandings, sender=_model, dispatch_uid=f"forget_brandings_deleted:{_model}")


def theme(request):
    return {"theme": theme_for(request), "service": getattr(request, "tenant", None)}
