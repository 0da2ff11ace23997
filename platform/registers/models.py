"""Register entries (docs/registers.md): what a service holds besides records, in a
register a package declares (CORE's schemes, and their locations), each owned by an
organisation, with the periods it is inactive."""

from django.conf import settings
from django.db import models

from cldc.platform.registers import declaration


class EntryQuerySet(models.QuerySet):
    def of(self, collection, register_name):
        return self.filter(collection=collection, register=register_name)

    def usable_by(self, organisations):
        """Entries owned or managed by one of `organisations` (ids or a queryset)."""
        return self.filter(models.Q(owner__in=organisations) | models.Q(manager__in=organisations))


class Entry(models.Model):
    """One entry of a register: its answers to the register's fields, its owner (and the
    agent that manages it for the owner, if any), and its parent entry for a child
    register (a location's scheme)."""

    collection = models.CharField(max_length=50)
    register = models.CharField(max_length=50)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    owner = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey("organisations.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", help_text="An agent that manages it for the owner; blank: the owner")
    answers = models.JSONField(default=dict)
    complete = models.BooleanField(default=False, help_text="Every field that applies is answered")
    available_from = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntryQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        indexes = [models.Index(fields=["collection", "register", "owner"])]

    @property
    def declared(self):
        return declaration.register(self.collection, self.register)

    @property
    def code(self):
        return self.declared.code(self.pk)

    @property
    def name(self):
        return str(self.answers.get(self.declared.name_field) or self.code)

    def __str__(self):
        return f"{self.name} ({self.code})"


class Deactivation(models.Model):
    """A period an entry is not available: from `deactivated_on` until `reactivated_on`
    (blank: for good)."""

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="deactivations")
    deactivated_on = models.DateField()
    reactivated_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deactivated_on"]


class EntryChange(models.Model):
    """One change to an entry, as its page lists it to coordinators and support: who made
    it, when, what kind, and for each field it changed the answer before and after (as
    stored: field ids and JSON values; `owner` and `manager` by organisation name;
    a deactivation's `deactivated_on` and `reactivated_on` as ISO dates)."""

    class Kind(models.TextChoices):
        ADDED = "added", "Added"
        CHANGED = "changed", "Changed"
        DEACTIVATED = "deactivated", "Deactivated"
        REACTIVATED = "reactivated", "Reactivated"

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    fields = models.JSONField(default=list, help_text='[{"field": id, "before": value, "after": value}]')
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-changed_at", "-pk"]
