"""Scheduled exports: a service's nightly runs (the department's data store takes what
changed every night). Each is a django-celery-beat PeriodicTask, so support changes its
time or pauses it on a page in the service, and `celery beat` with the database
scheduler (scripts/run) picks the change up without a restart or a deploy.

A run takes, for every record type of the service's collections, each version still
open for changes (both years during the crossover), what changed since the last run
of the same layout and format (runs.run_export), each a recorded ExportRun."""

import datetime as dt
import json

from django.utils import timezone

from cldc.platform import registry
from cldc.platform.exports.layouts import layouts
from cldc.platform.windows.service import open_for_changes, windowed

TASK = "cldc.exports.scheduled"
LONDON = "Europe/London"


def _prefix(service):
    return f"Export {service.schema_name}: "


def scheduled_for(service):
    """The service's scheduled exports (PeriodicTasks live in the public schema, shared
    by every service: each is named after its service)."""
    from django_celery_beat.models import PeriodicTask

    return PeriodicTask.objects.filter(task=TASK, name__startswith=_prefix(service)).select_related("crontab")


def name_of(service, format, layout_id):
    """One scheduled export per service, layout and format: its PeriodicTask's name."""
    return f"{_prefix(service)}{layout_id} as {format}"


def save_schedule(service, format, layout_id, at, enabled, task=None):
    """Create or change a scheduled export, run every day at `at` (a time), London time."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=str(at.minute), hour=str(at.hour), day_of_week="*", day_of_month="*", month_of_year="*",
        timezone=LONDON)
    task = task or PeriodicTask(task=TASK)
    task.name = name_of(service, format, layout_id)
    task.crontab, task.enabled = crontab, enabled
    task.kwargs = json.dumps({"schema_name": service.schema_name, "format": format, "layout_id": layout_id})
    task.save()
    return task


def details(task):
    """(format, layout id, time of day) of a scheduled export."""
    kwargs = json.loads(task.kwargs)
    return kwargs["format"], kwargs["layout_id"], dt.time(int(task.crontab.hour), int(task.crontab.minute))


def versions_to_export(collection, record_type, today=None):
    """The versions a nightly run exports: those whose records could be changed today or
    yesterday (so the night after the last day for changes still sends that day's), or
    every version when the package declares no windows."""
    if not windowed(collection):
        return registry.get(collection).versions(record_type)
    today = today or timezone.localdate()
    return sorted(set(open_for_changes(collection, record_type, today))
                  | set(open_for_changes(collection, record_type, today - dt.timedelta(days=1))))


def targets(service, layout_id, today=None):
    """[(collection, record type, version)] that have the layout, for a scheduled run."""
    return [(name, record_type, version)
            for name in service.collections for record_type in registry.get(name).record_types
            for version in versions_to_export(name, record_type, today)
            if layout_id in layouts(name, record_type, version)]
