"""Matches learned from organisations: a heading that several organisations matched by
hand to the same question is suggested to everyone (issue 17).

A match is by hand when the person chose a question for a column the automatic
matching was not sure of, or changed the one it was sure of. Each organisation counts
once for a heading (its latest choice); when at least `CLDC_MATCHES_LEARNED_FROM`
organisations (3 unless set) chose one question for it, a file with that heading is
offered that question first. Offered, never applied: the column stays doubtful, so a
person checks it (a heading can mean different things in different systems). Only
headings and questions are kept (HandMatch), never a value from a file.
"""

from django.conf import settings
from django.db.models import Count

from cldc.platform.uploads.models import HandMatch
from cldc.platform.uploads.provider_rows import target_key


def organisations_needed():
    return getattr(settings, "CLDC_MATCHES_LEARNED_FROM", 3)


def by_hand(choice):
    """Whether the person matched a column (a mappings.ColumnChoice after the form) by hand."""
    if choice.target is None or choice.band == "saved":
        return False
    automatic = choice.suggestions[0].target if choice.suggestions else None
    return choice.band != "confident" or choice.target != automatic


def remember(upload, choices):
    """Keep the headings the organisation matched by hand, and to what."""
    for choice in choices:
        if by_hand(choice):
            HandMatch.objects.update_or_create(
                organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
                heading=choice.saved_as[:200], defaults={"target": target_key(choice.target)})


def learned(collection, record_type, headings):
    """{heading: target key} for those of `headings` (as compared) that enough
    organisations matched by hand to one target."""
    found = (HandMatch.objects.filter(collection=collection, record_type=record_type, heading__in=list(headings))
             .values("heading", "target").annotate(organisations=Count("organisation", distinct=True))
             .filter(organisations__gte=organisations_needed()).order_by("heading", "-organisations"))
    chosen = {}
    for row in found:
        chosen.setdefault(row["heading"], row["target"])
    return chosen
