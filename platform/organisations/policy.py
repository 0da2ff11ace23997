"""Who may act for which organisation. Every permission question about
organisations is answered here, and nowhere else.

- A person acts for the organisations they are an active member of, and for the
  children of those organisations through an active relationship (one level: a
  parent acts for its child, not for its grandchild).
- Support staff act for every active organisation.
- Other staff (analysts, content designers, collection administrators) do not act
  for organisations: they read or edit content, not submit data.
- A certifier (a membership role) does not act for their organisation: they see its
  records and figures, and sign off its returns where the package lets them
  (organisations_certified; returns/access.py).
- A data coordinator manages the people of their own organisation; support
  manages everyone. A parent's coordinator does not manage the child's people.
- Inactive people, ended memberships, ended relationships and closed
  organisations grant nothing.
- From its merge date, an organisation is part of the one that absorbed it: whoever
  acts for the absorbing organisation acts for the merged one too (its records keep
  its name: docs/adr/0016), through any chain of merges.

Within one request the organisations a person acts for or certifies, and their roles,
are asked once (a page's list, filters, navigation and checks ask several times): the
request's user carries a memo (remember_for_request, set by
people.middleware.RequestMemoMiddleware) that dies with the request, so a change of
membership counts from the next request.
A user object without one (tasks, commands, tests) asks the database every time.
"""

from datetime import date

from django.db.models import Q
from django.http import Http404

from cldc.platform.organisations import merges
from cldc.platform.organisations.models import Membership, MembershipRole, Organisation, OrganisationRelationship
from cldc.platform.people.models import StaffRole, User


def remember_for_request(user):
    """Give the request's user a memo of the answers below; it lives as long as the
    request's user object, which AuthenticationMiddleware makes anew for every request."""
    if user is not None and user.is_authenticated:
        user._policy_memo = {}
    return user


def remembered(user, key, ask):
    """ask() once a request for the request's user (remember_for_request); each time for
    any other user object."""
    memo = getattr(user, "_policy_memo", None)
    if memo is None:
        return ask()
    if key not in memo:
        memo[key] = ask()
    return memo[key]


def is_support(user):
    return bool(user and user.is_authenticated and user.is_active and user.staff_role == StaffRole.SUPPORT)


def support_only(user):
    """A page only support may see: for anyone else it does not exist (404, not 403)."""
    if not is_support(user):
        raise Http404("No such page")


def _memberships(user, on):
    return Membership.objects.active(on).filter(user=user, organisation__in=Organisation.objects.active(on))


