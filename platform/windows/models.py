"""Collection windows: when people may start and change the records of a collection
year. They are data, per service, seeded from each package's windows.yaml and
changed by support staff in the admin."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.dateformat import format as format_date

from cldc.platform import registry


def collection_year(version):
    """How people name a version: 2026 is "2026 to 2027" (GOV.UK style, not 2026/27)."""
    return f"{version} to {version + 1}"


def long_date(day):
    return format_date(day, "j F Y")


class CollectionWindow(models.Model):
    """The dates of one version of one record type. Every date is inclusive.

    The order follows CORE's practice (its ADR 019, "Form end dates"):

        opens_on <= submission_deadline <= new_logs_end <= editing_end

    - opens_on: new records may be started from this day (CORE: 1 April, when the
      collection year starts).
    - submission_deadline: the date people are told to finish by (CORE: the first
      Friday in June after the year ends). Nothing closes on it; it is shown.
    - new_logs_end: the last day a new record may be started. Shortly after the
      deadline, so a short extension needs no change of code.
    - editing_end: the last day a record may be changed or deleted, once the data has
      been through its first quality checks (CORE: late summer or autumn). After it,
      records can only be viewed.
    """

    collection = models.CharField(max_length=40, help_text="The short name of the collection package")
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField(help_text="The definition version: 2026 for the 2026 to 2027 collection year")
    opens_on = models.DateField("opens on", help_text="New logs may be started from this day")
    submission_deadline = models.DateField(
        "submission deadline", help_text="The date people are told to finish by. Nothing closes on it"
    )
    new_logs_end = models.DateField("last day for new logs", help_text="No new logs may be started after this day")
    editing_end = models.DateField("last day for changes", help_text="No log may be changed after this day")

    class Meta:
        ordering = ["version", "collection", "record_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "record_type", "version"],
                name="one_window_per_version",
                violation_error_message="There is already a window for this collection, record type and version",
            )
        ]

    def __str__(self):
        return f"{self.collection} {self.record_type} {self.collection_year}"

    @property
    def collection_year(self):
        return collection_year(self.version)

    DATE_ORDER = [
        ("opens_on", "submission_deadline", "The submission deadline must be on or after the day the window opens"),
        ("submission_deadline", "new_logs_end", "The last day for new logs must be on or after the submission deadline"),
        ("new_logs_end", "editing_end", "The last day for changes must be on or after the last day for new logs"),
    ]

    def clean(self):
        errors = {}
        try:
            package = registry.get(self.collection)
        except LookupError:
            errors["collection"] = f"Choose a collection: {', '.join(registry.collection_names())}"
        else:
            if self.record_type not in package.record_types:
                errors["record_type"] = f"Choose a record type of {package.name}: {', '.join(package.record_types)}"
            elif self.version is not None and self.version not in package.versions(self.record_type):
                # A window for a version with no definition would open nothing: most likely a typo.
                errors["version"] = f"{package.name} has no {self.record_type} definition for version {self.version}"
        for earlier, later, message in self.DATE_ORDER:
            first, second = getattr(self, earlier), getattr(self, later)
            if first and second and second < first and later not in errors:
                errors[later] = message
        if errors:
            raise ValidationError(errors)
