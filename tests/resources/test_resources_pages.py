"""The Collection resources page: a year's resources are hidden from everyone but support
until support release them; support add files to them, and a file that is not what it
says is refused."""

import pytest
from django_tenants.utils import schema_context

from cldc.platform.resources.models import ExtraFile, Release

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def support(client_for, make_person, visits_service):
    return client_for("visits", make_person("support@example.com", staff_role="support"))


def released():
    with schema_context("visits"):
        return set(Release.objects.values_list("collection", "version"))


def test_a_year_is_hidden_until_support_release_it(client_for, make_person, support, orgs):
    anyone, provider = client_for("visits"), client_for("visits", make_person("p@example.com", orgs["parent"]))
    for client in (anyone, provider):
        assert "2026 to 2027" not in client.get("/resources/").content.decode()
        assert client.get("/resources/visits/visit/2026/paper-form.pdf").status_code == 404
        assert client.get("/resources/visits/2026/release/").status_code in (302, 404)  # not theirs to release
        client.post("/resources/visits/2026/release/")
    assert released() == set()
    page = support.get("/resources/").content.decode()
    assert "2026 to 2027" in page and "Not released" in page
    assert support.get("/resources/visits/visit/2026/paper-form.pdf").status_code == 200  # support check it first
    assert "Release the 2026 to 2027 resources?" in support.get("/resources/visits/2026/release/").content.decode()
    assert support.post("/resources/visits/2026/release/").status_code == 302
    assert released() == {("visits", 2026)}
    for client in (anyone, provider):
        page = client.get("/resources/").content.decode()
        assert "2026 to 2027" in page and "Not released" not in page
        assert "/resources/visits/visit/2026/paper-form.pdf" in page
        assert "/uploads/templates/visits/visit/2026/template.xlsx" in page
        assert "/uploads/templates/visits/visit/2026/specification.csv" in page
        response = client.get("/resources/visits/visit/2026/paper-form.pdf")
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
    support.post("/resources/visits/2026/hide/")
    assert released() == set()
    assert anyone.get("/resources/visits/visit/2026/paper-form.pdf").status_code == 404


def test_the_home_page_links_the_resources(client_for):
    assert 'href="/resources/"' in client_for("visits").get("/").content.decode()


def test_only_the_services_own_collections(support):
    assert support.get("/resources/core/lettings/2026/paper-form.pdf").status_code == 404
    assert support.get("/resources/visits/visit/1999/paper-form.pdf").status_code == 404
    assert support.post("/resources/core/2026/release/").status_code == 404


def add(client, name, content, title="Guidance on visits"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post("/resources/visits/visit/2026/add/", {"title": title, "file": SimpleUploadedFile(name, content)})


def test_support_add_a_file_that_people_download_once_released(support, client_for):
    assert add(support, "visit guidance.pdf", PDF).status_code == 302
    with schema_context("visits"):
        kept = ExtraFile.objects.get()
    assert (kept.kind, kept.size, kept.filename) == ("pdf", len(PDF), "visit_guidance.pdf")
    assert "Guidance on visits" in support.get("/resources/").content.decode()
    anyone = client_for("visits")
    assert anyone.get(f"/resources/files/{kept.pk}/").status_code == 404  # the year is not released
    support.post("/resources/visits/2026/release/")
    response = anyone.get(f"/resources/files/{kept.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="visit_guidance.pdf"')
    assert response["X-Content-Type-Options"] == "nosniff"
    support.post(f"/resources/files/{kept.pk}/remove/")
    assert anyone.get(f"/resources/files/{kept.pk}/").status_code == 404


@pytest.mark.parametrize("name, content, message", [
    ("report.pdf", b"<html><script>alert(document.cookie)</script></html>", "The file is not a PDF, whatever its name says"),
    ("report.docx", PDF, "The file is not a Word document, whatever its name says"),
    ("setup.exe", b"MZ\x90\x00\x03" + b"\x00" * 100, "The file must be a PDF"),
    ("page.html", b"<script>alert(1)</script>", "The file must be a PDF"),
    ("picture.svg", b"<svg onload='alert(1)'/>", "The file must be a PDF"),
    ("no-extension", PDF, "The file must be a PDF"),
    ("data.csv", b"a,b\n\x00\x01\x02binary", "The file is not a CSV: it must be text saved as UTF-8"),
    ("notes.txt", b"\xff\xfe\xfa not utf-8", "The file is not a text file: it must be text saved as UTF-8"),
    ("empty.pdf", b"", "The selected file is empty"),
])
def test_a_hostile_or_wrong_file_is_refused(support, name, content, message):
    response = add(support, name, content)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["file"])
    assert "Guidance on visits" in response.content.decode()  # the title is kept
    with schema_context("visits"):
        assert not ExtraFile.objects.exists()


def test_a_file_too_big_is_refused(support, settings):
    settings.CLDC_RESOURCE_MAX_BYTES = 50
    response = add(support, "big.pdf", PDF)
    assert "The file must be smaller than 50" in " ".join(response.context["form"].errors["file"])


def test_only_support_add_and_remove_files(client_for, make_person, support, orgs):
    add(support, "guide.pdf", PDF)
    with schema_context("visits"):
        kept = ExtraFile.objects.get()
    provider = client_for("visits", make_person("p@example.com", orgs["parent"]))
    assert add(provider, "mine.pdf", PDF).status_code == 404
    assert provider.post(f"/resources/files/{kept.pk}/remove/").status_code == 404
    with schema_context("visits"):
        assert ExtraFile.objects.count() == 1
