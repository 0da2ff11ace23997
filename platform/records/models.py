"""One generic record model for every collection, in each service's schema.
Records change only through the gateway (cldc.platform.records.gateway)."""

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.db import connection, models
from django.db.models.functions import Cast

from cldc.platform.organisations import policy
from cldc.platform.people.models import StaffRole


class Status(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"


class SoftCheckOutcome(models.TextChoices):
    """What became of a soft check that fired on a record (Record.soft_checks)."""

    WAITING = "waiting", "Waiting for a confirmation"
    CONFIRMED = "confirmed", "Confirmed"
    CORRECTED = "corrected", "Corrected: an answer changed and it no longer fires"


class Source(models.TextChoices):
    FORM = "form", "Web form"
    UPLOAD = "upload", "Bulk upload"
    API = "api", "API"


class RecordQuerySet(models.QuerySet):
    """Who may see and who may change records, decided here only: a person's pages
    find records through `visible_to` (to read) or `changeable_by` (to write); API
    clients through cldc.api.acting, on the same `owned_or_managed_by`. Seeing is not
    changing: analysts read every record and change none."""

    def visible_to(self, user):
        """The records a person may see: those they may change, those owned by an
        organisation they certify (policy.organisations_certified: to read the returns
        they sign off), and, for analysts, all (they query and export every
        organisation's data). Anyone else sees none: a record outside this is a 404."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if user.staff_role == StaffRole.ANALYST:
            return self.all()
        return self.changeable_by(user) | self.filter(owning_organisation__in=policy.organisation_ids_certified(user))

    def changeable_by(self, user):
        """The records a person may change (answer, confirm, assign, share): those of
        the organisations they act for (policy.organisations_acted_for), as owner or
        manager, and those shared with them by name; support may change any. Analysts,
        content designers and collection administrators act for no organisation, so
        they change none."""
        if not (user and user.is_authenticated and user.is_active):
            return self.none()
        if policy.is_support(user):
            return self.all()
        # Ids named, not subqueries: PostgreSQL then reads those organisations' records by
        # their indexes and knows how many to expect, where `IN (subquery) OR IN (subquery)`
        # read all of a million (bench/list_pages.py: 1.5 s to a few ms).
        acted_for = policy.organisation_ids_acted_for(user)
        shared = policy.remembered(user, ("shared", connection.schema_name),
                                   lambda: tuple(shared_with(user).values_list("record_id", flat=True)))
        return self.filter(owned_or_managed_by(acted_for) | models.Q(pk__in=shared))

    def duplicates_of(self, record):
        """Other records of the same owner with the same duplicate-check answers."""
        if not record.duplicate_key:
            return self.none()
        return self.filter(
            collection=record.collection, record_type=record.record_type,
            owning_organisation=record.owning_organisation_id, duplicate_key=record.duplicate_key,
        ).exclude(pk=record.pk)


def owned_or_managed_by(organisations):
    """Records owned or managed by any of these organisations: what acting for them
    reaches, for a person (above) or an API client (cldc.api.acting)."""
    return models.Q(owning_organisation__in=organisations) | models.Q(managing_organisation__in=organisations)


def may_create_records(user):
    """Whether a person may set up new records (in the web form, or from a file): for
    the organisations they act for, so only if they act for one. Staff other than
    support act for none."""
    return bool(policy.organisation_ids_acted_for(user))


SHARE_PERMISSION = "change_record"


def shared_with(user):
    """Ids of records shared with this person by name (a guardian object permission,
    in this service's schema): a collaborator in a related organisation."""
    from django.contrib.contenttypes.models import ContentType
    from guardian.models import UserObjectPermission

    return (
        UserObjectPermission.objects.filter(
            user=user, permission__codename=SHARE_PERMISSION,
            content_type=ContentType.objects.get_for_model(Record),
        )
        .annotate(record_id=Cast("object_pk", models.BigIntegerField()))
        .values("record_id")
    )


class Record(models.Model):
    collection = models.CharField(max_length=40)
    record_type = models.CharField(max_length=40)
    version = models.PositiveIntegerField(help_text="The definition version, e.g. 2026 for 2026/27")
    owning_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    managing_organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    answers = models.JSONField(default=dict, help_text="Answers by variable name, as normalised by the gateway")
    derived = models.JSONField(default=dict, help_text="Derived variables: computed by the gateway, never answered")
    confirmations = models.JSONField(
        default=dict, help_text="Soft checks confirmed: rule id -> the values it confirmed"
    )
    # Facts the gateway knows at save time, for the data-quality figures (cldc.platform.quality).
    error_count = models.PositiveIntegerField(default=0, help_text="Hard errors on the stored answers at the last save")
    completed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it last became complete; empty while it is not"
    )
    soft_checks = models.JSONField(
        default=dict, help_text="Every soft check that has fired on it: rule id -> waiting, confirmed or corrected"
    )
    provider_reference = models.CharField(max_length=200, blank=True, db_index=True)
    duplicate_key = models.CharField(
        max_length=64, blank=True, db_index=True,
        help_text="A digest of the definition's duplicate-check answers, once they are all given",
    )
    search_text = models.TextField(
        blank=True, default="", db_default="",
        help_text="The answers people search the list by (the definition's search_fields), lower case, one a line",
    )
    source = models.CharField(max_length=10, choices=Source.choices, help_text="The channel that created it")
    lock_version = models.PositiveIntegerField(default=0, help_text="Optimistic locking: +1 at every change")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecordQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["collection", "record_type", "version"]),
            models.Index(fields=["owning_organisation", "provider_reference"]),
            # An organisation's records of one year in id order: the data-quality drill-down's
            # page of 20 reads 20 rows, not the year (bench/quality.py: 488 ms to 12 ms at 1M).
            models.Index(fields=["owning_organisation", "collection", "record_type", "version", "id"],
                         name="records_owner_year_id"),
            # The list of logs (forms.views.log_list, bench/list_pages.py): newest first, over
            # everything (analysts, support, a large organisation: the first 20 are near the top)
            # or over one organisation's, owned or managed (a small one: read them, then sort).
            models.Index(fields=["updated_at"], name="records_updated"),
            models.Index(fields=["owning_organisation", "status", "updated_at"], name="records_owner_status_updated"),
            models.Index(fields=["managing_organisation", "status", "updated_at"],
                         name="records_manager_status_updated"),
            # Any part of a tenant code, reference or postcode, with LIKE '%...%' (pg_trgm).
            GinIndex(fields=["search_text"], opclasses=["gin_trgm_ops"], name="records_search_trigrams"),
        ]

    def __str__(self):
        return f"{self.record_type} {self.pk}"

    @property
    def reference_text(self):
        """The provider's reference as they wrote it ("BR-1, 2026-04-01"), not as matched."""
        from cldc.platform import registry

        names = registry.get(self.collection).definition(self.record_type, self.version).reference_key
        return ", ".join(str(self.answers[name]) for name in names if self.answers.get(name) not in (None, ""))


class Revision(models.Model):
    """Every change to a record: who (a person, or an API client), when, through which
    channel, and the field-level diff."""

    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    api_client = models.ForeignKey(
        "api.ApiClient", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The API client that made the change, for changes made through the API",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    changes = models.JSONField(help_text="variable -> [old, new]; confirmations under 'confirmations'")

    class Meta:
        ordering = ["record", "number"]
        constraints = [models.UniqueConstraint(fields=["record", "number"], name="one_revision_number_per_record")]

    def __str__(self):
        return f"{self.record} revision {self.number}"
