"""An uploaded file, what became of each of its rows, and the column and value
mappings an organisation has confirmed (all in the service's schema)."""

from pathlib import Path

from django.conf import settings
from django.db import models


class Upload(models.Model):
    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        MAPPING = "mapping", "Columns to match"
        VALUES = "values", "Answers to match"
        PROCESSING = "processing", "Checking and importing"
        CHECKED = "checked", "Checked: rows to fix"
        DONE = "done", "Done"
        FAILED = "failed", "Could not be read"

    WAITING_FOR_PERSON = (Status.MAPPING, Status.VALUES, Status.CHECKED)
    FINISHED = (Status.CHECKED, Status.DONE, Status.FAILED)

    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField()
    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    filename = models.CharField(max_length=255)
    path = models.CharField(max_length=500, help_text="Where the file is kept while it is processed")
    layout = models.CharField(max_length=20, blank=True, help_text="template (field numbers) or headers (the provider's own)")
    parts = models.JSONField(
        default=list, blank=True,
        help_text="A record's members in sheets or files of their own (member_parts.py): the main part first, "
                  "each {name, filename, path, sheet, block}; [] for one sheet")
    dry_run = models.BooleanField(default=False, help_text="Check only: store nothing")
    create_valid_now = models.BooleanField(
        default=False, help_text="Create the logs of the valid rows even when other rows have errors")
    columns = models.JSONField(default=dict, blank=True,
                               help_text="The confirmed column mapping: column index -> target ('' = not needed)")
    value_map = models.JSONField(default=dict, blank=True,
                                 help_text="Confirmed values: variable -> {provider value: code}")
    values_confirmed = models.BooleanField(default=False, help_text="The person has seen the answers to match")
    unmatched = models.JSONField(default=dict, blank=True,
                                 help_text="Values no option matched: column index -> {value: [as written, rows]}")
    cell_edits = models.JSONField(default=dict, blank=True, help_text="Cells corrected in the browser: row -> {column: value}")
    every_row = models.JSONField(default=dict, blank=True,
                                 help_text="Answers given for every row, to questions the file has no column for: variable -> value")
    confirmed_rules = models.JSONField(default=list, blank=True, help_text="Soft checks confirmed for every row")
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

    def keep(self, uploaded, schema_name):
        """Keep an uploaded file (a Django UploadedFile) where the worker reads it: under
        the service's media folder, never under the sender's own file name."""
        self.path = self.keep_file(uploaded, schema_name, f"{self.pk}.upload")
        self.save(update_fields=["path"])

    def keep_file(self, uploaded, schema_name, name):
        """Write an uploaded file under the service's media folder as `name`; its path."""
        folder = Path(settings.MEDIA_ROOT) / "uploads" / schema_name
        folder.mkdir(parents=True, exist_ok=True)
        path = str(folder / name)
        with open(path, "wb") as kept:
            for chunk in uploaded.chunks():
                kept.write(chunk)
        return path

    def kept_paths(self):
        """Every file kept for the upload: its own, and those of its other parts."""
        return [self.path, *(part["path"] for part in self.parts if part.get("path") not in (None, self.path))]

    @property
    def main_part(self):
        """The name of the part that has one row a record, when the upload has several ('' when one)."""
        return self.parts[0]["name"] if self.parts else ""

    @property
    def stored(self):
        """Whether this run stores logs (rather than only checking the file)."""
        return not self.dry_run and self.status != self.Status.CHECKED


class UploadIssue(models.Model):
    """One error or warning on one row of an upload: where it is in the person's
    file, and the rule's own message."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="issues")
    row = models.PositiveIntegerField(help_text="The row number in the person's file (or in its sheet)")
    sheet = models.CharField(max_length=200, blank=True,
                             help_text="The sheet or file of an upload in several parts that the row is in")
    cell = models.PositiveIntegerField(null=True, blank=True, help_text="The column's index in the file (0 = A)")
    column = models.CharField(max_length=200, blank=True, help_text="The column: a field number or a header")
    field = models.CharField(max_length=100, blank=True, help_text="The variable")
    value = models.CharField(max_length=200, blank=True, help_text="The value given, for corrections in bulk")
    rule = models.CharField(max_length=200)
    severity = models.CharField(max_length=10)
    message = models.TextField()

    class Meta:
        ordering = ["upload", "row", "id"]
        indexes = [models.Index(fields=["upload", "rule"])]


class ImportedRow(models.Model):
    """The log a row of an upload created, updated or left unchanged (for the log id in
    the annotated file). Written with the logs, so undone with them."""

    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="imported_rows")
    row = models.PositiveIntegerField(help_text="The row number in the person's file")
    record = models.ForeignKey("records.Record", on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["upload", "row"]
        constraints = [models.UniqueConstraint(fields=["upload", "row"], name="one_log_per_upload_row")]


class SavedMapping(models.Model):
    """A column, value or every-row answer an organisation confirmed once, so the next
    file with the same headings or values needs no questions. A value whose target is
    '' was left as it is (reported as an error), and is not asked about again."""

    class Kind(models.TextChoices):
        COLUMN = "column", "Column"
        VALUE = "value", "Value"
        ANSWER = "answer", "Answer for every row"

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    variable = models.CharField(max_length=100, blank=True, help_text="For a value or an answer: the question it answers")
    source = models.CharField(max_length=200, blank=True,
                              help_text="The heading or value as compared (trimmed, lower case); '' for an answer")
    written = models.CharField(max_length=200, blank=True, help_text="The heading or value as the file wrote it")
    target = models.CharField(max_length=200, blank=True,
                              help_text="The target ('' = not needed), the code ('' = left as it is) or the answer")
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    saved_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(
            fields=["organisation", "collection", "record_type", "kind", "variable", "source"],
            name="one_saved_mapping_per_source")]

    def __str__(self):
        return f"{self.variable or ''}:{self.source} -> {self.target or '(none)'}"


class HandMatch(models.Model):
    """A heading an organisation matched by hand to a question (learned.py): when enough
    organisations match one heading to one question, it is suggested to everyone. Only
    the heading and the question are kept, never a value of the file."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.CASCADE, related_name="+")
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    heading = models.CharField(max_length=200, help_text="The heading as compared (trimmed, lower case)")
    target = models.CharField(max_length=200, help_text="The target the organisation chose for it")
    matched_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "collection", "record_type", "heading"],
                                               name="one_hand_match_per_heading")]
        indexes = [models.Index(fields=["collection", "record_type", "heading"])]

    def __str__(self):
        return f"{self.heading} -> {self.target}"
