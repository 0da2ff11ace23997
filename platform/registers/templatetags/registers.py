"""`{% register_links %}`: a link to each register of the service's collections (CORE's
schemes) on the home page, for people who act for an organisation or support."""

from django import template
from django.urls import reverse
from django.utils.html import format_html_join

from cldc.platform.organisations import policy
from cldc.platform.registers import declaration

register = template.Library()


@register.simple_tag(takes_context=True)
def register_links(context):
    request = context.get("request")
    service = context.get("service") or getattr(request, "tenant", None)
    user = getattr(request, "user", None)
    if service is None or user is None or not (policy.is_support(user) or policy.own_organisations(user).exists()):
        return ""
    found = [one for name in service.collections for one in declaration.registers(name).values() if one.parent is None]
    return format_html_join("", '<li><a class="govuk-link" href="{}">{}</a></li>',
                            ((reverse("register-list", kwargs={"name": one.name}), one.nouns.capitalize()) for one in found))
