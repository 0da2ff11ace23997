"""One organisation's figures for one record type and year, as its package declares
them (declarations.py), computed by PostgreSQL: counts and averages come back from the
database, never a record's answers.

- Its own numbers are of the records it owns, found through the one visibility rule
  (Record.objects.visible_to), so a person never counts a record they may not see.
- The comparison is the median, across similar organisations (same type and region,
  this one left out), of each one's own average: aggregates only, and only when at
  least PEERS_NEEDED of them have the value, so that no organisation's figure can be
  read from it.

An average is of every record that holds the value, whatever its status: a stored
value has passed the hard rules."""

import statistics
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DateField, DecimalField
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Coalesce, TruncMonth

from cldc.platform import registry
from cldc.platform.organisations.models import Organisation
from cldc.platform.records.models import Record, Status
from cldc.platform.windows.service import window_for

PEERS_NEEDED = 5  # other organisations with the value before their median is shown
NOT_GIVEN = "Not answered yet"


@dataclass
class Bar:
    label: str
    count: object  # a number: how many, or an amount
    percent: float = 0  # of the chart's longest bar


@dataclass
class Chart:
    id: str
    heading: str
    caption: str
    label_heading: str
    value_heading: str
    bars: list
    prefix: str = ""


@dataclass
class Comparison:
    title: str
    prefix: str
    own: Decimal | None  # this organisation's average, None when none of its records has the value
    own_count: int  # how many of its records have the value
    median: Decimal | None = None  # of similar organisations' averages; None when not shown
    peers: int = 0  # how many similar organisations have the value
    reason: str = ""  # why no comparison is shown

    @property
    def chart(self):
        found = [("Your organisation", self.own), (f"Median of {self.peers} similar organisations", self.median)]
        bars = scaled([Bar(label, value) for label, value in found if value is not None])
        return Chart("comparison", self.title, self.title, "Whose", "Average", bars, self.prefix)


@dataclass
class Playback:
    organisation: Organisation
    title: str  # the definition's title, as people call the records: "Home visit"
    nouns: tuple  # (singular, plural)
    version: int
    total: int
    by_status: list  # [Bar]: completed, in progress, not started
    deadline: date | None
    by_month: list = field(default_factory=list)  # [Bar], one per month of the year, and NOT_GIVEN
    month_title: str = ""
    breakdowns: list = field(default_factory=list)  # [(title, [Bar])]
    comparison: Comparison | None = None

    @property
    def charts(self):
        """[Chart] of the counts, in the page's order."""
        nouns = self.nouns[1]
        found = [Chart("completion", "Completion against the deadline", f"{nouns.capitalize()} by status", "Status",
                       nouns.capitalize(), self.by_status)]
        if self.by_month:
            found.append(Chart("by-month", f"{nouns.capitalize()} by month",
                               f"{nouns.capitalize()} by month of {self.month_title.lower()}", "Month",
                               nouns.capitalize(), self.by_month))
        for place, (title, bars) in enumerate(self.breakdowns, 1):
            heading = f"{nouns.capitalize()} by {title.lower()}"
            found.append(Chart(f"breakdown-{place}", heading, heading, title, nouns.capitalize(), bars))
        return found

    @property
    def completed_percent(self):
        done = self.by_status[0].count
        return round(100 * done / self.total) if self.total else 0


def value_of(variable):
    """A variable of a record as text: an answer, else a derived value of that name
    (the gateway keeps an answer rather than a derived value that repeats it)."""
    return Coalesce(KT(f"answers__{variable}"), KT(f"derived__{variable}"))


def number_of(variable):
    return Cast(value_of(variable), DecimalField(max_digits=20, decimal_places=6))


def scaled(bars):
    """The bars, each with its length as a percentage of the longest."""
    longest = max((bar.count for bar in bars), default=0)
    for bar in bars:
        bar.percent = round(100 * float(bar.count) / float(longest), 1) if longest else 0
    return bars


def records_of(declared, organisation, user):
    """The organisation's records of the declared record type and year that the person sees."""
    return Record.objects.visible_to(user).filter(
        collection=declared.collection, record_type=declared.record_type, version=declared.version,
        owning_organisation=organisation)


