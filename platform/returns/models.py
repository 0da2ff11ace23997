"""Returns, in each service's schema: one per organisation, record type and period,
made when first read or acted on. A return is open until submitted, then signed off;
reopening (with a reason) makes it open again. Every step is a ReturnEvent (who, when,
why). Which records belong is kept per return as ReturnMembers, worked out again for a
record when it changes (membership.refresh). Each submission freezes the records that
belong as a Snapshot, numbered: a resubmission is a new version and the old ones stay.
Records are shown through Record.visible_to, the one rule."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cldc.platform.records.models import Record
from cldc.platform.returns.declarations import Period


class Status(models.TextChoices):
    OPEN = "open", "Open"
    SUBMITTED = "submitted", "Submitted"
    SIGNED_OFF = "signed_off", "Signed off"
    REOPENED = "reopened", "Reopened"  # open again after a submission: changes allowed, resubmitted as a new version


class Return(models.Model):
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    year = models.PositiveIntegerField(help_text="The collection year the period is in: 2026 for 2026 to 2027")
    number = models.PositiveSmallIntegerField(help_text="The period within the year: quarter 1 is April to June")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    members_by = models.CharField(max_length=64, blank=True, help_text=(
        "The fingerprint of the returns file its ReturnMembers were worked out by: another means work them out again"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "collection", "record_type", "year", "number"],
                                               name="one_return_per_organisation_and_period")]

    def __str__(self):
        return f"Return of {self.organisation_id} for {self.collection} {self.record_type} {self.period.key}"

    @property
    def period(self):
        return Period(self.year, self.number)

    @property
    def is_open(self):
        """Whether records may still be included or excluded, and the return submitted."""
        return self.status in (Status.OPEN, Status.REOPENED)

    def latest_snapshot(self):
        return self.snapshots.order_by("-version").first()


class ReturnEvent(models.Model):
    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "Submitted the return"
        SIGNED_OFF = "signed_off", "Signed the return off"
        REOPENED = "reopened", "Reopened the return"
        INCLUDED = "included", "Included a record"
        EXCLUDED = "excluded", "Excluded a record"
        CLEARED = "cleared", "Left a record to the triggers"

    return_made = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True, help_text="Why: a reason to include, exclude or reopen")
    record = models.ForeignKey(Record, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    snapshot_version = models.PositiveIntegerField(null=True, blank=True, help_text="The version a submission made")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.return_made}: {self.kind} by {self.by_id}"


class RecordChoice(models.Model):
    """An organisation's own decision on one record, over the package's triggers."""

    return_made = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="choices")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    include = models.BooleanField()
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["return_made", "record"],
                                               name="one_choice_per_record_and_return")]


class ReturnMember(models.Model):
    """One of the organisation's records, as the return last judged it: whether it is
    in (the triggers, or the organisation's choice, which wins), why, and the record's
    lock_version then. A row for every record the organisation owns, listed or not, so
    that only records changed since (another lock_version) are judged again."""

    return_made = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="members")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="+")
    lock_version = models.PositiveIntegerField(help_text="The record's lock_version when judged")
    listed = models.BooleanField(help_text="Triggered or chosen: shown on the return's page, in or out")
    included = models.BooleanField()
    reference = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list, help_text="Why it is in, or out, as people read it")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["return_made", "record"], name="one_member_per_record_and_return")]
        indexes = [models.Index(fields=["return_made", "included", "record"], name="return_member_included")]


class Snapshot(models.Model):
    """The records of a return as submitted: version 1 at the first submission, one more
    at each resubmission after a reopening."""

    return_made = models.ForeignKey(Return, on_delete=models.CASCADE, related_name="snapshots")
    version = models.PositiveIntegerField()
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["return_made", "version"]
        constraints = [models.UniqueConstraint(fields=["return_made", "version"], name="one_snapshot_per_version")]


class SnapshotRecord(models.Model):
    """One record frozen in a snapshot: its answers and derived values as they stood at
    submission (docs/returns.md, ADR 12)."""

    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="records")
    record = models.ForeignKey(Record, on_delete=models.SET_NULL, null=True, related_name="+")
    record_number = models.BigIntegerField(help_text="The record's id, kept if the record is ever deleted")
    version = models.PositiveIntegerField(help_text="The record's definition version when frozen")
    reference = models.CharField(max_length=500, blank=True)
    reasons = models.JSONField(default=list, help_text="Why it belongs, as people read it")
    answers = models.JSONField(default=dict)
    derived = models.JSONField(default=dict)
    late = models.BooleanField(default=False, help_text="Not in the return's previous submission: added since")
    revised = models.BooleanField(default=False, help_text="Changed since the return's previous submission")
    lock_version = models.PositiveIntegerField(
        help_text="The record's lock_version when frozen: a higher one means it changed since")

    class Meta:
        ordering = ["snapshot", "record_number"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "record_number"], name="one_record_per_snapshot")]

    @property
    def values(self):
        return {**self.derived, **self.answers}
