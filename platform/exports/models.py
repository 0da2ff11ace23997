"""Each export run, in the service's schema: what was asked, by whom, how many records
and the file, so that a run can be fetched again and the next partial one knows where
the last one started."""

from django.conf import settings
from django.db import models

from cldc.platform.forms.choices import year_label


class ExportRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    layout = models.CharField(max_length=60)
    format = models.CharField(max_length=40)
    codes = models.BooleanField(default=True, help_text="Codes rather than labels")
    role = models.CharField(max_length=40, blank=True, help_text="The role it was made for; blank: the command line")
    full = models.BooleanField(default=False, help_text="Everything, rather than what changed since the last run")
    since = models.DateTimeField(null=True, blank=True, help_text="Records changed from then on; blank: all")
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    records = models.PositiveIntegerField(default=0)
    path = models.CharField(max_length=500, blank=True, help_text="The file, once written")
    message = models.TextField(blank=True, help_text="Why it failed")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+")
    # For a format that numbers its files from the runs before (formats.export_format(given_run=True)).
    base_number = models.PositiveIntegerField(null=True, blank=True, help_text="Its file's base number, if numbered")
    increment_number = models.PositiveIntegerField(null=True, blank=True,
                                                   help_text="Its file's increment on that base, if numbered")

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["collection", "record_type", "version", "layout", "format", "status"])]

    def __str__(self):
        return f"{self.collection} {self.record_type} {self.version} {self.layout} {self.format} ({self.status})"


class Download(models.Model):
    """A person's request for a file in the web service: it exists from the moment they
    ask, so that its progress page survives a reload while a worker makes the file; the
    ExportRun it made (who, as which role, how many records, the file) is `run`."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    layout = models.CharField(max_length=60)
    layout_title = models.CharField(max_length=200)
    format = models.CharField(max_length=40)
    codes = models.BooleanField(default=False, help_text="Codes rather than labels")
    role = models.CharField(max_length=40)
    run = models.OneToOneField(ExportRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="download")
    message = models.TextField(blank=True, help_text="Why no file was made")

    class Meta:
        ordering = ["-requested_at", "-pk"]

    @property
    def status(self):
        """being_made until the worker has finished; then done or failed."""
        if self.message:
            return ExportRun.Status.FAILED
        return self.run.status if self.run_id else "being_made"

    def set_progress(self, done, total):
        """How far the worker has got, kept in the cache (Redis): the run's own count is
        written only at the end."""
        from django.core.cache import cache

        cache.set(f"download-progress-{self.pk}", [done, total], 24 * 3600)

    @property
    def progress(self):
        """(records written, records in all) while it is being made; (0, 0) before the
        worker has counted them."""
        from django.core.cache import cache

        if self.status != "being_made":
            return (self.run.records, self.run.records) if self.run_id else (0, 0)
        return tuple(cache.get(f"download-progress-{self.pk}", (0, 0)))

    @property
    def title(self):
        """What it holds, as its pages name it: "Home visits, 2026 to 2027"."""
        return f"{self.layout_title}, {year_label(self.version)}"

    @property
    def form(self):
        """How it is written: "CSV, labels"."""
        return f"{self.format.upper()}, {'codes' if self.codes else 'labels'}"

    def __str__(self):
        return f"{self.requested_by_id}: {self.collection} {self.record_type} {self.version} {self.layout} {self.format}"
