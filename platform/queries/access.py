"""Who may do what with queries. Seeing a query is seeing its log (Record.visible_to):
anything else is a 404. On a log they can see, an action they may not take is a 403."""

from cldc.platform.organisations import policy
from cldc.platform.people.models import StaffRole
from cldc.platform.records.models import Record


def raisable_records(user):
    """The logs this person may raise a query on: every log they see, for analysts and
    support; for a data coordinator, the logs owned by the children of the organisations
    they coordinate (a parent checks the data of those it oversees). Providers answer
    queries; they do not raise them."""
    visible = Record.objects.visible_to(user)
    if user.staff_role in (StaffRole.ANALYST, StaffRole.SUPPORT):
        return visible
    if user.staff_role:
        return visible.none()
    overseen = policy.children_of(policy.organisations_managed(user))
    return visible.filter(owning_organisation__in=overseen)


def may_raise(user, record):
    return raisable_records(user).filter(pk=record.pk).exists()


def may_answer(user, query):
    """Those who may change the log answer its queries (and correct its answers); not
    the person who asked (a parent's coordinator may change the log they query)."""
    return query.raised_by_id != user.pk and Record.objects.changeable_by(user).filter(pk=query.record_id).exists()


def may_settle(user, query):
    """Resolving and reopening: the person who raised the query, or any analyst."""
    return query.raised_by_id == user.pk or user.staff_role == StaffRole.ANALYST
