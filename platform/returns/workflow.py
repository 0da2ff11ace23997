"""The steps of a return, each recorded as a ReturnEvent with who and when: include or
exclude a record (with a reason), leave it to the triggers again, submit (which
freezes a Snapshot), sign off, reopen (with a reason). Each refuses a step the return's
status does not allow with a StepRefused saying why; who may take a step is the
views' (access.py)."""

from django.db import transaction
from django.utils import timezone

from cldc.platform.returns.membership import differences, members
from cldc.platform.returns.models import RecordChoice, Return, ReturnEvent, Snapshot, SnapshotRecord, Status

Kind = ReturnEvent.Kind


class StepRefused(Exception):
    """A step the return's status (or the date) does not allow; the message says why."""


def return_for(declared, organisation, period, lock=False):
    """The organisation's return for a period, made on its first step."""
    made, _ = Return.objects.get_or_create(organisation=organisation, collection=declared.collection,
                                           record_type=declared.record_type, year=period.year, number=period.number)
    return Return.objects.select_for_update().get(pk=made.pk) if lock else made


def _must_be_open(made, step):
    if not made.is_open:
        raise StepRefused(f"This return has been {made.get_status_display().lower()}: reopen it to {step}")


@transaction.atomic
def choose(declared, organisation, period, user, record, include, reason):
    """Include (include=True) or exclude (False) a record, whatever the triggers say;
    include=None leaves it to the triggers again."""
    made = return_for(declared, organisation, period, lock=True)
    _must_be_open(made, "include or exclude records")
    if include is None:
        RecordChoice.objects.filter(return_made=made, record=record).delete()
        kind = Kind.CLEARED
    else:
        RecordChoice.objects.update_or_create(return_made=made, record=record, defaults={
            "include": include, "reason": reason, "by": user, "at": timezone.now()})
        kind = Kind.INCLUDED if include else Kind.EXCLUDED
    ReturnEvent.objects.create(return_made=made, kind=kind, by=user, text=reason, record=record)
    return made


def changed_since_submission(made, found):
    """The records (Members) that were added, changed or dropped since the return's
    last snapshot: late additions and revisions. Returns (differences, snapshot) or
    (None, None) before the first submission."""
    snapshot = made.latest_snapshot() if made.pk else None
    if snapshot is None:
        return None, None
    frozen = dict(snapshot.records.values_list("record_number", "lock_version"))
    now = {member.record.pk: member.record.lock_version for member in found if member.included}
    changes = differences({k: {"lock": v} for k, v in frozen.items()}, {k: {"lock": v} for k, v in now.items()})
    return changes, snapshot


@transaction.atomic
def submit(declared, organisation, period, user, today=None):
    """Freeze the records that belong as the next Snapshot. A record changed since the
    last submission (a revision to this period) is frozen as it stands now, marked
    revised; any other as it stood at the period's end (a late addition as it stands)."""
    today = today or timezone.localdate()
    made = return_for(declared, organisation, period, lock=True)
    _must_be_open(made, "submit it again")
    if today <= period.end:
        raise StepRefused(f"This return can be submitted once the period has ended, from "
                          f"{period.following().start:%-d %B %Y}")
    choices = list(made.choices.all())
    previous = made.latest_snapshot()
    revised = set()
    if previous is not None:
        changes, _ = changed_since_submission(made, members(declared, organisation, period, user, choices))
        revised = set(changes.changed)
    found = [member for member in members(declared, organisation, period, user, choices, revised) if member.included]
    snapshot = Snapshot.objects.create(return_made=made, version=(previous.version + 1) if previous else 1,
                                       submitted_by=user)
    SnapshotRecord.objects.bulk_create(
        SnapshotRecord(snapshot=snapshot, record=member.record, record_number=member.record.pk,
                       version=member.state.version, reference=member.reference, reasons=member.reasons,
                       answers=member.state.answers, derived=member.state.derived, late=member.state.late,
                       revised=member.record.pk in revised, lock_version=member.record.lock_version)
        for member in found)
    _set_status(made, Status.SUBMITTED)
    ReturnEvent.objects.create(return_made=made, kind=Kind.SUBMITTED, by=user, at=snapshot.submitted_at,
                               snapshot_version=snapshot.version)
    return snapshot


@transaction.atomic
def sign_off(declared, organisation, period, user):
    made = return_for(declared, organisation, period, lock=True)
    if made.status != Status.SUBMITTED:
        raise StepRefused("Only a submitted return can be signed off" if made.is_open
                          else "This return has already been signed off")
    _set_status(made, Status.SIGNED_OFF)
    ReturnEvent.objects.create(return_made=made, kind=Kind.SIGNED_OFF, by=user)
    return made


@transaction.atomic
def reopen(declared, organisation, period, user, reason):
    made = return_for(declared, organisation, period, lock=True)
    if made.is_open:
        raise StepRefused("This return is open already")
    _set_status(made, Status.REOPENED)
    ReturnEvent.objects.create(return_made=made, kind=Kind.REOPENED, by=user, text=reason)
    return made


def _set_status(made, status):
    made.status = status
    made.save(update_fields=["status"])
