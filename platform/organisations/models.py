"""Organisations, their hierarchy and memberships. Shared by every service."""

import re
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class OrganisationType(models.TextChoices):
    LOCAL_AUTHORITY = "local_authority", "Local authority"
    PRIVATE_REGISTERED_PROVIDER = "prp", "Private registered provider"
    OTHER = "other", "Other"


class Region(models.TextChoices):
    """England's nine regions: organisations of one type in one region are each other's
    peers in their figures (cldc.platform.playback)."""

    NORTH_EAST = "north_east", "North East"
    NORTH_WEST = "north_west", "North West"
    YORKSHIRE_AND_THE_HUMBER = "yorkshire_and_the_humber", "Yorkshire and The Humber"
    EAST_MIDLANDS = "east_midlands", "East Midlands"
    WEST_MIDLANDS = "west_midlands", "West Midlands"
    EAST_OF_ENGLAND = "east_of_england", "East of England"
    LONDON = "london", "London"
    SOUTH_EAST = "south_east", "South East"
    SOUTH_WEST = "south_west", "South West"


class ActiveQuerySet(models.QuerySet):
    """Rows whose [starts_on, ends_on] window contains a date (today by default)."""

    start_field = "starts_on"
    end_field = "ends_on"

    def active(self, on=None):
        on = on or date.today()
        return self.filter(
            Q(**{f"{self.start_field}__isnull": True}) | Q(**{f"{self.start_field}__lte": on}),
            Q(**{f"{self.end_field}__isnull": True}) | Q(**{f"{self.end_field}__gte": on}),
        )


BY_ID = re.compile(r"ORG(\d+)", re.IGNORECASE)  # an organisation named by its id: ORG7


class OrganisationQuerySet(ActiveQuerySet):
    start_field = "active_from"
    end_field = "active_to"

    def by_reference(self, reference):
        """The organisation a file or an API call names: `ORG<id>`, its ONS code, its
        regulator number, or its id (a number that is no one's code or number)."""
        text = str(reference or "").strip()
        if not text:
            return None
        match = BY_ID.fullmatch(text)
        if match:
            return self.filter(pk=int(match.group(1))).first()
        found = self.filter(Q(ons_code__iexact=text) | Q(regulator_number__iexact=text)).first()
        if found is None and text.isdecimal():
            found = self.filter(pk=int(text)).first()
        return found


def check_dates(start, end, end_field):
    if start and end and end < start:
        raise ValidationError({end_field: "The end date must be the same as or after the start date"})


class Organisation(models.Model):
    name = models.CharField(max_length=200, unique=True)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    ons_code = models.CharField(
        "ONS code",
        max_length=9,
        blank=True,
        validators=[RegexValidator(r"^E0[6-9]\d{6}$", "Enter an ONS local authority code, like E08000035")],
        help_text="For a local authority: the ONS code, like E08000035",
    )
    regulator_number = models.CharField(
        "regulator number",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^(L|LH)?\d{4}$", "Enter a regulator number, like LH0123 or 4567")],
        help_text="For a private registered provider: its Regulator of Social Housing number",
    )
    region = models.CharField(
        max_length=30, choices=Region.choices, blank=True,
        help_text="The region of England it works in: organisations of the same type and region are compared")
    active_from = models.DateField(null=True, blank=True)
    active_to = models.DateField(null=True, blank=True, help_text="Leave empty while the organisation is active")
    holds_stock = models.BooleanField(
        "holds its own stock", default=True,
        help_text="An organisation that holds no stock of its own records only as another's managing agent")
    # A merge (cldc.platform.organisations.merges): from merge_date the organisation is
    # part of the absorbing one. Its records keep its name (docs/adr/0016).
    merge_date = models.DateField(null=True, blank=True, help_text="The first day it is part of the absorbing organisation")
    absorbing_organisation = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="absorbed_organisations",
        help_text="The organisation it merged into")
    updated_at = models.DateTimeField(
        auto_now=True, help_text="Last change: a partial export re-sends the records that name the organisation")

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ons_code"], condition=~Q(ons_code=""), name="unique_ons_code"),
            models.UniqueConstraint(
                fields=["regulator_number"], condition=~Q(regulator_number=""), name="unique_regulator_number"
            ),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        check_dates(self.active_from, self.active_to, "active_to")
        if self.type == OrganisationType.LOCAL_AUTHORITY and not self.ons_code:
            raise ValidationError({"ons_code": "Enter the ONS code of the local authority"})
        if self.type == OrganisationType.PRIVATE_REGISTERED_PROVIDER and not self.regulator_number:
            raise ValidationError({"regulator_number": "Enter the regulator number of the provider"})

    @property
    def official_code(self):
        return self.ons_code or self.regulator_number

    @property
    def data_sharing_agreement(self):
        """The accepted agreement, or None: no records may be created for it until one is."""
        return DataSharingAgreement.objects.filter(organisation=self).first()


