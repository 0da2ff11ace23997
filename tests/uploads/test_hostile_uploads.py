"""Hostile uploads, as an authorised probe sent them: a small workbook whose first
heading unzips to tens of megabytes, a CSV heading as long, a file of more rows than
the service takes, an all-or-nothing run with a great many issues, and files naming
organisations and people to learn which exist. Each is refused quickly, with bounded
memory and a plain message, or answered alike whether what it names exists or not.

Time and peak memory are printed (`pytest -s` shows them); the memory bounds asserted
are generous, and far below what reading the whole text costs."""

import csv
import io
import json
import random
import re
import string
import time
import tracemalloc
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.records.models import Record
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.models import Upload, UploadIssue
from cldc.platform.uploads.refusals import UploadError

MB = 1024 * 1024
HUGE = 40 * MB           # the long text: far more than any cell may hold
MEMORY_BOUND = 20 * MB   # Python's peak allocations while a hostile file is refused


# --- files -----------------------------------------------------------------------------

def text_pieces(size, compressible=False):
    """`size` bytes of letters, a megabyte at a time. Compressible: one letter over and
    over (a zip bomb, about 1,000 to 1). Otherwise one letter in 40 is random, so the
    text deflates about 20 to 1, as real workbooks do, and passes the unzipped-size bound."""
    if compressible:
        block = b"a" * MB
    else:
        letters = random.Random(7)
        block = "".join(letters.choice(string.ascii_letters) + "x" * 39 for _ in range(MB // 40)).encode()
    written = 0
    while written < size:
        piece = block[: size - written]
        written += len(piece)
        yield piece


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
SPREADSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml"
PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{SPREADSHEET}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{SPREADSHEET}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SPREADSHEET}.sharedStrings+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{SPREADSHEET}.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{RELATIONSHIPS}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
    "xl/workbook.xml": (
        f'<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}"><sheets>'
        '<sheet name="Logs" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
        f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{RELATIONSHIPS}/sharedStrings" Target="sharedStrings.xml"/>'
        f'<Relationship Id="rId3" Type="{RELATIONSHIPS}/styles" Target="styles.xml"/></Relationships>'),
    "xl/styles.xml": f'<styleSheet xmlns="{MAIN}"/>',
}
CELLS = {"A1": "Tenant code", "B1": "Age", "A2": "T1", "B2": "30"}


def workbook(path, huge_cell=None, pieces=(), kind="shared", styles=None, tag=None):
    """A workbook written by hand, part by part, as a probe would: headings "Tenant
    code" and "Age" and one row of data. `huge_cell` holds `pieces` (bytes) instead, as
    the first shared string or as an inline string; `styles` (pieces) replaces the
    styles part's content; `tag` (pieces) is an attribute of cell A1 that never ends
    soon. Every part is streamed into the ZIP: nothing here holds the long text."""
    inline = huge_cell if kind == "inline" else None
    shared = [huge_cell] if huge_cell and not inline else []
    shared += [cell for cell in CELLS if cell not in shared and cell != inline]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in PARTS.items():
            if name == "xl/styles.xml" and styles is not None:
                write_part(archive, name, [f'<styleSheet xmlns="{MAIN}"><!--'.encode(), *styles,
                                           b"--></styleSheet>"])
            else:
                archive.writestr(name, xml)
        strings = [f'<sst xmlns="{MAIN}">'.encode()]
        for cell in shared:
            strings += [b"<si><t>", *(pieces if cell == huge_cell else [CELLS[cell].encode()]), b"</t></si>"]
        write_part(archive, "xl/sharedStrings.xml", strings + [b"</sst>"])
        sheet = [f'<worksheet xmlns="{MAIN}"><sheetData>'.encode()]
        for row in ("1", "2"):
            sheet.append(f'<row r="{row}">'.encode())
            for cell in (f"A{row}", f"B{row}"):
                extra = [b' x="', *tag, b'"'] if tag is not None and cell == "A1" else []
                if cell == inline:
                    sheet += [f'<c r="{cell}" t="inlineStr"'.encode(), *extra, b"><is><t>", *pieces, b"</t></is></c>"]
                else:
                    sheet += [f'<c r="{cell}" t="s"'.encode(), *extra, f"><v>{shared.index(cell)}</v></c>".encode()]
            sheet.append(b"</row>")
        write_part(archive, "xl/worksheets/sheet1.xml", sheet + [b"</sheetData></worksheet>"])
    return path


