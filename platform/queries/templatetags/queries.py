from django import template

from cldc.platform.organisations import policy
from cldc.platform.queries import access
from cldc.platform.queries.models import Query, Status

register = template.Library()

WAITING_SHOWN = 5


@register.inclusion_tag("queries/_home_queries.html", takes_context=True)
def queries_waiting(context):
    """The open queries on the logs the signed-in person may change, on their home page."""
    request = context["request"]
    waiting = Query.objects.awaiting(request.user)
    return {"awaiting": list(waiting.select_related("record")[:WAITING_SHOWN]), "total": waiting.count(),
            "service": request.tenant}


@register.inclusion_tag("queries/_log_queries.html", takes_context=True)
def queries_on_log(context, record):
    """The queries on a log: those not resolved yet, those resolved (folded away: what was
    asked before, and what came of it), and whether this person may raise one."""
    request = context["request"]
    queries = list(Query.objects.visible_to(request.user).filter(record=record).select_related("record"))
    return {"queries": [query for query in queries if query.status != Status.RESOLVED],
            "resolved": [query for query in queries if query.status == Status.RESOLVED],
            "record": record, "service": request.tenant, "may_raise": access.may_raise(request.user, record)}


@register.filter
def sees_queries(user):
    """Whether the person has a role that sees queries: analysts and support, and the
    people of an organisation (each sees the queries on the logs they see)."""
    return policy.role_of(user) is not None


@register.simple_tag(takes_context=True)
def queried_answers(context, record):
    """{question id: query} for the answers of a log that have a query not yet resolved,
    as this person sees them: a marker beside each answer on the log's pages."""
    queries = (Query.objects.visible_to(context["request"].user).filter(record=record)
               .exclude(status=Status.RESOLVED).exclude(question="").order_by("pk"))
    return {query.question: query for query in queries}


@register.filter
def for_question(queried, question_id):
    """The query on one answer, from queried_answers, or None."""
    return queried.get(question_id)
