"""Collection resources (docs/banners-and-resources.md): what people need to collect a
year's records, per collection year and record type. The paper form, the bulk-upload
template and its specification are made from the definition; support add any other
files. A year's resources are hidden from everyone but support until support release
them (a Release). Both live in the service's schema."""

import uuid
from pathlib import Path

from django.conf import settings
from django.db import models


class Release(models.Model):
    """A collection year whose resources everyone may see."""

    collection = models.CharField(max_length=50)
    version = models.PositiveIntegerField()
    released_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["collection", "version"], name="one_release_per_year")]

    def __str__(self):
        return f"{self.collection} {self.version}"


def stored_name(instance, filename):
    """A name of our own (the person's name is kept, cleaned, to download it by)."""
    return f"resources/{uuid.uuid4().hex}{Path(filename).suffix.lower()}"


class ExtraFile(models.Model):
    """A file support added to a year's resources for one record type."""

    collection = models.CharField(max_length=50)
    record_type = models.CharField(max_length=50)
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    file = models.FileField(upload_to=stored_name, max_length=200)
    filename = models.CharField(max_length=200)  # as downloaded
    kind = models.CharField(max_length=10)  # one of files.KINDS, decided from the content
    size = models.PositiveBigIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "pk"]

    def __str__(self):
        return self.title
