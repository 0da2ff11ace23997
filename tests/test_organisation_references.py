"""How files and API calls name an organisation: one rule for both."""

from cldc.platform.organisations.models import Organisation


def test_an_organisation_is_named_by_org_id_ons_code_regulator_number_or_id(make_organisation):
    council = make_organisation("Reference Borough Council", type="local_authority", ons_code="E06000123")
    association = make_organisation("Reference Housing Association", regulator_number="4607")
    found = Organisation.objects.by_reference
    assert found(f"ORG{council.pk}") == found(f" org{council.pk} ") == council
    assert found("e06000123") == council and found("4607") == association
    assert found(str(council.pk)) == council  # a number that is no one's code or number: an id
    assert found("") is None and found(None) is None and found("ORG0") is None and found("LH9999") is None
    assert Organisation.objects.filter(pk=association.pk).by_reference(f"ORG{council.pk}") is None
