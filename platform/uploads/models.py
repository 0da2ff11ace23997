"""An uploaded file and what became of each of its rows (in the service's schema)."""

from django.conf import settings
from django.db import models


class Upload(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        PROCESSING = "processing", "Checking and importing"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be read"

    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=500, help_text="Where the file is kept while it is processed")
    dry_run = models.BooleanField(default=False, help_text="Check only: store nothing")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    message = models.TextField(blank=True, help_text="Why the file could not be read, in plain English")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def progress(self):
        """Percentage of rows processed."""
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class UploadIssue(models.Model):
    """One error or warning on one row of an upload: where it is in the person's
    file, and the rule's own message."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(help_text="The row number in the person's file")
    column = models.CharField(max_length=100, blank=True, help_text="The column: a field number or a header")
    field = models.CharField(max_length=100, blank=True, help_text="The variable")
    rule = models.CharField(max_length=200)
    severity = models.CharField(max_length=10)
    message = models.TextField()

    class Meta:
        ordering = ["upload", "row", "id"]
        indexes = [models.Index(fields=["upload", "rule"])]
