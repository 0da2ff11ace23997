from django import template
from django.utils import timezone

from cldc.platform.windows.service import deadlines

register = template.Library()


@register.inclusion_tag("windows/deadlines.html", takes_context=True)
def submission_deadlines(context):
    """The deadlines of the service's open collection years, as support set them."""
    request = context["request"]
    return {"deadlines": deadlines(request.tenant), "today": timezone.localdate(), "service": request.tenant}
