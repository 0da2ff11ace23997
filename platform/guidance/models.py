"""Per-question help that content designers write in each service's Wagtail.

A snippet is keyed to a collection, a record type, a question id and the versions
(years) it applies to. The web form shows it under the question as a GOV.UK details
component; where there is none, the page keeps the definition's hint. Snippets live
in the service's schema, like the rest of its Wagtail content.
"""

import difflib
import re

from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from wagtail.fields import RichTextField
from wagtail.models import DraftStateMixin, RevisionMixin

from cldc.platform import registry

HELP_FEATURES = ["bold", "link", "ol", "ul"]
DEFAULT_SUMMARY = "Help with this question"

# The syntax of a rule's `years` (cldc.platform.rules.engine.years_cover), as text.
VERSIONS_PATTERN = re.compile(r"\d{4}(-(\d{4})?)?|-\d{4}")
VERSIONS_HELP = "2026 for 2026/27 only, 2026- for 2026/27 onwards, 2025-2026 for 2025/26 to 2026/27"


def validate_versions(value):
    first, _, last = value.partition("-")
    if not VERSIONS_PATTERN.fullmatch(value) or (first and last and int(first) > int(last)):
        raise ValidationError(f"Enter the years as {VERSIONS_HELP}")


class QuestionGuidance(DraftStateMixin, RevisionMixin, models.Model):
    collection = models.CharField(max_length=50)
    record_type = models.CharField(max_length=50)
    question = models.CharField(
        max_length=100, help_text="The question's id in the collection's definition file, for example brent"
    )
    versions = models.CharField(
        max_length=20, validators=[validate_versions], help_text=f"The years it applies to: {VERSIONS_HELP}"
    )
    summary = models.CharField(
        max_length=120, default=DEFAULT_SUMMARY, help_text="The link people select to open the help"
    )
    body = RichTextField(features=HELP_FEATURES)

    # Wagtail keeps drafts and history as revisions; only the published version shows.
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="questionguidance")

    class Meta:
        verbose_name = "question guidance"
        verbose_name_plural = "question guidance"
        indexes = [models.Index(fields=["collection", "record_type", "question"])]

    def __str__(self):
        return f"{self.question} ({self.collection} {self.record_type}, {self.versions})"

    @property
    def revisions(self):
        return self._revisions

    def clean(self):
        super().clean()
        if self.collection and self.record_type and self.question:
            error = key_error(self.collection, self.record_type, self.question)
            if error:
                raise ValidationError(dict([error]))


def key_error(collection_name, record_type, question):
    """(field, message) when the collection, record type or question does not exist,
    else None. A question needs to exist in one version, not all: guidance may be
    written for a question that a later year drops, or before the next year's file."""
    try:
        collection = registry.get(collection_name)
    except LookupError:
        names = ", ".join(registry.collection_names())
        return "collection", f"There is no collection called {collection_name!r}. Use one of: {names}"
    if record_type not in collection.record_types:
        names = ", ".join(collection.record_types)
        return "record_type", f"{collection.name} has no record type called {record_type!r}. Use one of: {names}"
    ids = set()
    for version in collection.versions(record_type):
        ids |= set(collection.definition(record_type, version).questions)
    if question in ids:
        return None
    message = f"No version of {collection.name} {record_type} has a question called {question!r}"
    close = difflib.get_close_matches(question, ids, n=1)
    return "question", message + (f". Did you mean {close[0]}?" if close else "")