def write_part(archive, name, pieces):
    with archive.open(name, "w", force_zip64=True) as part:
        for piece in pieces:
            part.write(piece)


def refusal_measured(path):
    """The message a file is refused with, having printed the time and peak memory
    its refusal took (opening it, and reading every row, as the worker does)."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(UploadError) as caught, open_upload(path, path.name) as upload:
            sum(1 for _ in upload.rows())
    finally:
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    print(f"\n{path.name}: {path.stat().st_size / 1024:,.0f} KB refused in {seconds:.2f} s, "
          f"peak Python memory {peak / MB:.1f} MB: {caught.value.message}")
    assert peak < MEMORY_BOUND, f"peak {peak / MB:.0f} MB"
    assert seconds < 10
    return caught.value.message


# --- a heading or cell longer than a cell may be --------------------------------------

@pytest.mark.parametrize("kind", ["shared", "inline"])
def test_a_small_workbook_whose_first_heading_is_huge_is_refused_quickly(tmp_path, kind):
    path = workbook(tmp_path / f"heading-{kind}.xlsx", "A1", text_pieces(HUGE), kind=kind)
    assert path.stat().st_size < 3 * MB
    assert refusal_measured(path).startswith(
        'Cell A1 of the sheet "Logs" is longer than 32,767 characters. A cell can hold at most 32,767:')


@pytest.mark.parametrize("kind", ["shared", "inline"])
def test_a_workbook_data_cell_longer_than_a_cell_may_be_is_refused_quickly(tmp_path, kind):
    path = workbook(tmp_path / f"cell-{kind}.xlsx", "B2", text_pieces(HUGE), kind=kind)
    assert refusal_measured(path).startswith('Cell B2 of the sheet "Logs" is longer than 32,767 characters.')


@pytest.mark.parametrize("quoted", [False, True])
def test_a_csv_heading_longer_than_a_cell_may_be_is_refused_quickly(tmp_path, quoted):
    path = tmp_path / "heading.csv"
    quote = b'"' if quoted else b""
    with path.open("wb") as file:
        file.write(b"Age," + quote)
        for piece in text_pieces(HUGE):
            file.write(piece)
        file.write(quote + b"\n30,T1\n")
    assert refusal_measured(path).startswith(
        "Cell B1 is longer than 32,767 characters. A cell can hold at most 32,767:")


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_the_cell_limit_is_a_setting_and_a_cell_at_it_is_read(tmp_path, settings, kind):
    settings.CLDC_UPLOAD_MAX_CELL_CHARS = 100

    def notes(*texts):
        path = tmp_path / f"notes.{kind}"
        rows = [("Code", "Notes")] + [(f"T{i}", text) for i, text in enumerate(texts)]
        if kind == "csv":
            path.write_text("".join(",".join(row) + "\n" for row in rows))
        else:
            workbook = openpyxl.Workbook()
            for row in rows:
                workbook.active.append(row)
            workbook.save(path)
        return path

    with open_upload(notes("n" * 100), f"notes.{kind}") as upload:
        assert [len(values[1]) for _, values in upload.rows()] == [100]
    with pytest.raises(UploadError) as caught:
        open_upload(notes("n" * 100, "n" * 101), f"notes.{kind}")
    assert caught.value.message.startswith(("Cell B3 is longer than 100 characters.",
                                            'Cell B3 of the sheet "Sheet" is longer than 100 characters.'))


def test_a_heading_longer_than_a_heading_may_be_is_refused(tmp_path):
    # Headings are kept 200 characters long (saved column matches, the column of each issue).
    path = tmp_path / "headings.csv"
    path.write_text("Code," + "h" * 200 + "," + "H" * 201 + "\nT1,1,2\n")
    with pytest.raises(UploadError) as caught:
        open_upload(path, path.name)
    assert caught.value.message == ("The heading in cell C1 is 201 characters long. A heading can have at most 200 "
                                    "characters: shorten it and upload the file again.")


def test_a_csv_line_of_many_cells_too_long_in_all_is_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text("Code,Notes\nT1," + ",".join(["n" * 30_000] * 40) + "\n")
    with pytest.raises(UploadError) as caught, open_upload(path, path.name) as upload:
        list(upload.rows())
    assert caught.value.message.startswith("Row 2 is longer than 1,048,576 characters.")


# --- what a workbook may unzip to --------------------------------------------------------

def test_a_zip_bomb_is_refused_before_anything_is_unzipped(tmp_path):
    path = workbook(tmp_path / "bomb.xlsx", "A1", text_pieces(HUGE, compressible=True))
    assert path.stat().st_size < 100 * 1024
    assert refusal_measured(path).startswith("The workbook is too large once unzipped (40 MB from a file of")


def test_a_workbook_part_read_whole_is_bounded(tmp_path):
    path = workbook(tmp_path / "styles.xlsx", styles=text_pieces(12 * MB))
    assert refusal_measured(path).startswith("The workbook is too large once unzipped: its part xl/styles.xml")


def test_a_tag_that_never_ends_is_refused(tmp_path):
    path = workbook(tmp_path / "tag.xlsx", tag=text_pieces(HUGE))
    assert refusal_measured(path).startswith("We could not read this Excel workbook: it may be damaged.")


def test_an_unused_long_shared_string_is_never_built_and_the_file_is_read(tmp_path):
    path = workbook(tmp_path / "unused.xlsx", "C9", text_pieces(HUGE))      # no cell uses it
    tracemalloc.start()
    with open_upload(path, path.name) as upload:
        rows = list(upload.rows())
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert (upload.headers, rows) == (["Tenant code", "Age"], [(2, {0: "T1", 1: "30"})])
    assert peak < MEMORY_BOUND, f"peak {peak / MB:.0f} MB"


# --- the row limit -------------------------------------------------------------------------

ROW_LIMIT_MESSAGE = "Your file has more than 10 rows. Split it into files of at most 10 rows and upload each one."


@override_settings(CLDC_UPLOAD_MAX_ROWS=10)
def test_the_row_limit_is_refused_as_soon_as_it_is_passed(tmp_path):
    path = tmp_path / "rows.csv"
    data = "".join(f"T{i},{i}\n" for i in range(10))
    path.write_text("Code,Age\n" + data)
    with open_upload(path, path.name) as upload:
        assert sum(1 for _ in upload.rows()) == 10                  # at the limit: read
    # An eleventh row, and after it a row no reader could take: the limit is met first,
    # so the reader stopped there rather than reading the whole file.
    path.write_text("Code,Age\n" + data + "T10,10\n" + "," * 1000 + "x\n")
    with pytest.raises(UploadError) as caught, open_upload(path, path.name) as upload:
        list(upload.rows())
    assert caught.value.message == ROW_LIMIT_MESSAGE


@override_settings(CLDC_UPLOAD_MAX_ROWS=10)
@pytest.mark.usefixtures("eager_celery")
def test_a_file_over_the_row_limit_is_refused_on_the_upload_form(client_for, visits_service, make_organisation,
                                                                  make_person, visits_template_csv):
    council = make_organisation("Row Limit Council", type="local_authority")
    officer = make_person("rows@example.com", council, role="data_coordinator")
    data = {"record_type": "visits:visit", "year": "2026", "organisation": council.pk, "on_errors": "wait",
            "file": SimpleUploadedFile("visits.csv", visits_template_csv(council, rows=[{}] * 11))}
    response = client_for("visits", officer).post("/uploads/new/", data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"file": [ROW_LIMIT_MESSAGE]}
    with schema_context("visits"):
        assert not Upload.objects.exists() and not Record.objects.exists()


# --- issues of an all-or-nothing run are not held in memory --------------------------------

def test_an_all_or_nothing_run_keeps_its_issues_out_of_memory(tmp_path, visits_service, make_organisation,
                                                              make_person, visits_template_csv, settings):
    """Every row has formula cells (refused before the gateway, so the run is quick):
    5,000 rows, 40,000 issues, all stored once the transaction is undone. Holding them
    all until then took 49 MB at the peak; holding a chunk's worth, 10 MB."""
    from cldc.platform.uploads.importer import Importer

    settings.CLDC_UPLOAD_PROCESSES = 1
    council = make_organisation("Many Issues Council", type="local_authority")
    officer = make_person("issues@example.com", council, role="data_coordinator")
    lines = list(csv.reader(io.StringIO(visits_template_csv(council).decode())))
    header, data = lines[:-1], lines[-1]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(header)
    rows, formulas = 5_000, 8
    for number in range(rows):
        row = list(data)
        for column in range(1, 1 + formulas):
            row[-column] = f"=A{number}"
        writer.writerow(row)
    path = tmp_path / "formulas.csv"
    path.write_text(out.getvalue())
    with schema_context("visits"):
        upload = Upload.objects.create(collection="visits", record_type="visit", version=2026, organisation=council,
                                       user=officer, filename=path.name, path=str(path))
        tracemalloc.start()
        started = time.perf_counter()
        Importer(upload).run()
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"\nall or nothing, {rows:,} rows, {rows * formulas:,} issues: {seconds:.1f} s, "
              f"peak Python memory {peak / MB:.1f} MB")
        assert (upload.status, upload.rejected, Record.objects.count()) == ("checked", rows, 0)
        assert UploadIssue.objects.filter(upload=upload, rule="formula_cell").count() == rows * formulas
        assert peak < 30 * MB, f"peak {peak / MB:.0f} MB"


