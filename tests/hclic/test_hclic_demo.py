"""`cldc demo`'s H-CLIC (collections/hclic/synthetic.py, demo()): a local authority with a
data coordinator gets synthetic cases over the four quarters of 2025/26, its first three
returns signed off and the fourth open, and the fourth quarter's XML files to upload,
which import as the cases already stand, before the coordinator submits and signs off
that quarter; once."""

from django_tenants.utils import schema_context

from cldc.collections.hclic import synthetic
from cldc.platform.records.models import Record
from cldc.platform.returns.models import Return
from cldc.platform.xmlfiles.importer import import_files


def test_the_demo_local_authority_has_three_quarters_signed_off_one_open_and_files_to_upload(
        hclic_service, make_organisation, make_person, settings, tmp_path, client_for):
    settings.VAR_DIR = tmp_path
    council = make_organisation("Demo Test Council", type="local_authority")
    coordinator = make_person("coordinator@demo-test-council.example", council, role="data_coordinator")
    housing = make_organisation("Demo Test Homes")  # not a local authority: no cases
    lines = synthetic.demo(hclic_service, [housing, council])
    with schema_context("hclic"):
        assert Record.objects.filter(owning_organisation=council).count() == synthetic.DEMO_CASES
        assert not Record.objects.filter(owning_organisation=housing).exists()
        returns = {r.number: r.status for r in Return.objects.filter(organisation=council, year=synthetic.VERSION)}
        assert returns == {1: "signed_off", 2: "signed_off", 3: "signed_off"}  # the fourth: open, not yet begun
        assert all(r.latest_snapshot().records.exists() for r in Return.objects.filter(organisation=council))
    folder = tmp_path / "demo" / "hclic" / council.ons_code
    files = {path.name: path.read_bytes() for path in folder.iterdir()}
    assert sorted(files) == ["hclic_case_2025_case.xml", "hclic_case_2025_personal.xml"] and str(folder) in lines[1]
    with schema_context("hclic"):
        result = import_files("hclic", "case", 2025, council, coordinator, main=files["hclic_case_2025_case.xml"],
                              personal=files["hclic_case_2025_personal.xml"])
    assert result.stored and result.unchanged == synthetic.DEMO_CASES, result.problems[:3]
    client = client_for("hclic", coordinator)  # the coordinator reads the open quarter and signs it off
    fourth = f"/returns/{council.pk}/hclic/case/2025-q4/"
    assert "Return for Quarter 4 of 2025 to 2026 (January to March 2026)" in client.get(fourth).content.decode()
    assert client.post(f"{fourth}submit/").status_code == 302 and client.post(f"{fourth}sign-off/").status_code == 302
    with schema_context("hclic"):
        signed = Return.objects.get(organisation=council, year=synthetic.VERSION, number=4)
        assert signed.status == "signed_off" and signed.latest_snapshot().records.count() > 10
    assert synthetic.demo(hclic_service, [housing, council]) == []  # once
