"""The bulk-upload template and specification are made from the definition: the same
columns as the official 2026/27 templates, readable by our own reader, and a file
made from them imports."""

import csv
import io

import pytest

from cldc.platform import registry
from cldc.platform.uploads import template_files
from cldc.platform.uploads.files import open_upload

SPEC = registry.get("core").reference_dir / "spec"


def official_header_rows(record_type):
    rows = list(csv.reader((SPEC / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    numbers_at = next(i for i, r in enumerate(rows) if r and r[0].strip().lower().startswith("field number"))
    return {row[0].strip(): row for row in rows[: numbers_at + 1] if row and row[0].strip()}


# The official sales template repeats the gender question's text for fields 63 and 69;
# its own row parser reads them as persons 5 and 6's gender identity, as our definition says.
KNOWN_TEMPLATE_SLIPS = {"lettings": [], "sales": [63, 69]}


@pytest.mark.parametrize("record_type, last_field", [("lettings", 147), ("sales", 136)])
def test_the_generated_template_has_the_official_columns(record_type, last_field):
    definition = registry.get("core").definition(record_type, 2026)
    generated = {row[0]: row for row in template_files.template_rows(definition)}
    official = official_header_rows(record_type)
    assert generated["Field number"][1:] == list(range(1, last_field + 1))
    official_numbers = [int(n) for n in official["Field number"][1:] if n.strip().isdigit()]
    assert official_numbers == list(range(1, last_field + 1))
    # The question of each field is the official template's wording (line breaks inside
    # a cell aside: the definition keeps each header on one line).
    def words(text):
        return " ".join(text.split())

    differ = [n for n, (ours, theirs) in enumerate(zip(generated["Question"][1:], official["Question"][1:]), 1)
              if words(ours) != words(theirs)]
    assert differ == KNOWN_TEMPLATE_SLIPS[record_type]
    duplicates = [n for n, flag in zip(generated["Field number"][1:], generated["Duplicate check field?"][1:]) if flag]
    official_duplicates = [int(n) for n, flag in zip(official["Field number"][1:], official["Duplicate check field?"][1:])
                           if flag.strip().lower() == "yes"]
    # Every field the official template checks for duplicates is checked; the definition
    # also checks the address (UPRN, first line, postcode), as CORE's duplicate search does.
    assert set(official_duplicates) <= set(duplicates)


@pytest.mark.parametrize("maker, name", [("template_csv", "t.csv"), ("template_xlsx", "t.xlsx")])
def test_our_reader_recognises_the_generated_template(tmp_path, maker, name):
    definition = registry.get("core").definition("lettings", 2026)
    path = tmp_path / name
    # The template plus the official data row: a file a provider would send back.
    content = getattr(template_files, maker)(definition)
    if name.endswith(".csv"):
        data_row = list(csv.reader((SPEC / "2026_27_lettings_bulk_upload.csv").open(encoding="utf-8-sig")))[-1]
        text = io.StringIO()
        csv.writer(text).writerow(data_row)
        path.write_bytes(content + text.getvalue().encode("utf-8"))
        with open_upload(path, name) as upload:
            assert upload.layout == "template"
            ((_, values),) = list(upload.rows())
            assert len(upload.keyed(values)) == sum(1 for cell in data_row[1:] if cell.strip())
    else:
        path.write_bytes(content)
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True).active
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[-1][0] == "Field number" and rows[-1][1:4] == (1, 2, 3)


def test_the_specification_lists_every_field_with_its_variable():
    definition = registry.get("core").definition("sales", 2026)
    rows = list(csv.reader(io.StringIO(template_files.specification_csv(definition).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Field number", "Variable", "Question"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 137))
    assert {r[1] for r in rows[1:]} >= {"saledate", "purchid"}


def test_the_downloads_are_offered_and_served(client_for, make_person, make_organisation, core_service):
    person = make_person("downloader@example.com", make_organisation("Download Homes"))
    client = client_for("core", person)
    assert "template (Excel)" in client.get("/uploads/").content.decode()
    response = client.get("/uploads/templates/core/lettings/2026/template.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('_2026_template.xlsx"')
    assert client.get("/uploads/templates/core/lettings/2030/template.csv").status_code == 404
    assert client.get("/uploads/templates/hclic/case/2025/template.csv").status_code == 404  # not this service's
