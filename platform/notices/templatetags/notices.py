from django import template

from cldc.platform.notices.models import Banner
from cldc.platform.organisations import policy
from cldc.platform.notices.views import DISMISSED

register = template.Library()


@register.inclusion_tag("notices/_banners.html", takes_context=True)
def notification_banners(context):
    """The banners showing to this person on every page of a service. Nothing on the
    platform's own pages (no service), nor where a page has no request (server errors)."""
    request = context.get("request")
    service = getattr(request, "tenant", None)
    if service is None or service.is_public:
        return {"banners": []}
    dismissed = request.session.get(DISMISSED, []) if hasattr(request, "session") else []
    banners = Banner.objects.shown_to(getattr(request, "user", None), dismissed_in_session=dismissed)
    return {"banners": list(banners), "request": request, "csrf_token": context.get("csrf_token")}


@register.filter
def is_support(user):
    """Whether the person is support, who write the banners (the home page links them)."""
    return policy.is_support(user)
