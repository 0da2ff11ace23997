"""The data-quality figures of one collection year, per organisation, read from the
summary tables (models.py) and never from the records' answers; and the records behind
each figure, for the drill-down, through Record.objects.visible_to.

Who sees which organisations' figures: analysts and support every organisation's;
a data coordinator those of the organisations they coordinate and their children
(policy.with_children); nobody else any."""

from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Organisation
from cldc.platform.quality.models import CompletionDay, SoftCheckSummary, Summary
from cldc.platform.records.models import SoftCheckOutcome, Status
from cldc.platform.windows.service import deadline

NATIONAL_ROLES = ("analyst", "support")
REPORTED_ROLES = ("data_coordinator", *NATIONAL_ROLES)


def may_see_figures(user):
    return policy.role_of(user) in REPORTED_ROLES


def sees_every_organisation(user):
    return policy.role_of(user) in NATIONAL_ROLES


def organisations_reported_to(user):
    """The organisations whose figures this person may see: any other is a 404."""
    if sees_every_organisation(user):
        return Organisation.objects.all()
    if policy.role_of(user) == "data_coordinator":
        return policy.with_children(policy.organisations_managed(user))
    return Organisation.objects.none()


@dataclass(frozen=True)
class Year:
    """A collection year of one record type: what the figures are of."""

    collection: str
    record_type: str
    version: int

    @property
    def filter(self):
        return {"collection": self.collection, "record_type": self.record_type, "version": self.version}

    @property
    def deadline(self):
        return deadline(self.collection, self.record_type, self.version)

    def deadline_passed(self, today=None):
        return self.deadline is not None and (today or timezone.localdate()) > self.deadline


# The figures, in the order of the page's columns: (key, heading).
FIGURES = [
    ("logs", "Started"),
    ("completed", "Completed"),
    ("in_progress", "In progress"),
    ("with_errors", "With errors"),
    ("errors", "Errors"),
    ("confirmed", "Soft checks confirmed"),
    ("late", "After the deadline"),
]
FIGURE_KEYS = [key for key, _ in FIGURES]


@dataclass
class Row:
    organisation: Organisation
    logs: int = 0
    completed: int = 0
    with_errors: int = 0
    errors: int = 0
    confirmed: int = 0
    completed_late: int = 0
    deadline_passed: bool = False

    @property
    def in_progress(self):
        return self.logs - self.completed

    @property
    def late(self):
        """Not completed by the end of the submission deadline: none before it has passed."""
        return self.in_progress + self.completed_late if self.deadline_passed else 0

    @property
    def figures(self):
        """(key, heading, count) of each figure, in the page's order."""
        return [(key, heading, getattr(self, key)) for key, heading in FIGURES]


def rows(year, organisations, *, sort="organisation", descending=False, today=None):
    """One row per organisation, with its figures for the year, sorted by a figure
    (then by name) or by name."""
    passed = year.deadline_passed(today)
    found = {org.pk: Row(org, deadline_passed=passed) for org in organisations.order_by("name")}
    ids = list(found)
    for summary in Summary.objects.filter(**year.filter, organisation__in=ids):
        row = found[summary.organisation_id]
        row.logs, row.completed = summary.logs, summary.completed
        row.with_errors, row.errors = summary.with_errors, summary.errors
    confirmed = (SoftCheckSummary.objects.filter(**year.filter, organisation__in=ids)
                 .values("organisation").annotate(total=Sum("confirmed")))
    for each in confirmed:
        found[each["organisation"]].confirmed = each["total"]
    if passed:
        late = (CompletionDay.objects.filter(**year.filter, organisation__in=ids, day__gt=year.deadline)
                .values("organisation").annotate(total=Sum("completed")))
        for each in late:
            found[each["organisation"]].completed_late = each["total"]
    ordered = list(found.values())  # by name already
    if sort in FIGURE_KEYS:
        ordered.sort(key=lambda row: getattr(row, sort), reverse=descending)  # stable: ties stay by name
    elif descending:
        ordered.reverse()
    return ordered


@dataclass
class SoftCheck:
    rule: str
    description: str
    waiting: int
    confirmed: int
    corrected: int

    @property
    def confirmed_share(self):
        """Of the times it was settled, the share confirmed rather than corrected (%)."""
        settled = self.confirmed + self.corrected
        return round(100 * self.confirmed / settled) if settled else None

    @property
    def links(self):
        """(figure, count) of the counts that link to their records, in the page's order."""
        return [("confirmed", self.confirmed), ("corrected", self.corrected), ("waiting", self.waiting)]


def soft_checks(year, organisations):
    """Each soft check that has fired in these organisations' records of the year."""
    pack = registry.get(year.collection).rule_pack(year.record_type, year.version)
    described = {rule.id: rule.description or rule.message for rule in pack.rules}
    counts = (SoftCheckSummary.objects.filter(**year.filter, organisation__in=organisations).values("rule")
              .annotate(all_waiting=Sum("waiting"), all_confirmed=Sum("confirmed"), all_corrected=Sum("corrected"))
              .order_by("rule"))
    return [SoftCheck(c["rule"], described.get(c["rule"], ""), c["all_waiting"], c["all_confirmed"], c["all_corrected"])
            for c in counts if c["all_waiting"] or c["all_confirmed"] or c["all_corrected"]]


def records_behind(figure, year, records, today=None, rule=None):
    """The records a figure counts, among `records` (already the person's, through
    visible_to, and the organisations'). `rule`: for "confirmed" or "corrected", one
    soft check's."""
    records = records.filter(**year.filter)
    if rule is not None:
        outcome = {"confirmed": SoftCheckOutcome.CONFIRMED, "corrected": SoftCheckOutcome.CORRECTED,
                   "waiting": SoftCheckOutcome.WAITING}[figure]
        return records.filter(soft_checks__contains={rule: outcome.value})
    if figure == "completed":
        return records.filter(status=Status.COMPLETED)
    if figure == "in_progress":
        return records.exclude(status=Status.COMPLETED)
    if figure in ("with_errors", "errors"):
        return records.filter(error_count__gt=0)
    if figure == "confirmed":
        return records.exclude(confirmations={})
    if figure == "late":
        if not year.deadline_passed(today):
            return records.none()
        return records.filter(~Q(status=Status.COMPLETED) | Q(completed_at__date__gt=year.deadline))
    return records
