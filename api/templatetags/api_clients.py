from django import template

from cldc.platform.organisations import policy

register = template.Library()


@register.filter
def manages_api_clients(user):
    """Whether the navigation offers the API keys page: coordinators and support."""
    return policy.is_support(user) or policy.organisations_managed(user).exists()