class DataSharingAgreement(models.Model):
    """An organisation's acceptance of the data sharing agreement, by its data protection
    officer: until there is one, no channel creates records for it (the gateway)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    accepted_by_name = models.CharField(max_length=150, help_text="As the person was called when they accepted")
    accepted_on = models.DateField()
    accepted_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.organisation}: accepted by {self.accepted_by_name} on {self.accepted_on}"


class OptionsInUse(models.Model):
    """The options of one question an organisation uses (CORE: its rent periods), where
    a package lets organisations choose (`offered_when: - options_of: <organisation>`,
    docs/definitions.md). Without a row the organisation uses every option."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="options_in_use")
    collection = models.CharField(max_length=40)
    question = models.CharField(max_length=80, help_text="The question's id in the collection's definitions")
    codes = models.JSONField(help_text="The codes of the options it uses, as the definition writes them")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "collection", "question"],
                                               name="one_choice_per_question")]

    def __str__(self):
        return f"{self.organisation}: {self.collection} {self.question}"


class RelationshipKind(models.TextChoices):
    STOCK_OWNER = "stock_owner", "Stock owner and managing agent"
    SUPPORTING = "supporting", "Supporting organisation (submits for a smaller one)"


class OrganisationRelationship(models.Model):
    """A parent organisation may act for its child: a stock owner for its managing agent,
    or a local authority for the small association it helps. Many-to-many: an organisation
    can have several parents and children, and be both."""

    parent = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="child_relationships")
    child = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="parent_relationships")
    kind = models.CharField(max_length=20, choices=RelationshipKind.choices)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True, help_text="Leave empty while the relationship lasts")

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["parent__name", "child__name"]
        constraints = [
            models.CheckConstraint(condition=~Q(parent=models.F("child")), name="relationship_not_to_self"),
            models.UniqueConstraint(fields=["parent", "child", "kind", "starts_on"], name="unique_relationship"),
        ]

    def __str__(self):
        return f"{self.parent} → {self.child} ({self.get_kind_display()})"

    def clean(self):
        check_dates(self.starts_on, self.ends_on, "ends_on")
        if self.parent_id and self.parent_id == self.child_id:
            raise ValidationError({"child": "An organisation cannot be its own parent"})
        if self.parent_id and self.child_id and self.child_id in self.ancestors_of(self.parent_id):
            raise ValidationError({"child": (
                f"{self.child.name} is already a parent of {self.parent.name}, directly or through other "
                f"organisations, so it cannot also be its child. Change or end that relationship first.")})

    def ancestors_of(self, organisation_id):
        """Ids of every organisation above this one through other relationships (whatever
        their kind or dates: a loop is wrong even while one side of it is ended)."""
        others = OrganisationRelationship.objects.exclude(pk=self.pk)
        found, frontier = set(), {organisation_id}
        while frontier:
            parents = set(others.filter(child__in=frontier).values_list("parent", flat=True)) - found
            found |= parents
            frontier = parents
        return found


class MembershipRole(models.TextChoices):
    DATA_PROVIDER = "data_provider", "Data provider"
    DATA_COORDINATOR = "data_coordinator", "Data coordinator"
    # Signs off the organisation's returns where the package allows (returns/*.yaml `sign_off`):
    # sees its records and figures, changes nothing (organisations.policy.organisations_certified).
    CERTIFIER = "certifier", "Certifier"


class Membership(models.Model):
    """A person's role in an organisation."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=MembershipRole.choices, default=MembershipRole.DATA_PROVIDER)
    is_data_protection_officer = models.BooleanField("data protection officer", default=False)
    is_key_contact = models.BooleanField("key contact", default=False)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    awaiting_sign_in = models.BooleanField(
        default=False, help_text="An existing account added to the organisation: it shows as invited, "
                                 "as a new account would, until the person next signs in")

    objects = ActiveQuerySet.as_manager()

    class Meta:
        ordering = ["organisation__name", "user__name"]
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_organisation")]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} at {self.organisation}"

    def clean(self):
        check_dates(self.starts_on, self.ends_on, "ends_on")

    @property
    def is_coordinator(self):
        return self.role == MembershipRole.DATA_COORDINATOR

    @property
    def is_current(self):
        return Membership.objects.active().filter(pk=self.pk).exists()

    @property
    def status(self):
        """What the organisation's coordinator sees. An existing account added to the
        organisation shows as invited, as a new one would, until it next signs in."""
        if not self.is_current:
            return "Removed"
        if not self.user.is_active:
            return "Deactivated"
        return "Invited" if self.awaiting_sign_in or not self.user.has_accepted_invitation else "Active"

    def end(self):
        """The person no longer submits for this organisation, from today."""
        self.ends_on = date.today() - timedelta(days=1)
        if self.starts_on and self.starts_on > self.ends_on:
            self.starts_on = self.ends_on
        self.save(update_fields=["starts_on", "ends_on"])

    def restore(self):
        self.ends_on = None
        self.save(update_fields=["ends_on"])
