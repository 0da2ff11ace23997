from django import template

from cldc.platform.returns import access
from cldc.platform.returns.as_submitted import submissions_of
from cldc.platform.returns.declarations import service_returns

register = template.Library()


@register.filter
def sees_returns(user, service):
    """Whether to offer Returns: the service's collection turns them on, and the person
    sees some organisation that makes them (the returns file's `made_by`)."""
    seen = access.organisations_with_returns(user)
    return any(seen.filter(type__in=declared.made_by).exists() for declared in service_returns(service))


@register.inclusion_tag("returns/_submitted_in.html", takes_context=True)
def submitted_in_returns(context, record):
    """On a record's page: the returns it was submitted in (returns.as_submitted)."""
    return {"submissions": list(submissions_of(record, context["request"].user)), "service": context.get("service")}