def playback(declared, organisation, user):
    definition = registry.get(declared.collection).definition(declared.record_type, declared.version)
    records = records_of(declared, organisation, user)
    statuses = dict(records.values_list("status").annotate(n=Count("id")))
    window = window_for(declared.collection, declared.record_type, declared.version)
    result = Playback(
        organisation, definition.title, definition.nouns, declared.version, total=sum(statuses.values()),
        by_status=scaled([Bar(label, statuses.get(status, 0)) for status, label in
                          ((Status.COMPLETED, "Completed"), (Status.IN_PROGRESS, "In progress"),
                           (Status.NOT_STARTED, "Not started"))]),
        deadline=window.submission_deadline if window else None)
    if declared.by_month:
        result.month_title = declared.by_month.title
        result.by_month = months(records, declared.by_month.variable, definition.valid_from, definition.valid_to)
    for breakdown in declared.breakdowns:
        result.breakdowns.append((breakdown.title, counted_by(records, breakdown)))
    if declared.average:
        result.comparison = compare(declared, organisation, records)
    return result


def months(records, variable, first_day, last_day):
    """[Bar] for each month from first_day's to last_day's (none missing), then the
    records without the date, if any."""
    day = Cast(value_of(variable), DateField())
    counted = dict(records.annotate(month=TruncMonth(day)).values_list("month").annotate(n=Count("id")))
    bars, month = [], first_day.replace(day=1)
    while month <= last_day:
        bars.append(Bar(f"{month:%B %Y}", counted.pop(month, 0)))
        month = date(month.year + month.month // 12, month.month % 12 + 1, 1)
    outside = sum(counted.values())  # no date yet (a date outside the year is refused by the rules)
    if outside:
        bars.append(Bar(NOT_GIVEN, outside))
    return scaled(bars)


def counted_by(records, breakdown):
    """[Bar] for each option, in the definition's order, then any answer not among them
    (as stored) and records without an answer."""
    counted = dict(records.annotate(code=value_of(breakdown.variable)).values_list("code").annotate(n=Count("id")))
    bars = [Bar(label, counted.pop(str(code), 0)) for code, label in breakdown.options]
    missing = counted.pop(None, 0)
    bars += [Bar(str(code), n) for code, n in sorted(counted.items())]
    if missing:
        bars.append(Bar(NOT_GIVEN, missing))
    return scaled(bars)


def similar_organisations(organisation):
    """Organisations of the same type and region, this one left out; none when its
    region is not recorded."""
    if not organisation.region:
        return Organisation.objects.none()
    return Organisation.objects.filter(type=organisation.type, region=organisation.region).exclude(pk=organisation.pk)


def compare(declared, organisation, records):
    average = declared.average
    value = number_of(average.variable)
    own = records.aggregate(mean=Avg(value), n=Count(value))
    comparison = Comparison(average.title, average.prefix, pennies(own["mean"]), own["n"])
    peers = similar_organisations(organisation)
    means = list(  # one average per organisation, of all its records: an aggregate, never a record shown
        Record.objects.filter(collection=declared.collection, record_type=declared.record_type,
                              version=declared.version, owning_organisation__in=peers)
        .values("owning_organisation").annotate(mean=Avg(value)).filter(mean__isnull=False)
        .values_list("mean", flat=True))
    comparison.peers = len(means)
    if not organisation.region:
        comparison.reason = f"No comparison is shown because {organisation.name}'s region is not recorded."
    elif len(means) < PEERS_NEEDED:
        kind = organisation.get_type_display().lower()
        comparison.reason = (
            f"No comparison is shown because fewer than {PEERS_NEEDED} other organisations of the same type "
            f"({kind}) in {organisation.get_region_display()} have records with this figure "
            f"({len(means)} do): with fewer, their figures could be worked out.")
    else:
        comparison.median = pennies(statistics.median(means))
    return comparison


def pennies(amount):
    return None if amount is None else Decimal(amount).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
