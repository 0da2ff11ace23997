"""The guidance for those who sign off a return: H-CLIC's returns file names a guidance
page (`sign_off_guidance`), seeded from guidance/03-signing-off-a-return.txt when the
service is launched (as the demo does), and the return's page links to it for those
who sign off (its certifier, its coordinator), not for others; an unpublished page is
not linked."""

import datetime as dt

from django_tenants.utils import schema_context

from cldc.platform.content.models import GuidancePage
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record
from cldc.platform.returns import workflow
from cldc.platform.returns.declarations import Period, returns_of

QUARTER = Period(2025, 3)
LINK = 'id="sign-off-guidance" href="/signing-off-a-return/"'


def test_the_return_page_links_those_who_sign_off_to_the_certifiers_guidance(
        hclic_service, make_organisation, make_person, client_for):
    council = make_organisation("Guidance Borough Council", type="local_authority")
    coordinator = make_person("coordinator@guidance-borough.example", council, role="data_coordinator")
    certifier = make_person("certifier@guidance-borough.example", council, role="certifier")
    provider = make_person("provider@guidance-borough.example", council, role="data_provider")
    with schema_context("hclic"):
        record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                        managing_organisation=council)
        outcome = submit(record, {"caseref": "GUIDE-1", "appdate": "2025-10-01", "assessdate": "2025-10-03",
                                  "assessoutcome": 1, "s21notice": 2}, "api", today=dt.date(2026, 1, 15))
        assert outcome.saved and not outcome.errors
        workflow.submit(returns_of("hclic", "case"), council, QUARTER, coordinator)
    url = f"/returns/{council.pk}/hclic/case/{QUARTER.key}/"

    page = client_for("hclic", certifier).get(url).content.decode()
    assert LINK in page and "Sign the return off</button>" in page
    assert LINK in client_for("hclic", coordinator).get(url).content.decode()
    assert "sign-off-guidance" not in client_for("hclic", provider).get(url).content.decode()

    guidance = client_for("hclic", certifier).get("/signing-off-a-return/")
    text = guidance.content.decode()
    assert guidance.status_code == 200 and "Signing off a quarterly return: guidance for certifiers" in text
    assert "What a certifier cannot do: add, change or delete a case" in text
    assert "How to sign off a return." in text

    with schema_context("hclic"):
        GuidancePage.objects.get(slug="signing-off-a-return").unpublish()
    assert "sign-off-guidance" not in client_for("hclic", certifier).get(url).content.decode()
