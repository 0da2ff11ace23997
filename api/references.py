"""References to organisations and people in API requests.

An organisation is `ORG<id>`, its id, its ONS code or its regulator number (as in bulk
upload). A person (a record's assignee) is their email address or id. Either must be
one the client acts for; a reference to anything else gets the same answer whether it
exists or not.
"""

from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User

ORGANISATION_COLUMNS = ("owning_organisation", "managing_organisation")
PERSON_COLUMNS = ("assigned_to",)


def organisation_reference(organisation):
    return f"ORG{organisation.pk}"


def find_organisation(reference, among):
    """The organisation a reference names, if it is in `among` (a dict by pk)."""
    return Organisation.objects.filter(pk__in=among).by_reference(reference)


def find_person(reference, organisations):
    """An active person with an active membership of one of `organisations`."""
    text = str(reference).strip()
    people = User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.active().filter(organisation__in=organisations).values("user"),
    )
    if text.isdigit():
        return people.filter(pk=int(text)).first()
    return people.filter(email__iexact=text).first()


def not_permitted(reference):
    return (f"You cannot submit logs for the organisation “{reference}”. Check the reference, or ask the "
            "organisation to authorise your system.")


def refusal(column, reference):
    """Why a reference in a record field (organisation or person) is refused."""
    if column in PERSON_COLUMNS:
        return f"“{reference}” is not an active person in an organisation this client acts for"
    return not_permitted(reference)

