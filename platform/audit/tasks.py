"""Rows of access to personal data are kept AUDIT_KEPT_DAYS, then deleted by beat."""

import datetime as dt

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from cldc.platform.audit.models import PersonalDataAccess


@shared_task(name="cldc.audit.remove_old_access_rows")
def remove_old_access_rows():
    """Deletes the rows older than the retention period; returns how many."""
    cutoff = timezone.now() - dt.timedelta(days=settings.AUDIT_KEPT_DAYS)
    deleted, _ = PersonalDataAccess.objects.filter(at__lt=cutoff).delete()
    return deleted
