"""A bulk upload row holds to the options a question offers (`offered_when`), as every
channel does: a council's row that gives a visit mode offered only to housing
associations (3, by video call) is refused on visitmode, without a bulk-upload rule
of the pack's own on that field in the gateway's words, as the API says it; a
council's own mode is stored. (A pack's own bulk-upload rule on the field taking the
place of the gateway's error is tested in CORE's words:
tests/core/test_core_referral_upload.py.)"""

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from tests.uploads.test_upload_fixes import post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process
COUNCIL_MODE = "Select in person or by phone for a visit made by a council."  # as the API says it


@pytest.fixture
def council(make_organisation):
    return make_organisation("Visiting Borough Council", type="local_authority")


@pytest.fixture
def client(client_for, visits_service, make_person, council):
    return client_for("visits", make_person("visits@council.example", council, role="data_coordinator"))


def errors_of(client, council, content):
    upload = upload_of(post_file(client, council, content))
    upload.refresh_from_db()
    return upload, set(upload.issues.filter(severity="hard").values_list("field", "rule", "message"))


def test_without_a_bulk_upload_rule_of_its_own_a_row_is_held_to_the_options_offered(
        client, council, visits_template_csv, monkeypatch):
    # The gateway holds every channel to offered_when, whatever rules a collection's pack
    # has for its files: without visits' own rule on the mode (visitmode_given_in_upload,
    # which would take the field once the value not offered is refused), the row is
    # refused with the API's message.
    pack = registry.get("visits").rule_pack("visit", 2026)
    monkeypatch.setattr(pack, "rules", [r for r in pack.rules if r.id != "visitmode_given_in_upload"])
    monkeypatch.setattr(pack, "_running", {channel: [r for r in rules if r.id != "visitmode_given_in_upload"]
                                           for channel, rules in pack._running.items()})
    monkeypatch.setattr(pack, "_check_compiled", {})  # generated anew from the rules above (ADR 20)
    with schema_context("visits"):
        upload, errors = errors_of(client, council, visits_template_csv(council, rows=({"visitmode": 3},)))
        assert errors == {("visitmode", "option_not_offered", COUNCIL_MODE)}
        assert (upload.created, upload.rejected) == (0, 1) and not Record.objects.exists()


def test_a_council_row_with_a_councils_mode_is_stored(client, council, visits_template_csv):
    with schema_context("visits"):
        upload = upload_of(post_file(client, council, visits_template_csv(council, rows=({"visitmode": 2},))))
        upload.refresh_from_db()
        assert list(upload.issues.filter(severity="hard").values_list("rule", flat=True)) == []
        assert upload.created == 1 and Record.objects.get().answers["visitmode"] == 2
