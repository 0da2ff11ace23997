"""The demo's organisation data (`cldc demo`, platform/cli/demo.py): every demo
organisation's data sharing agreement accepted by a data protection officer, so that
records can be made for it, and a housing association merged into the demo's parent."""

from datetime import date

from cldc.platform.organisations import merges
from cldc.platform.organisations.models import (DataSharingAgreement, Membership, MembershipRole, Organisation,
                                                OrganisationType, Region)
from cldc.platform.people.models import User

MERGED = dict(name="Demo Former Housing Trust", type=OrganisationType.PRIVATE_REGISTERED_PROVIDER,
              regulator_number="LH0002", region=Region.NORTH_WEST, active_from=date(2020, 4, 1))
MERGE_DATE = date(2026, 6, 1)
MERGED_PERSON = ("former@example.com", "Fran Former")


def accept_agreements(organisations, on=date(2026, 4, 1)):
    """Each organisation's agreement, accepted by its first member (made its data
    protection officer). Lines to print."""
    lines = []
    for organisation in organisations:
        if DataSharingAgreement.objects.filter(organisation=organisation).exists():
            continue
        membership = Membership.objects.filter(organisation=organisation).select_related("user").order_by("pk").first()
        if membership is None:
            continue
        membership.is_data_protection_officer = True
        membership.save(update_fields=["is_data_protection_officer"])
        DataSharingAgreement.objects.create(organisation=organisation, accepted_by=membership.user,
                                            accepted_by_name=membership.user.name, accepted_on=on)
        lines.append(f"{membership.user.name} accepted the data sharing agreement for {organisation.name}.")
    return lines


def merged_organisation(absorbing, password):
    """An association that merged into `absorbing` on MERGE_DATE, with a person who moved."""
    merged, _ = Organisation.objects.get_or_create(regulator_number=MERGED["regulator_number"], defaults=MERGED)
    email, name = MERGED_PERSON
    person = User.objects.filter(email=email).first() or User.objects.create_user(email, password, name=name)
    Membership.objects.get_or_create(user=person, organisation=merged,
                                     defaults={"role": MembershipRole.DATA_COORDINATOR, "starts_on": MERGED["active_from"]})
    accept_agreements([merged])
    if merged.absorbing_organisation_id:
        return []
    merges.merge(merged, absorbing, MERGE_DATE)
    return [f"{merged.name} merged into {absorbing.name} on {merges.long_date(MERGE_DATE)} ({email} moved with it)."]
