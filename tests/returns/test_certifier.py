"""A certifier (a membership role) signs off their organisation's returns where the
returns file's `sign_off` lets one (tests/packages/visits/returns/visit.yaml), sees its
records and its returns, and changes nothing: no record, no choice, no submission. As a
matrix for signing off a submitted return: the organisation's coordinator, its
certifier, its data provider, and another organisation's certifier."""

import datetime as dt

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError
from cldc.platform.records.models import Record
from cldc.platform.returns import access, workflow
from cldc.platform.returns.declarations import Period, read_returns, returns_of
from cldc.platform.returns.models import Return
from cldc.tests.returns.conftest import return_url

SIGN_OFF = {  # person: the status of their sign-off POST, and whether it is signed off after
    "parent coordinator": (302, True),
    "parent certifier": (302, True),
    "parent provider": (403, False),
    "other certifier": (404, False),
}


@pytest.fixture
def certifiers(world, make_person, client_for):
    people = {"parent certifier": make_person("certifier@parent.example", world["orgs"]["parent"], role="certifier"),
              "other certifier": make_person("certifier@other.example", world["orgs"]["other"], role="certifier")}
    return {"people": people, "clients": {name: client_for("visits", person) for name, person in people.items()}}


@pytest.mark.parametrize("person", list(SIGN_OFF))
def test_who_may_sign_off_a_submitted_return(world, certifiers, make_visit, person):
    parent = world["orgs"]["parent"]
    make_visit(parent, "SIGNED", dt.date(2026, 5, 1))
    with schema_context("visits"):
        workflow.submit(returns_of("visits", "visit"), parent, Period(2026, 1), world["people"]["parent coordinator"])
    client = {**world["clients"], **certifiers["clients"]}[person]
    status = client.post(return_url(parent, step="sign-off")).status_code
    with schema_context("visits"):
        signed_off = Return.objects.get(organisation=parent, number=1).status == "signed_off"
    assert (status, signed_off) == SIGN_OFF[person]


def test_a_certifier_sees_the_return_and_its_records_but_changes_nothing(world, certifiers, make_visit):
    parent = world["orgs"]["parent"]
    visit = make_visit(parent, "CERTIFIED", dt.date(2026, 5, 1))
    certifier, client = certifiers["people"]["parent certifier"], certifiers["clients"]["parent certifier"]
    page = client.get(return_url(parent)).content.decode()
    assert f'id="included-{visit.pk}"' in page and "Include or exclude" not in page and "Submit the return" not in page
    with schema_context("visits"):
        assert list(Record.objects.visible_to(certifier).values_list("pk", flat=True)) == [visit.pk]
        assert not Record.objects.changeable_by(certifier).exists()
    assert client.post(return_url(parent, step="choose"), {"record": visit.pk, "decision": "exclude",
                                                           "reason": "Not mine to change"}).status_code == 403
    assert client.post(return_url(parent, step="submit")).status_code == 403
    record_page = client.get(f"/logs/{visit.pk}/")
    assert record_page.status_code == 200 and record_page.context["can_change"] is False  # read, not changed
    assert client.get(return_url(world["orgs"]["other"])).status_code == 404
    with schema_context("visits"):
        assert not Return.objects.filter(status="submitted").exists()


def test_a_returns_file_decides_whether_a_certifier_signs_off(world, certifiers, tmp_path):
    """`sign_off: data_coordinator` alone leaves certifiers out; an unknown role is refused."""
    definition = registry.get("visits").definition("visit", 2026)
    path = tmp_path / "visit.yaml"
    trigger = 'include_when:\n  - {id: a, label: A, expression: "visitdate >= quarter_start"}\n'
    parent, certifier = world["orgs"]["parent"], certifiers["people"]["parent certifier"]
    path.write_text(f"period: quarter\nsign_off: data_coordinator\n{trigger}")
    coordinators_only = read_returns(path, [definition], set())
    assert not access.may_sign_off(certifier, parent, coordinators_only)
    assert access.may_sign_off(world["people"]["parent coordinator"], parent, coordinators_only)
    assert access.may_sign_off(certifier, parent, returns_of("visits", "visit"))
    path.write_text(f"period: quarter\nsign_off: [data_coordinator, auditor]\n{trigger}")
    with pytest.raises(DefinitionError, match="sign_off: 'auditor' is not a role"):
        read_returns(path, [definition], set())
