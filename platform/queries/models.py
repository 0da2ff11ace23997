"""Queries to providers, in each service's schema: an analyst (or a parent's
coordinator, or support) asks about a log, or one of its answers; the people who may
change the log answer it, or correct the answer; the raiser or an analyst resolves it.
Every step is a QueryEvent (who, when, what they wrote). Who sees a query is who sees
its log: Record.visible_to, the one rule."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.records.models import Record


class Status(models.TextChoices):
    OPEN = "open", "Open"
    ANSWERED = "answered", "Answered"
    RESOLVED = "resolved", "Resolved"


class QueryQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The queries on the logs this person may see; any other is a 404."""
        return self.filter(record__in=Record.objects.visible_to(user))

    def awaiting(self, user):
        """Open queries on the logs this person may change, but not their own: theirs to
        answer. Staff (support may change any log) are not the providers a query waits for."""
        if not user.is_authenticated or user.staff_role:
            return self.none()
        return self.filter(status=Status.OPEN, record__in=Record.objects.changeable_by(user)).exclude(raised_by=user)


class Query(models.Model):
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="queries")
    question = models.CharField(max_length=100, blank=True,
                                help_text="The question the query is about (its id); blank: the whole log")
    answer_values = models.JSONField(default=dict, blank=True,
                                     help_text="The question's answers as stored when it was raised: variable -> value")
    answer_text = models.TextField(blank=True, help_text="That answer as the raiser read it")
    message = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = QueryQuerySet.as_manager()

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name_plural = "queries"
        indexes = [models.Index(fields=["status", "raised_at"])]

    def __str__(self):
        return f"Query {self.pk} on {self.record}"

    @property
    def about(self):
        """The label of the question the query is about ("Date of visit"); "" for the whole log."""
        if not self.question:
            return ""
        definition = registry.get(self.record.collection).definition(self.record.record_type, self.record.version)
        question = definition.questions.get(self.question)
        return (question.label or question.text) if question else self.question

    def answer_changed(self):
        """Whether the answer the query is about differs now from when it was raised."""
        return bool(self.question) and any(
            self.record.answers.get(variable) != value for variable, value in self.answer_values.items())

    def changes_since_raised(self):
        """The log's revisions since the query was raised that changed its answer (any
        answer, for a query about the whole log): who corrected it, and when."""
        revisions = self.record.revisions.filter(created_at__gt=self.raised_at).select_related("user")
        if not self.question:
            return list(revisions)
        return [revision for revision in revisions if set(revision.changes) & set(self.answer_values)]


class QueryEvent(models.Model):
    class Kind(models.TextChoices):
        RAISED = "raised", "Raised the query"
        REPLIED = "replied", "Answered"
        RESOLVED = "resolved", "Resolved the query"
        REOPENED = "reopened", "Reopened the query"

    query = models.ForeignKey(Query, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    text = models.TextField(blank=True, help_text="What they wrote: a reply, or why it was reopened")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.query}: {self.kind} by {self.by_id}"
