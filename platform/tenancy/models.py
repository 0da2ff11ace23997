"""The service registry. A tenant is a service, with its own PostgreSQL schema."""

from functools import cached_property

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django_tenants.models import DomainMixin, TenantMixin

from cldc.platform import registry
from cldc.platform.definitions.model import RECORD_NOUNS



def record_nouns(collections):
    """What people call a record of these collections, (singular, plural): the `noun`
    their definitions name ("log", "case"); "record" when they name none or do not agree."""
    named = set()
    for name in collections:
        collection = registry.get(name)
        for record_type in collection.record_types:
            for version in collection.versions(record_type):
                named.add(collection.definition(record_type, version).nouns)
    return named.pop() if len(named) == 1 else RECORD_NOUNS


def validate_collections(value):
    unknown = sorted(set(value) - set(registry.collection_names()))
    if unknown:
        raise ValidationError(f"Unknown collection: {', '.join(unknown)}")


class Service(TenantMixin):
    """A collection service, such as "Submit home visits data".

    Its look (theme, logo, colours, footer) is a Wagtail setting in its own schema,
    so content designers change it without a deploy: see cldc.platform.content.
    """

    name = models.CharField(
        max_length=40,
        unique=True,
        validators=[RegexValidator(r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and underscores")],
        help_text="Short name, also the PostgreSQL schema name",
    )
    title = models.CharField(max_length=120, help_text="The service name people see")
    collections = ArrayField(
        models.CharField(max_length=40),
        default=list,
        blank=True,
        validators=[validate_collections],
        help_text="Collection packages enabled in this service",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    # Saving a new service creates its schema and migrates it.
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    @property
    def is_public(self):
        return self.schema_name == "public"

    @cached_property
    def record_nouns(self):
        """What this service's people call a record. Pages say it as {{ service.noun }}
        and {{ service.nouns }}."""
        return record_nouns(self.collections)

    @property
    def noun(self):
        return self.record_nouns[0]

    @property
    def nouns(self):
        return self.record_nouns[1]


class Domain(DomainMixin):
    """A host name that serves a service, e.g. core.localhost."""

    def __str__(self):
        return self.domain
