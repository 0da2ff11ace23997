"""A bulk upload row holds to the options a question offers (`offered_when`), as every
channel does: a council's row that gives a housing association's source of referral
(the template's field 132, for PRP properties) is refused on referral_register: in
CORE's own words for the referral fields (bu_referral_fields_consistent), as CORE's
bulk upload says it, and without that rule in the gateway's, as the API says it."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from tests.uploads.test_upload_defects import as_csv, template_rows
from tests.uploads.test_upload_fixes import post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process
COUNCIL_REFERRAL = (  # as the API says it (tests/api/test_api_one_rule.py)
    "Select a source of referral for a log owned by a local authority: “Renewal to the same tenant in the same "
    "property” (1), “Internal transfer from another property owned by the same local authority - for existing social "
    "tenants only” (2), “From a housing register (waiting list)” (3) or “Tenant applied directly (not via a nomination "
    "or housing register)” (4).")
CORE_REFERRAL = ("Your answers for each part of \"What is the source of referral for this letting?\" are incompatible with "
                 "each other. Use the bulk upload specification or paper form to see which combinations are valid "
                 "(available from ‘Templates and specifications’ on the Bulk uploads page).")


@pytest.fixture
def council(make_organisation):
    return make_organisation("Referring Borough Council", type="local_authority")


@pytest.fixture
def client(client_for, core_service, make_person, council):
    return client_for("core", make_person("referrals@council.example", council, role="data_coordinator"))


def referral_row(official_template_csv, council, for_la, for_prp):
    """The official template's row for the council, with fields 131 (LA properties) and 132 (PRP properties)."""
    rows, column = template_rows(official_template_csv("lettings", council))
    la, prp = registry.get("core").definition("lettings", 2026).variables["referral_register"].bulk_upload["fields"]
    rows[-1][column[la]], rows[-1][column[prp]] = for_la, for_prp
    return as_csv(rows)


def errors_of(client, council, content):
    upload = upload_of(post_file(client, council, content))
    upload.refresh_from_db()
    return upload, set(upload.issues.filter(severity="hard").values_list("field", "rule", "message"))


def test_a_council_row_with_a_housing_associations_source_of_referral_is_refused_as_core_refuses_it(
        client, council, official_template_csv):
    # CORE's bulk upload says its own words for the referral fields, and the gateway's
    # error on the same field is not said twice (pipeline.take).
    with schema_context("core"):
        upload, errors = errors_of(client, council, referral_row(official_template_csv, council, "", "6"))
        assert errors == {("referral_register", "bu_referral_fields_consistent", CORE_REFERRAL)}
        assert (upload.created, upload.rejected) == (0, 1) and not Record.objects.exists()


def test_without_a_bulk_upload_rule_of_its_own_a_row_is_held_to_the_options_offered(
        client, council, official_template_csv, monkeypatch):
    # The gateway holds every channel to offered_when, whatever rules a collection's pack
    # has for its files: without CORE's, the row is refused with the API's message.
    pack = registry.get("core").rule_pack("lettings", 2026)
    monkeypatch.setattr(pack, "rules", [r for r in pack.rules if r.id != "bu_referral_fields_consistent"])
    monkeypatch.setattr(pack, "_running", {channel: [r for r in rules if r.id != "bu_referral_fields_consistent"]
                                           for channel, rules in pack._running.items()})
    with schema_context("core"):
        upload, errors = errors_of(client, council, referral_row(official_template_csv, council, "", "6"))
        assert errors == {("referral_register", "option_not_offered", COUNCIL_REFERRAL)}
        assert (upload.created, upload.rejected) == (0, 1) and not Record.objects.exists()


def test_a_council_row_with_a_councils_source_of_referral_is_stored(client, council, official_template_csv):
    with schema_context("core"):
        upload = upload_of(post_file(client, council, referral_row(official_template_csv, council, "3", "")))
        upload.refresh_from_db()
        assert list(upload.issues.filter(severity="hard").values_list("rule", flat=True)) == []
        assert upload.created == 1 and Record.objects.get().answers["referral_register"] == 3
