"""Organisations an API request names besides a record's answers: the organisation of
an upload, and the list's filter. An organisation is `ORG<id>`, its id, its ONS code
or its regulator number (as in bulk upload), and must be one the client acts for; a
reference to anything else gets the same answer whether it exists or not.

What a record names (its owning and managing organisations, its assignee: the
`organisation` of a new record too) is resolved by cldc.platform.records.references,
as in every channel.
"""

from cldc.platform.organisations.models import Organisation


def find_organisation(reference, among):
    """The organisation a reference names, if it is in `among` (a dict by pk)."""
    return Organisation.objects.filter(pk__in=among).by_reference(reference)


def not_permitted(reference):
    return (f"You cannot submit logs for the organisation “{reference}”. Check the reference, or ask the "
            "organisation to authorise your system.")
