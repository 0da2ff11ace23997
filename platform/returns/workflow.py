"""The steps of a return, each recorded as a ReturnEvent with who and when: include or
exclude a record (with a reason), leave it to the triggers again, submit (which
freezes a Snapshot of the records as they stand), sign off, reopen (with a reason). Each refuses a step the return's
status does not allow with a StepRefused saying why; who may take a step is the
views' (access.py)."""

from django.db import connection, transaction
from django.utils import timezone

from cldc.platform.records.models import Record
from cldc.platform.returns.membership import differences_between, forget, refresh, return_for, shown
from cldc.platform.returns.models import RecordChoice, ReturnEvent, ReturnMember, Snapshot, SnapshotRecord, Status

Kind = ReturnEvent.Kind


class StepRefused(Exception):
    """A step the return's status (or the date) does not allow; the message says why."""


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
    forget(made, record)
    ReturnEvent.objects.create(return_made=made, kind=kind, by=user, text=reason, record=record)
    return made


def changed_since_submission(made, user):
    """The records that were added, changed or dropped since the return's last snapshot
    (late additions and revisions), by lock_version, from its ReturnMembers (brought up
    to date by the caller: membership.refresh), compared by PostgreSQL. Returns
    (differences, snapshot) or (None, None) before the first submission."""
    snapshot = made.latest_snapshot() if made.pk else None
    if snapshot is None:
        return None, None
    frozen = (f"SELECT record_number AS n, jsonb_build_object('lock', lock_version) AS v "
              f"FROM {SnapshotRecord._meta.db_table} WHERE snapshot_id = %s", (snapshot.pk,))
    included = shown(made, user).filter(included=True).values("record_id", "lock_version")
    now_sql, now_params = included.query.sql_with_params()
    now = (f"SELECT s.record_id AS n, jsonb_build_object('lock', s.lock_version) AS v FROM ({now_sql}) s", now_params)
    return differences_between(frozen, now), snapshot


@transaction.atomic
def submit(declared, organisation, period, user, today=None):
    """Freeze the records in the return, each as it stands now, as the next Snapshot:
    one INSERT from its ReturnMembers (brought up to date first) and the records. A
    record not in the previous snapshot is marked late, one changed since it revised."""
    today = today or timezone.localdate()
    made = return_for(declared, organisation, period, lock=True)
    _must_be_open(made, "submit it again")
    if today <= period.end:
        raise StepRefused(f"This return can be submitted once the period has ended, from "
                          f"{period.following().start:%-d %B %Y}")
    refresh(declared, [made])
    previous = made.latest_snapshot()
    snapshot = Snapshot.objects.create(return_made=made, version=(previous.version + 1) if previous else 1,
                                       submitted_by=user)
    frozen = _freeze(made, snapshot, previous, user)
    if frozen != shown(made, user).filter(included=True).count():
        raise StepRefused("Some records changed while the return was being submitted: submit it again")
    _set_status(made, Status.SUBMITTED)
    ReturnEvent.objects.create(return_made=made, kind=Kind.SUBMITTED, by=user, at=snapshot.submitted_at,
                               snapshot_version=snapshot.version)
    return snapshot


def _freeze(made, snapshot, previous, user):
    """Copy the included records the person sees, as they stand, into the snapshot, in
    PostgreSQL; a record changed since it was judged (its lock_version moved on) is left
    out, for submit to refuse. Returns how many were frozen."""
    frozen, members, records = (model._meta.db_table for model in (SnapshotRecord, ReturnMember, Record))
    visible, visible_params = Record.objects.visible_to(user).values("pk").query.sql_with_params()
    sql = (f"INSERT INTO {frozen} (snapshot_id, record_id, record_number, version, reference, reasons, answers, "
           f"derived, late, revised, lock_version) "
           f"SELECT %s, r.id, r.id, r.version, m.reference, m.reasons, r.answers, r.derived, "
           f"%s AND p.id IS NULL, COALESCE(p.lock_version < r.lock_version, FALSE), r.lock_version "
           f"FROM {members} m JOIN {records} r ON r.id = m.record_id "
           f"LEFT JOIN {frozen} p ON p.snapshot_id = %s AND p.record_number = r.id "
           f"WHERE m.return_made_id = %s AND m.included AND m.lock_version = r.lock_version AND r.id IN ({visible})")
    with connection.cursor() as cursor:
        cursor.execute(sql, (snapshot.pk, previous is not None, previous.pk if previous else None, made.pk,
                             *visible_params))
        return cursor.rowcount


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
