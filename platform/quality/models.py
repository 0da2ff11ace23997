"""Summary tables behind the data-quality figures, one row per organisation and
collection year (collection, record type, version). PostgreSQL keeps them: triggers on
records_record add each statement's changes (migrations/0002_triggers.py, and
docs/adr/0011-data-quality-summaries-kept-by-triggers.md for why). Nothing in Python
writes them; pages only read them."""

from django.db import models

KEY = ["organisation", "collection", "record_type", "version"]


class YearCounts(models.Model):
    """Counts of one organisation's records of one collection year. The organisation
    is the records' owning organisation (empty for records that have none yet); no
    foreign-key constraint, as these rows are derived and never hold an organisation up."""

    organisation = models.ForeignKey("organisations.Organisation", on_delete=models.DO_NOTHING, null=True,
                                     db_constraint=False, related_name="+")
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField()

    class Meta:
        abstract = True


class Summary(YearCounts):
    """How many records are started, completed, and in error."""

    logs = models.IntegerField(default=0, help_text="Every record set up")
    completed = models.IntegerField(default=0)
    with_errors = models.IntegerField(default=0, help_text="Records whose stored answers have hard errors")
    errors = models.IntegerField(default=0, help_text="The hard errors of those records")

    class Meta:
        constraints = [models.UniqueConstraint(fields=KEY, nulls_distinct=False, name="one_quality_summary")]
        indexes = [models.Index(fields=["collection", "record_type", "version"], name="quality_summary_year")]


class SoftCheckSummary(YearCounts):
    """For one soft check: how many records have it waiting, confirmed or corrected."""

    rule = models.CharField(max_length=200)
    waiting = models.IntegerField(default=0)
    confirmed = models.IntegerField(default=0)
    corrected = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*KEY, "rule"], nulls_distinct=False,
                                               name="one_soft_check_summary")]
        indexes = [models.Index(fields=["collection", "record_type", "version"], name="quality_softcheck_year")]


class CompletionDay(YearCounts):
    """How many records were completed on each day (in the service's time zone), so
    that "completed after the deadline" follows the deadline when support moves it."""

    day = models.DateField()
    completed = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=[*KEY, "day"], nulls_distinct=False,
                                               name="one_completion_day")]
        indexes = [models.Index(fields=["collection", "record_type", "version", "day"], name="quality_day_year")]
