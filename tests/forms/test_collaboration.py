"""Working together on a record, on the platform's test collection (home visits):
assignment, sharing by name with a related organisation's person (and stopping),
provenance, and duplicate flags."""

import re

from django_tenants.utils import schema_context

from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


def new_log(client, owner):
    response = client.post("/logs/new/", {"record_type": "visits:visit", "year": "2026",
                                          "owning_organisation": owner.pk, "managing_organisation": owner.pk})
    return int(re.search(r"/logs/(\d+)/", response.url).group(1))


def test_a_log_is_assigned_to_a_colleague(client_for, make_person, orgs, visits_service):
    officer = make_person("officer@example.com", orgs["child"])
    colleague = make_person("colleague@example.com", orgs["child"], name="Colin Colleague")
    make_person("outsider@example.com", orgs["other"])
    client = client_for("visits", officer)
    pk = new_log(client, orgs["child"])
    form = client.get(f"/logs/{pk}/assign/").content.decode()
    assert "Colin Colleague" in form and "outsider@example.com" not in form
    assert client.post(f"/logs/{pk}/assign/", {"person": colleague.pk}).status_code == 302
    with schema_context("visits"):
        record = Record.objects.get(pk=pk)
    assert record.assigned_to == colleague and record.answers["assigned_to_id"] == str(colleague.pk)
    assert "Colin Colleague" in client.get(f"/logs/{pk}/").content.decode()


def test_sharing_by_name_with_a_related_organisation(client_for, make_person, orgs, visits_service):
    officer = make_person("officer@example.com", orgs["child"])
    helper = make_person("helper@example.com", orgs["parent"])  # the parent already acts for the child
    grandchild = make_person("partner@example.com", orgs["other"])
    client = client_for("visits", officer)
    pk = new_log(client, orgs["child"])
    partner = client_for("visits", grandchild)
    assert partner.get(f"/logs/{pk}/").status_code == 404
    response = client.post(f"/logs/{pk}/share/", {"email": "partner@example.com"})
    assert "You can only share a visit with someone in an organisation related to it" in response.content.decode()
    # Relate the other organisation to the child (a supporting organisation), then share.
    from cldc.platform.organisations.models import OrganisationRelationship

    OrganisationRelationship.objects.create(parent=orgs["child"], child=orgs["other"], kind="supporting")
    assert client.post(f"/logs/{pk}/share/", {"email": "partner@example.com"}).status_code == 302
    assert partner.get(f"/logs/{pk}/").status_code == 200
    assert partner.get(f"/logs/{pk}/page/visit/").status_code == 200
    assert "Visit " + str(pk) in partner.get("/logs/").content.decode()
    assert "partner@example.com" in client.get(f"/logs/{pk}/share/").content.decode()
    client.post(f"/logs/{pk}/share/{grandchild.pk}/stop/")
    assert partner.get(f"/logs/{pk}/").status_code == 404
    assert helper  # the parent's people see it without sharing
    assert client_for("visits", helper).get(f"/logs/{pk}/").status_code == 200


def test_a_share_in_one_service_is_not_a_share_in_another(client_for, make_person, orgs, visits_service, hclic_service):
    from guardian.models import UserObjectPermission

    officer = make_person("officer@example.com", orgs["child"])
    pk = new_log(client_for("visits", officer), orgs["child"])
    with schema_context("hclic"):
        assert not UserObjectPermission.objects.exists()
        assert Record.objects.filter(pk=pk).count() == 0


def test_duplicates_are_flagged_on_the_log_and_in_the_list(client_for, make_person, orgs, visits_service, complete_visit):
    officer = make_person("officer@example.com", orgs["child"])
    client = client_for("visits", officer)
    # A complete visit: every duplicate-check answer is given.
    same = complete_visit()
    pks = [new_log(client, orgs["child"]) for _ in range(3)]
    with schema_context("visits"):
        for pk in pks[:2]:
            submit(Record.objects.get(pk=pk), same, source="api", user=officer)
        submit(Record.objects.get(pk=pks[2]), {**same, "visitref": "ANOTHER"}, source="api", user=officer)
        assert Record.objects.get(pk=pks[0]).duplicate_key
    page = client.get(f"/logs/{pks[0]}/").content.decode()
    assert "This visit may be a duplicate of" in page and f"visit {pks[1]}" in page
    assert "may be a duplicate" not in client.get(f"/logs/{pks[2]}/").content.decode()
    listing = client.get("/logs/").content.decode()
    assert listing.count("Possible duplicate") == 2


def test_a_log_is_not_shared_with_someone_whose_membership_has_ended(client_for, make_person, orgs, visits_service):
    from cldc.platform.organisations.models import Membership, OrganisationRelationship

    officer = make_person("officer@example.com", orgs["child"])
    former = make_person("former@example.com", orgs["other"])
    OrganisationRelationship.objects.create(parent=orgs["child"], child=orgs["other"], kind="supporting")
    Membership.objects.get(user=former, organisation=orgs["other"]).end()
    client = client_for("visits", officer)
    pk = new_log(client, orgs["child"])
    response = client.post(f"/logs/{pk}/share/", {"email": "former@example.com"})
    assert response.status_code == 200
    assert "You can only share a visit with someone in an organisation related to it" in response.content.decode()
    assert client_for("visits", former).get(f"/logs/{pk}/").status_code == 404
