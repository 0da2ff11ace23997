"""One row each time someone reads or downloads personal data: who, when, in which
service, through which channel, what (a record's page, an API read, an export) and
which records or export. Never the personal values themselves. In the public schema,
beside the people it names, with the service as a column: support of the platform
answer for every service, and a person's rows outlive a service's schema.
Written by cldc.platform.audit.access.record_access; kept CLDC_AUDIT_KEPT_DAYS."""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class PersonalDataAccess(models.Model):
    class Channel(models.TextChoices):
        WEB = "web", "Web"
        API = "api", "API"
        CLI = "cli", "Command line"

    class Action(models.TextChoices):
        RECORD_PAGE = "record_page", "Viewed a record's answers"
        API_READ = "api_read", "Read a record through the API"
        EXPORT = "export", "Downloaded an export"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+")
    who = models.CharField(max_length=300, help_text="The person's email, the API key's name and prefix, or the "
                                                     "command line's operating-system user: kept if the person goes")
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+",
                                     help_text="A page: the record's owner; an API read: the key's; an export: the person's")
    service = models.CharField(max_length=63, help_text="The service's schema")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    action = models.CharField(max_length=20, choices=Action.choices)
    what = models.CharField(max_length=300, help_text="The page, or the export's layout and format, in words")
    collection = models.CharField(max_length=40, blank=True)
    record_type = models.CharField(max_length=40, blank=True)
    version = models.PositiveIntegerField(null=True, blank=True)
    records = ArrayField(models.BigIntegerField(), default=list, blank=True,
                         help_text="The records' ids, for a page or an API read (an export names its run)")
    count = models.PositiveIntegerField(default=0, help_text="How many records")
    export_run = models.PositiveIntegerField(null=True, blank=True, help_text="The export run's id, in the service")
    format = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["service", "-at"]), models.Index(fields=["person", "-at"]),
                   models.Index(fields=["organisation", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.who}: {self.what}"
