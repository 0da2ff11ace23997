"""The bulk-upload template and specification are made from the definition (here the
test collection's): field numbers and questions from the definition, readable by our
own reader, and offered for download. (That CORE's generated templates have the
official 2026/27 columns is tests/core/test_core_generated_template.py.)"""

import csv
import io

import pytest

from cldc.platform import registry
from cldc.platform.uploads import template_files
from cldc.platform.uploads.files import open_upload


def visit_definition():
    return registry.get("visits").definition("visit", 2026)


@pytest.mark.parametrize("maker, name", [("template_csv", "t.csv"), ("template_xlsx", "t.xlsx")])
def test_our_reader_recognises_the_generated_template(tmp_path, make_organisation, visits_template_csv, maker, name):
    definition = visit_definition()
    path = tmp_path / name
    # The template plus a complete visit's row: a file a provider would send back.
    content = getattr(template_files, maker)(definition)
    if name.endswith(".csv"):
        data_row = list(csv.reader(io.StringIO(visits_template_csv(make_organisation("Template Homes")).decode())))[-1]
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
    rows = list(csv.reader(io.StringIO(template_files.specification_csv(visit_definition()).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Field number", "Variable", "Question"]
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 24))
    assert {r[1] for r in rows[1:]} >= {"visitref", "visitdate"}


def test_the_downloads_are_offered_and_served(client_for, make_person, make_organisation, visits_service):
    person = make_person("downloader@example.com", make_organisation("Download Homes"))
    client = client_for("visits", person)
    assert "template (Excel)" in client.get("/uploads/").content.decode()
    response = client.get("/uploads/templates/visits/visit/2026/template.xlsx")
    assert response.status_code == 200 and response["Content-Disposition"].endswith('_2026_template.xlsx"')
    assert client.get("/uploads/templates/visits/visit/2030/template.csv").status_code == 404
    assert client.get("/uploads/templates/core/lettings/2026/template.csv").status_code == 404  # not this service's
