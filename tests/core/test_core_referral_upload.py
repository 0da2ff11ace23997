"""A pack's own bulk-upload rule on a field takes the place of the gateway's error on
it, in CORE's words: a council's row that gives a housing association's source of
referral (the template's field 132, for PRP properties) is refused on
referral_register by CORE's rule for the referral fields (bu_referral_fields_consistent)
alone, not also by offered_when. (The gateway's offered_when in an upload, without a
pack rule of its own, is tested with the visits collection:
tests/uploads/test_offered_in_upload.py.)"""

import pytest
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from tests.uploads.test_upload_defects import as_csv, template_rows
from tests.uploads.test_upload_fixes import post_file, upload_of

pytestmark = pytest.mark.usefixtures("eager_celery")  # tasks run in this process
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


def test_a_council_row_with_a_housing_associations_source_of_referral_is_refused_as_core_refuses_it(
        client, council, official_template_csv):
    # CORE's bulk upload says its own words for the referral fields, and the gateway's
    # error on the same field is not said twice (pipeline.take).
    with schema_context("core"):
        upload = upload_of(post_file(client, council, referral_row(official_template_csv, council, "", "6"),
                                     record_type="core:lettings"))
        upload.refresh_from_db()
        errors = set(upload.issues.filter(severity="hard").values_list("field", "rule", "message"))
        assert errors == {("referral_register", "bu_referral_fields_consistent", CORE_REFERRAL)}
        assert (upload.created, upload.rejected) == (0, 1) and not Record.objects.exists()
