"""The demo's organisation data (cldc.platform.organisations.demo, run by `cldc demo`):
agreements accepted so that records can be made, and one merged organisation, once."""

from cldc.platform.organisations import demo
from cldc.platform.organisations.models import DataSharingAgreement, Membership, Organisation


def test_each_demo_organisation_with_a_person_has_its_agreement_accepted_by_them(make_organisation, make_person):
    homes = make_organisation("Demo Homes", data_sharing_agreement=False)
    empty = make_organisation("Nobody Yet Homes", data_sharing_agreement=False)
    person = make_person("first@demo-homes.example", homes)
    demo.accept_agreements([homes, empty])
    assert DataSharingAgreement.objects.get(organisation=homes).accepted_by == person
    assert Membership.objects.get(user=person).is_data_protection_officer
    assert not DataSharingAgreement.objects.filter(organisation=empty).exists()  # no officer to accept it


def test_the_demo_merges_an_organisation_into_the_parent_once(make_organisation):
    parent = make_organisation("Demo Parent Group")
    first = demo.merged_organisation(parent, "a-password-for-the-demo")
    assert len(first) == 1 and demo.merged_organisation(parent, "a-password-for-the-demo") == []
    merged = Organisation.objects.get(name=demo.MERGED["name"])
    assert (merged.absorbing_organisation, merged.merge_date) == (parent, demo.MERGE_DATE)
    assert Membership.objects.get(user__email=demo.MERGED_PERSON[0], organisation=parent).starts_on == demo.MERGE_DATE
