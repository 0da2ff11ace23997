"""An entry's history (docs/registers.md): each change to a register entry (who, when,
which fields, before and after), and each deactivation and reactivation, is recorded and
listed on the entry's page to data coordinators and support; data providers read the
entry without it. Tested with CORE's schemes, the one package that declares registers."""

import datetime as dt
import re

import pytest
from django_tenants.utils import schema_context

from cldc.platform.registers.models import EntryChange
from cldc.tests.core.schemes import make_scheme

SCHEME_FORM = {"service_name": "Hope House", "sensitive": "0", "scheme_type": "6", "registered_under_care_act": "1",
               "arrangement_type": "D", "primary_client_group": "Q", "has_other_client_group": "0",
               "support_type": "3", "intended_stay": "M"}
DEACTIVATION = {"deactivated_on_0": "1", "deactivated_on_1": "6", "deactivated_on_2": "2026"}


@pytest.fixture
def coordinator_client(client_for, coordinator, core_service):
    return client_for("core", coordinator)


def history_of(body):
    """The History section of an entry's page, as text without tags."""
    if 'id="history"' not in body:
        return None
    section = body.split('id="history"', 1)[1]
    return " ".join(re.sub(r"<[^>]+>", " ", section).split())


def changes(scheme):
    with schema_context("core"):
        return [(c.kind, c.fields) for c in EntryChange.objects.filter(entry=scheme).order_by("pk")]


def test_a_change_is_recorded_with_who_and_each_field_before_and_after(coordinator_client, coordinator, orgs):
    client = coordinator_client
    client.post("/registers/scheme/add/", {"owner": orgs["parent"].pk, **SCHEME_FORM})
    client.post("/registers/scheme/check/")
    with schema_context("core"):
        scheme = EntryChange.objects.get().entry
    changed = {**SCHEME_FORM, "service_name": "Hope Court", "support_type": "2"}
    assert client.post(f"/registers/scheme/{scheme.pk}/change/", {"owner": orgs["parent"].pk, **changed}).status_code == 302
    client.post("/registers/scheme/check/")
    client.post(f"/registers/scheme/{scheme.pk}/change/", {"owner": orgs["parent"].pk, **changed})
    client.post("/registers/scheme/check/")  # saved again with nothing changed: nothing recorded

    recorded = changes(scheme)
    assert [kind for kind, _ in recorded] == ["added", "changed"]
    assert recorded[1][1] == [{"field": "service_name", "before": "Hope House", "after": "Hope Court"},
                              {"field": "support_type", "before": 3, "after": 2}]
    history = history_of(client.get(f"/registers/scheme/{scheme.pk}/").content.decode())
    today = dt.date.today()
    assert f"Changed on {today.day} {today:%B %Y}" in history and "by Coordinator" in history
    assert "Scheme name Hope House Hope Court" in history
    assert "Level of support given Medium level Low level" in history
    assert history.index("Changed on") < history.index("Added on")  # newest first


def test_deactivation_and_reactivation_are_recorded(coordinator_client, orgs):
    scheme, _ = make_scheme(orgs["parent"])
    url = f"/registers/scheme/{scheme.pk}/"
    coordinator_client.post(url + "deactivate/", {**DEACTIVATION, "confirm": "yes"})
    coordinator_client.post(url + "reactivate/", {"reactivated_on_0": "1", "reactivated_on_1": "9",
                                                   "reactivated_on_2": "2026", "confirm": "yes"})
    assert [kind for kind, _ in changes(scheme)] == ["added", "deactivated", "reactivated"]
    history = history_of(coordinator_client.get(url).content.decode())
    assert "Deactivated on" in history and "Not available from Not given 1 June 2026" in history
    assert "Reactivated on" in history and "Available again from Not again 1 September 2026" in history


def test_a_data_provider_reads_the_entry_without_its_history(client_for, make_person, orgs, core_service):
    scheme, _ = make_scheme(orgs["parent"])
    provider = client_for("core", make_person("provider@parent.example", orgs["parent"]))
    body = provider.get(f"/registers/scheme/{scheme.pk}/").content.decode()
    assert scheme.name in body and history_of(body) is None


def test_a_name_with_markup_is_shown_as_text_in_the_history(coordinator_client, orgs):
    coordinator_client.post("/registers/scheme/add/", {"owner": orgs["parent"].pk,
                                                       **{**SCHEME_FORM, "service_name": "<script>x()</script>"}})
    coordinator_client.post("/registers/scheme/check/")
    with schema_context("core"):
        scheme = EntryChange.objects.get().entry
    body = coordinator_client.get(f"/registers/scheme/{scheme.pk}/").content.decode()
    assert "<script>x()</script>" not in body and "&lt;script&gt;x()&lt;/script&gt;" in history_of(body)
