"""The set-up page names only whom every channel may name, with CORE's rule that a
managing organisation is related to the owner (bu_managing_org_related, the pack's
`organisations_related` rule, which the test collection has not). The resolver itself,
and the rest of the web form: tests/records/test_references.py."""

import re

from django_tenants.utils import schema_context

from cldc.platform.records.models import Record

ASSIGNEE_REFUSED = ("You cannot assign this log to this person: check the email address, and that they are in the "
                    "owning or managing organisation.")


def set_up(client, owner, manager, assignee=None):
    return client.post("/logs/new/", {"record_type": "core:lettings", "year": "2026", "owning_organisation": owner.pk,
                                      "managing_organisation": manager.pk, "assigned_to": assignee.pk if assignee else ""})


def test_the_set_up_page_names_only_whom_every_channel_may_name(client_for, coordinator, orgs, make_person, core_service):
    client = client_for("core", coordinator)
    child_officer = make_person("officer@child.example", orgs["child"])
    # A person of the child, whom the parent's coordinator acts for, in a log the parent owns and manages:
    response = set_up(client, orgs["parent"], orgs["parent"], child_officer)
    assert response.status_code == 200
    assert f'<a href="#id_assigned_to">{ASSIGNEE_REFUSED}</a>' in response.content.decode()
    # A managing organisation unrelated to the owner, though the coordinator acts for both:
    coordinator.memberships.create(organisation=orgs["other"], role="data_coordinator")
    response = set_up(client, orgs["parent"], orgs["other"])
    assert response.status_code == 200
    assert ("This managing organisation does not have a relationship with the owning organisation."
            in response.content.decode())
    with schema_context("core"):
        assert not Record.objects.exists()
    # The log the child manages may be assigned to the child's person.
    response = set_up(client, orgs["parent"], orgs["child"], child_officer)
    assert response.status_code == 302, response.content.decode()[:2000]
    with schema_context("core"):
        record = Record.objects.get(pk=int(re.search(r"/logs/(\d+)/", response.url).group(1)))
        assert record.assigned_to == child_officer and record.answers["assigned_to_id"] == str(child_officer.pk)
