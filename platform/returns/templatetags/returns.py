from django import template

from cldc.platform.returns import access
from cldc.platform.returns.declarations import service_returns

register = template.Library()


@register.filter
def sees_returns(user, service):
    """Whether to offer Returns: the service's collection turns them on, and the person
    sees some organisation's returns."""
    return bool(service_returns(service)) and access.organisations_with_returns(user).exists()