# --- who exists is not told -------------------------------------------------------------------

def upload_rows(tmp_path, visits_template_csv, organisation, rows):
    """Upload complete visits in the template's layout, one changed by each of `rows`
    ({variable: text}), from the command line; the (rule, message) of the issues on the
    variables changed, by row number."""
    path = tmp_path / "visits.csv"
    path.write_bytes(visits_template_csv(organisation, rows))
    return issues_on_changed(path, "visits", "visit", organisation, rows)


def issues_on_changed(path, service, record_type, organisation, rows):
    """A dry run of a file from the command line, as enumerate@example.com: the (rule,
    message) of the issues on the variables `rows` changed, by row number."""
    printed = io.StringIO()
    call_command("cldc", "upload", "--service", service, "--record-type", record_type, "--version", "2026",
                 "--organisation", f"ORG{organisation.pk}", "--user", "enumerate@example.com", str(path),
                 "--dry-run", stdout=printed)
    report = json.loads(printed.getvalue())
    changed = {variable for changes in rows for variable in changes}
    issues = {}
    for issue in report["errors"]:
        if issue["field"] in changed:
            issues.setdefault(issue["row"], []).append((issue["rule"], issue["message"]))
    return issues


@pytest.mark.parametrize("record_field", ["owning_organisation", "assigned_to"])
def test_an_unknown_and_a_forbidden_reference_get_the_same_answer(tmp_path, visits_service, make_organisation,
                                                                  make_person, visits_template_csv, record_field):
    council = make_organisation("Enumerating Council", type="local_authority")
    make_person("enumerate@example.com", council, role="data_coordinator")
    stranger = make_organisation("Somebody Else's Homes")
    make_person("someone@elsewhere.example", stranger)
    variable = registry.get("visits").definition("visit", 2026).record_fields[record_field]
    if record_field == "assigned_to":
        unknown, forbidden = "no-one@nowhere.example", "someone@elsewhere.example"
    else:
        unknown, forbidden = "ORG99999999", f"ORG{stranger.pk}"
    issues = upload_rows(tmp_path, visits_template_csv, council, [{variable: unknown}, {variable: forbidden}])
    assert len(issues) == 2, issues
    first, second = issues.values()
    assert first == second, issues
    ((rule, message),) = first
    assert message.startswith("You cannot ") and re.search("check the (reference|email address)", message), message
