"""Merging one organisation into another, as support records it (views.merge_*).

    merge(merged, absorbing, date(2026, 7, 1), by=support_person)   # or MergeRefused

From the merge date the merged organisation is part of the absorbing one:
- it is closed the day before (active_to), and says whom it merged into and when;
- its people become members of the absorbing organisation from that day, with the
  same role (their membership of the merged one ends the day before);
- its stock-owner and managing-agent relationships pass to the absorbing organisation
  from that day (those it had with the absorbing one itself, or that would make a loop,
  end);
- its records, and the register entries it owns or manages (CORE's schemes), keep it as
  their organisation, as they were made: whoever acts for the absorbing organisation acts
  for them through the merge, and a record of the absorbing organisation dated from the
  merge may choose its entries (reach(); policy.with_absorbed;
  docs/adr/0016-merges-keep-records-where-they-were.md).
A merge date in the future takes effect on that day: the dates do it, not a job.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q

from cldc.platform.organisations.models import Membership, Organisation, OrganisationRelationship


class MergeRefused(ValueError):
    """The merge cannot be made. `field` is the form field the message belongs on."""

    def __init__(self, field, message):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class Merged:
    organisation: Organisation
    absorbing: Organisation
    merge_date: date
    people_moved: list
    relationships_moved: list  # the absorbing organisation's new relationships
    relationships_ended: list  # the merged organisation's that were not passed on, with why: [(relationship, why)]


def merged_into():
    """{merged organisation id: (absorbing organisation id, merge date)} of every merge:
    what reach() walks (small: one row per merge)."""
    return {pk: (into, day) for pk, into, day in Organisation.objects.filter(absorbing_organisation__isnull=False)
            .values_list("pk", "absorbing_organisation", "merge_date")}


def reach(organisation_ids, merges, on):
    """`organisation_ids` and the ids of those merged into them on or before the day,
    through any chain of merges (A into B, then B into C: C reaches A). `merges` is
    merged_into(), passed in so that processes that must not query can hold it."""
    found = set(organisation_ids)
    frontier = found
    while frontier:
        frontier = {pk for pk, (into, day) in merges.items() if into in frontier and day <= on} - found
        found |= frontier
    return found


def long_date(day):
    return f"{day.day} {day:%B %Y}"


def check(merged, absorbing, merge_date):
    """Raise MergeRefused, naming the field, when the merge cannot be made."""
    if absorbing.pk == merged.pk:
        raise MergeRefused("absorbing_organisation", f"{merged.name} cannot merge into itself")
    if merged.absorbing_organisation_id:
        raise MergeRefused("absorbing_organisation", (
            f"{merged.name} already merged into {merged.absorbing_organisation.name} on "
            f"{long_date(merged.merge_date)}"))
    chain, seen = absorbing, set()
    while chain.absorbing_organisation_id and chain.pk not in seen:  # where the absorbing one itself went
        seen.add(chain.pk)
        if chain.absorbing_organisation_id == merged.pk:
            raise MergeRefused("absorbing_organisation", (
                f"{absorbing.name} merged into {merged.name}, so {merged.name} cannot merge into it"))
        chain = chain.absorbing_organisation
    if absorbing.absorbing_organisation_id:
        raise MergeRefused("absorbing_organisation", (
            f"{absorbing.name} merged into {absorbing.absorbing_organisation.name} on "
            f"{long_date(absorbing.merge_date)}: choose the organisation it merged into"))
    if merge_date is None:
        raise MergeRefused("merge_date", "Enter the merge date")
    for organisation in (merged, absorbing):
        if organisation.active_from and merge_date < organisation.active_from:
            raise MergeRefused("merge_date", (
                f"The merge date must be on or after {long_date(organisation.active_from)}, "
                f"when {organisation.name} became active"))
    if merged.active_to and merge_date > merged.active_to + timedelta(days=1):
        raise MergeRefused("merge_date", (
            f"The merge date must be on or before {long_date(merged.active_to + timedelta(days=1))}: "
            f"{merged.name} closed on {long_date(merged.active_to)}"))
    if absorbing.active_to and merge_date > absorbing.active_to:
        raise MergeRefused("merge_date", (
            f"The merge date must be on or before {long_date(absorbing.active_to)}, "
            f"when {absorbing.name} closed"))


@transaction.atomic
def merge(merged, absorbing, merge_date):
    """Record the merge (after check()): nothing is changed when it is refused."""
    merged = Organisation.objects.select_for_update().get(pk=merged.pk)
    absorbing = Organisation.objects.get(pk=absorbing.pk)
    check(merged, absorbing, merge_date)
    day_before = merge_date - timedelta(days=1)
    merged.merge_date, merged.absorbing_organisation = merge_date, absorbing
    merged.active_to = day_before if merged.active_to is None or merged.active_to > day_before else merged.active_to
    merged.save(update_fields=["merge_date", "absorbing_organisation", "active_to", "updated_at"])
    moved = []
    staying = Membership.objects.filter(organisation=merged).exclude(ends_on__lt=merge_date).select_related("user")
    for membership in staying:
        if not Membership.objects.filter(user=membership.user, organisation=absorbing).exists():
            Membership.objects.create(user=membership.user, organisation=absorbing, role=membership.role,
                                      is_key_contact=False, is_data_protection_officer=False, starts_on=merge_date)
            moved.append(membership.user)
        membership.ends_on = day_before
        if membership.starts_on and membership.starts_on > day_before:
            membership.starts_on = day_before
        membership.save(update_fields=["starts_on", "ends_on"])
    taken_over, ended = _pass_on_relationships(merged, absorbing, merge_date)
    return Merged(merged, absorbing, merge_date, moved, taken_over, ended)


def relationships_of(organisation, on):
    """The relationships (either side) of an organisation that last to the day or later."""
    return (OrganisationRelationship.objects.filter(Q(parent=organisation) | Q(child=organisation))
            .exclude(ends_on__lt=on).select_related("parent", "child"))


def relationships_plan(merged, absorbing, merge_date):
    """[(relationship, successor or None, why not)]: each relationship of the merged
    organisation lasting to the merge date, and the one the absorbing organisation takes
    over from that day (same other side and kind, not saved yet), or None and why not:
    the other side is the absorbing organisation itself, it already has that
    relationship, or it would make a loop (OrganisationRelationship.clean says so).
    The check your answers page lists this; merge() makes it."""
    plan = []
    for relationship in relationships_of(merged, merge_date):
        parent = absorbing if relationship.parent_id == merged.pk else relationship.parent
        child = absorbing if relationship.child_id == merged.pk else relationship.child
        successor = OrganisationRelationship(parent=parent, child=child, kind=relationship.kind,
                                             starts_on=max(merge_date, relationship.starts_on or merge_date),
                                             ends_on=relationship.ends_on)
        held = OrganisationRelationship.objects.filter(parent=parent, child=child, kind=relationship.kind) \
            .exclude(ends_on__lt=merge_date)
        why = None
        if parent.pk == child.pk:
            why = f"{absorbing.name} would be both sides of it"
        elif held.exists():
            why = f"{absorbing.name} already has it"
        else:
            try:
                successor.clean()
            except ValidationError as error:
                why = " ".join(message for messages in error.message_dict.values() for message in messages)
        plan.append((relationship, None if why else successor, why))
    return plan


def _pass_on_relationships(merged, absorbing, merge_date):
    """Make relationships_plan(): each relationship ends the day before the merge, and its
    successor, where there is one, starts on the merge date."""
    day_before = merge_date - timedelta(days=1)
    taken_over, ended = [], []
    for relationship, successor, why in relationships_plan(merged, absorbing, merge_date):
        if successor is not None:
            successor.save()
            taken_over.append(successor)
        else:
            ended.append((relationship, why))
        relationship.ends_on = day_before
        if relationship.starts_on and relationship.starts_on > day_before:
            relationship.starts_on = day_before
        relationship.save(update_fields=["starts_on", "ends_on"])
    return taken_over, ended