def own_organisations(user, on=None):
    """The active organisations the person is an active member of, in a role that acts
    for them (a certifier's membership does not: organisations_certified)."""
    on = on or date.today()
    if not (user and user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    acting = _memberships(user, on).exclude(role=MembershipRole.CERTIFIER)
    return Organisation.objects.active(on).filter(pk__in=acting.values("organisation"))


def organisations_certified(user, on=None):
    """The active organisations the person is a certifier of: they see its records and
    figures and may sign off its returns (where the package lets a certifier), but do
    not act for it, so change nothing unless another membership lets them."""
    return Organisation.objects.filter(pk__in=organisation_ids_certified(user, on))


def organisation_ids_certified(user, on=None):
    """The ids of organisations_certified(user, on), asked once a request."""
    on = on or date.today()
    if not (user and user.is_authenticated and user.is_active):
        return frozenset()

    def ask():
        certifying = _memberships(user, on).filter(role=MembershipRole.CERTIFIER)
        return frozenset(Organisation.objects.active(on).filter(pk__in=certifying.values("organisation"))
                         .values_list("pk", flat=True))

    return remembered(user, ("certified", on), ask)


def organisations_acted_for(user, on=None):
    """The organisations this person may act for on a date (today by default)."""
    return Organisation.objects.filter(pk__in=organisation_ids_acted_for(user, on))


def organisation_ids_acted_for(user, on=None):
    """The ids of organisations_acted_for(user, on), asked once a request."""
    on = on or date.today()

    def ask():
        support = is_support(user)
        acting = Organisation.objects.active(on) if support else with_children(own_organisations(user, on), on)
        return frozenset(_absorbed_ids(acting, on))

    return remembered(user, ("acted_for", on), ask)


def with_absorbed(organisations, on=None):
    """`organisations` and those merged into them on or before the day, through any
    chain of merges (A into B, then B into C: C's people act for A's records)."""
    return Organisation.objects.filter(pk__in=_absorbed_ids(organisations, on))


def _absorbed_ids(organisations, on=None):
    on = on or date.today()
    return merges.reach(organisations.values_list("pk", flat=True), merges.merged_into(), on)


def with_children(organisations, on=None):
    """The active organisations among `organisations`, and their active children (one
    level down, through a relationship active on the day): whom a member, or an API
    client, of those organisations acts for."""
    on = on or date.today()
    own = Organisation.objects.active(on).filter(pk__in=organisations.values("pk"))
    children = OrganisationRelationship.objects.active(on).filter(parent__in=own).values("child")
    return Organisation.objects.active(on).filter(pk__in=own.values("pk").union(children))


def children_of(organisations, on=None):
    """The active children of `organisations` through a relationship active on the day
    (one level down): the organisations a parent's coordinator oversees, for instance
    to raise a query on their logs (cldc.platform.queries)."""
    on = on or date.today()
    children = OrganisationRelationship.objects.active(on).filter(parent__in=organisations).values("child")
    return Organisation.objects.active(on).filter(pk__in=children)


def may_act_for(user, organisation, on=None):
    """May this person act for this organisation, including a parent acting for its child?"""
    return organisation is not None and organisations_acted_for(user, on).filter(pk=organisation.pk).exists()


def organisations_managed(user, on=None):
    """The organisations whose people this person may manage."""
    on = on or date.today()
    if is_support(user):
        return Organisation.objects.all()
    if not (user and user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    coordinated = _memberships(user, on).filter(role=MembershipRole.DATA_COORDINATOR)
    return Organisation.objects.active(on).filter(pk__in=coordinated.values("organisation"))


def may_manage_users_of(user, organisation, on=None):
    return organisation is not None and organisations_managed(user, on).filter(pk=organisation.pk).exists()


def people_managed(user, on=None):
    """The people this person may invite, edit and deactivate."""
    if is_support(user):
        return User.objects.all()
    return User.objects.filter(
        memberships__organisation__in=organisations_managed(user, on), staff_role=""
    ).distinct()


def may_manage_person(user, person, on=None):
    return people_managed(user, on).filter(pk=person.pk).exists()


def organisations_visible_to(user, on=None):
    """The organisations whose pages this person may open. Any other is a 404."""
    return Organisation.objects.filter(
        pk__in=organisations_acted_for(user, on).values("pk").union(organisations_managed(user, on).values("pk"))
    )


def organisations_with_figures_for(user):
    """Whose figures (their own figures, their returns) a person may see: the organisations
    they act for or certify and, for analysts (who read every organisation's records, as
    Record.visible_to says), every active one. Any other is a 404."""
    if user.is_authenticated and user.is_active and user.staff_role == StaffRole.ANALYST:
        return Organisation.objects.active()
    return Organisation.objects.filter(Q(pk__in=organisations_acted_for(user).values("pk"))
                                       | Q(pk__in=organisations_certified(user).values("pk")))


def role_of(user, on=None):
    """The one role a person downloads and exports as: "analyst" or "support" from their
    staff role, else "data_coordinator" if they coordinate any organisation they are an
    active member of, else "data_provider"; None for other staff and people with no
    active membership. What records they get is Record.visible_to's answer, not this."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if user.staff_role in (StaffRole.ANALYST, StaffRole.SUPPORT):
        return str(user.staff_role)
    if user.staff_role:
        return None
    on = on or date.today()
    roles = remembered(user, ("roles", on), lambda: frozenset(_memberships(user, on).values_list("role", flat=True)))
    if MembershipRole.DATA_COORDINATOR in roles:
        return str(MembershipRole.DATA_COORDINATOR)
    return str(MembershipRole.DATA_PROVIDER) if roles - {MembershipRole.CERTIFIER} else None
