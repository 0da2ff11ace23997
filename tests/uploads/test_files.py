"""Reading uploaded files: CSV in the encodings and delimiters people save, XLSX, the
official template layout, and every kind of bad input refused with a plain message.
Files are made in tmp_path; no database."""

import csv
import datetime as dt
import io
import random
import re
import tracemalloc
import types
import zipfile
from pathlib import Path

import openpyxl
import pytest

from cldc.platform.uploads.cell_safety import safe_cell
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.template import find_template

SPEC = Path(__file__).resolve().parents[2] / "collections" / "core" / "reference" / "spec"


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def read(path, name=None, **options):
    with open_upload(path, name or Path(path).name, **options) as upload:
        return upload, list(upload.rows())


def refused(path, name=None, **options):
    with pytest.raises(UploadError) as caught:
        read(path, name, **options)
    return caught.value.message


def xlsx(tmp_path, rows, name="file.xlsx", sheets=None, write_only=False):
    """A workbook written by openpyxl: rows of the first sheet, or {title: rows}."""
    workbook = openpyxl.Workbook(write_only=write_only)
    if not write_only:
        workbook.remove(workbook.active)
    for title, sheet_rows in (sheets or {"Sheet1": rows}).items():
        sheet = workbook.create_sheet(title)
        for row in sheet_rows:
            sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def patched(path, part, change):
    """The workbook with one part's XML changed, as a hostile or unusual file would be."""
    parts = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            parts[info.filename] = archive.read(info)
    parts[part] = change(parts[part].decode()).encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return path


SHEET = "xl/worksheets/sheet1.xml"


# --- CSV ------------------------------------------------------------------------------

def test_a_utf8_csv_is_read_as_text_with_its_headers_and_row_numbers(tmp_path):
    upload, rows = read(write(tmp_path, "logs.csv", "Tenant code,Age,Rent\nT1,34,100.50\nT2,,90\n"))
    assert (upload.kind, upload.layout, upload.encoding, upload.delimiter) == ("csv", "headers", "UTF-8", ",")
    assert upload.headers == ["Tenant code", "Age", "Rent"]
    assert upload.columns == {0: "Tenant code", 1: "Age", 2: "Rent"}
    assert rows == [(2, {0: "T1", 1: "34", 2: "100.50"}), (3, {0: "T2", 2: "90"})]
    assert upload.keyed(rows[1][1]) == {"Tenant code": "T2", "Rent": "90"}
    assert isinstance(upload.rows(), types.GeneratorType)


def test_a_byte_order_mark_is_not_part_of_the_first_header(tmp_path):
    upload, rows = read(write(tmp_path, "bom.csv", "\ufeffTenant code,Sex\nT1,Female\n"))
    assert upload.headers == ["Tenant code", "Sex"]
    assert upload.encoding == "UTF-8"


def test_windows_1252_pounds_and_accents_are_read_right(tmp_path):
    path = write(tmp_path, "excel.csv", "Name,Rent\nJosé,£100\n".encode("cp1252"))
    upload, rows = read(path)
    assert upload.encoding == "Windows-1252"
    assert rows == [(2, {0: "José", 1: "£100"})]


def test_bytes_windows_1252_leaves_undefined_are_read_as_latin_1(tmp_path):
    upload, rows = read(write(tmp_path, "old.csv", b"Name,Note\nJos\xe9,a\x81b\n"))
    assert upload.encoding == "Latin-1"
    assert rows == [(2, {0: "José", 1: "a\x81b"})]


def test_semicolons_are_the_delimiter_even_with_commas_in_quoted_values(tmp_path):
    path = write(tmp_path, "semi.csv", 'Name;Address;Rent\n"Smith, J";"1, High St, Leeds";"100,50"\nJones;2 Low St;90\n')
    upload, rows = read(path)
    assert upload.delimiter == ";"
    assert rows == [(2, {0: "Smith, J", 1: "1, High St, Leeds", 2: "100,50"}),
                    (3, {0: "Jones", 1: "2 Low St", 2: "90"})]


def test_quoted_commas_and_new_lines_stay_in_their_cell_and_count_as_one_row(tmp_path):
    path = write(tmp_path, "quoted.csv",
                 'Code,Notes\r\nT1,"line one\r\nline two, with a comma"\r\nT2,"say ""hi"""\r\n')
    _, rows = read(path)
    assert rows == [(2, {0: "T1", 1: "line one\r\nline two, with a comma"}), (3, {0: "T2", 1: 'say "hi"'})]


def test_blank_lines_are_skipped_but_row_numbers_match_the_file(tmp_path):
    _, rows = read(write(tmp_path, "gaps.csv", "\nCode,Age\n\nT1,30\n,\n  ,  \nT2,40\n\n"))
    assert rows == [(4, {0: "T1", 1: "30"}), (7, {0: "T2", 1: "40"})]


def test_a_django_upload_can_be_read_and_is_left_open_for_its_owner():
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploaded = SimpleUploadedFile("logs.csv", "Code,Name\nT1,José\n".encode("cp1252"))
    upload, rows = read(uploaded, uploaded.name)
    assert rows == [(2, {0: "T1", 1: "José"})]
    assert not uploaded.closed


# --- XLSX -----------------------------------------------------------------------------

def test_an_xlsx_gives_values_as_the_text_a_person_would_type(tmp_path):
    path = xlsx(tmp_path, [
        ["Code", "Start", "Rent", "Count", "Big", "Sum", "Stamp", "Time", "Joint"],
        ["T1", dt.date(2026, 4, 1), 100.5, 3.0, 123456789012, 0.1 + 0.2, dt.datetime(2026, 4, 1, 10, 30),
         dt.time(9, 15), True],
        [],
        ["T2", None, 90, 0, 1e20],
    ])
    upload, rows = read(path)
    assert (upload.kind, upload.layout, upload.sheet) == ("xlsx", "headers", "Sheet1")
    assert rows == [
        (2, {0: "T1", 1: "2026-04-01", 2: "100.5", 3: "3", 4: "123456789012", 5: "0.3",
             6: "2026-04-01 10:30:00", 7: "09:15:00", 8: "TRUE"}),
        (4, {0: "T2", 2: "90", 3: "0", 4: "100000000000000000000"}),
    ]


@pytest.mark.parametrize("write_only", [False, True], ids=["shared strings", "inline strings"])
def test_xlsx_values_are_those_openpyxl_reads(tmp_path, write_only):
    from cldc.platform.uploads.xlsx_reader import _text

    path = xlsx(tmp_path, [["Code", "Date", "Rent", "Note"],
                           ["T1", dt.datetime(2026, 5, 2), 12.25, "café £5"],
                           ["T2", dt.datetime(2026, 5, 3, 8), -3, "=not a formula"]], write_only=write_only)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    expected = [(n, {i: _text(v) for i, v in enumerate(row) if v is not None})
                for n, row in enumerate(workbook.active.iter_rows(min_row=2, values_only=True), 2)]
    workbook.close()
    assert read(path)[1] == expected


def test_a_formula_cell_gives_its_last_calculated_value(tmp_path):
    path = xlsx(tmp_path, [["Code", "Total"], ["T1", 5]])
    patched(path, SHEET,
            lambda xml: re.sub(r'<c r="B2"([^>]*)><v>5</v></c>', r'<c r="B2"\1><f>2+3</f><v>5</v></c>', xml))
    assert "<f>2+3</f>" in zipfile.ZipFile(path).read(SHEET).decode()
    assert read(path)[1] == [(2, {0: "T1", 1: "5"})]


def test_the_first_visible_sheet_with_data_is_read(tmp_path):
    path = xlsx(tmp_path, None, sheets={"Hidden": [["Secret"], ["x"]], "Empty": [], "Logs": [["Code"], ["T1"]]})
    workbook = openpyxl.load_workbook(path)
    workbook["Hidden"].sheet_state = "hidden"
    workbook.save(path)
    upload, rows = read(path)
    assert upload.sheet == "Logs"
    assert rows == [(2, {0: "T1"})]


# --- the official template ----------------------------------------------------------

@pytest.mark.parametrize("record_type, fields, first_values", [
    ("lettings", 147, {1: "ORG1", 2: "ORG1", 3: "support@example.com", 4: "1"}),
    ("sales", 136, {1: "4", 2: "9", 3: "26", 4: "ORG1"}),
])
def test_the_official_templates_are_recognised_and_read_by_field_number(record_type, fields, first_values):
    path = SPEC / f"2026_27_{record_type}_bulk_upload.csv"
    upload, rows = read(path)
    assert (upload.layout, upload.header_row) == ("template", 8)
    assert upload.headers == [None] + list(range(1, fields + 1))
    assert upload.template.labels["section"][0] == "Section"
    assert upload.questions[1].startswith("Which organisation owns" if record_type == "lettings"
                                          else "What is the sale completion date?")
    [(number, values)] = rows
    assert number == 9
    keyed = upload.keyed(values)
    assert {n: keyed[n] for n in first_values} == first_values


def test_the_template_saved_as_xlsx_is_found_on_any_sheet(tmp_path):
    with (SPEC / "2026_27_lettings_bulk_upload.csv").open(encoding="utf-8-sig", newline="") as file:
        template = list(csv.reader(file))
    path = xlsx(tmp_path, None, sheets={"Read me": [["How to fill in this template"]], "Lettings": template})
    upload, rows = read(path)
    assert (upload.sheet, upload.layout) == ("Lettings", "template")
    assert upload.keyed(rows[0][1])[1] == "ORG1"
    assert upload.headers == read(SPEC / "2026_27_lettings_bulk_upload.csv")[0].headers


def test_a_field_number_row_is_recognised_wherever_it_is_in_the_first_rows(tmp_path):
    path = write(tmp_path, "short.csv", "Our lettings,,\n,,\nQuestion,Age?,Sex?\nField number,42,43\n,30,F\n")
    upload, rows = read(path)
    assert (upload.layout, upload.header_row, upload.columns) == ("template", 4, {1: 42, 2: 43})
    assert upload.questions == ["", "Age?", "Sex?"]
    assert [(n, upload.keyed(v)) for n, v in rows] == [(5, {42: "30", 43: "F"})]


def test_a_field_number_row_needs_whole_numbers():
    assert find_template([(1, ["Field number", "1", "two"])]) is None      # a provider's own columns
    with pytest.raises(ValueError, match='column C holds "two"'):
        find_template([(1, ["Question", "Age?", "Sex?"]), (2, ["Field number", "1", "two"])])


def test_a_template_with_a_field_number_that_is_not_a_number_is_refused(tmp_path):
    message = refused(write(tmp_path, "t.csv", "Question,Age?,Sex?\nField number,42,4x\n,30,F\n"))
    assert message.startswith('Row 2 is labelled "Field number", but column C holds "4x"')


def test_duplicate_field_numbers_are_refused(tmp_path):
    message = refused(write(tmp_path, "t.csv", "Question,Age?,Age again?,Sex?\nField number,42,42,43\n,30,31,F\n"))
    assert message == ("Each column must have a different field number. Field number 42 is in columns B and C. "
                       "Rename or remove the repeated columns and upload the file again.")


# --- bad input -------------------------------------------------------------------------

def test_an_empty_file_is_refused(tmp_path):
    assert refused(write(tmp_path, "empty.csv", b"")) == "The selected file is empty."


def test_a_file_of_blank_lines_is_refused(tmp_path):
    assert refused(write(tmp_path, "blank.csv", "\ufeff\r\n\r\n,,\r\n")) == "The file has no data: every row is blank."


@pytest.mark.parametrize("content", ["Code,Age\n\n\n", "Section,x\nQuestion,Age?\nField number,1\n"])
def test_headings_with_no_data_rows_are_refused(tmp_path, content):
    assert refused(write(tmp_path, "headers.csv", content)).startswith("The file has headings but no rows of data")


def test_the_official_template_with_no_data_rows_is_refused(tmp_path):
    lines = (SPEC / "2026_27_sales_bulk_upload.csv").read_bytes()
    headings_only = lines[:lines.rindex(b"\n", 0, len(lines) - 1) + 1]
    assert refused(write(tmp_path, "t.csv", headings_only)).startswith("The file has headings but no rows of data")


@pytest.mark.parametrize("content, kind", [
    (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "a PDF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "an older Excel workbook (.xls), a password-protected workbook"),
    (b"\x89PNG\r\n\x1a\n" + bytes(50), "an image (PNG)"),
    (b"<html><body><table><tr><td>Code</td></tr></table>", "a web page (HTML)"),
    ("Code,Age\nT1,30\n".encode("utf-16"), "saved as Unicode text (UTF-16)"),
])
def test_other_kinds_of_file_renamed_csv_are_refused_by_name(tmp_path, content, kind):
    assert refused(write(tmp_path, "renamed.csv", content)).startswith(f"The file is {kind}")


def test_a_zip_archive_renamed_csv_is_refused(tmp_path):
    path = tmp_path / "logs.csv"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("logs.csv", "Code,Age\nT1,30\n")
    assert refused(path) == ("The file is a ZIP archive, not a CSV or Excel file. "
                             "Upload the CSV or Excel file itself, not a ZIP archive holding it.")


def test_an_xlsx_renamed_csv_is_read_as_the_workbook_it_is(tmp_path):
    path = xlsx(tmp_path, [["Code", "Age"], ["T1", 30]], name="logs.csv")
    upload, rows = read(path)
    assert upload.kind == "xlsx"
    assert upload.notes == ["The file's name ends in .csv but it is an Excel workbook: it was read as a workbook."]
    assert rows == [(2, {0: "T1", 1: "30"})]


def test_a_csv_renamed_xlsx_is_read_as_csv(tmp_path):
    upload, rows = read(write(tmp_path, "logs.xlsx", "Code,Age\nT1,30\n"))
    assert upload.kind == "csv"
    assert upload.notes == ["The file's name ends in .xlsx but it is a CSV text file: it was read as CSV."]


def test_binary_junk_is_refused(tmp_path):
    junk = random.Random(5).randbytes(5000)
    assert refused(write(tmp_path, "junk.csv", junk)).startswith(
        "The file is not a CSV or Excel file: it holds data that is not text.")


def test_binary_after_a_text_beginning_is_refused(tmp_path):
    text = ("Code,Age\n" + "T1,30\n" * 20_000).encode()         # more than the first bytes looked at
    assert refused(write(tmp_path, "tail.csv", text + b"\x00\x01\x02")).startswith("The file is not a CSV")


class NeverRead(io.RawIOBase):
    """A 500 MB upload that fails the test if a byte of it is read."""
    size = 500 * 1024 * 1024

    def readable(self):
        return True

    def read(self, *args):
        raise AssertionError("the size must be checked before reading")

    readinto = read


def test_a_file_over_the_size_limit_is_refused_before_it_is_read():
    with pytest.raises(UploadError) as caught:
        open_upload(NeverRead(), "huge.csv")
    assert caught.value.message == ("The selected file is 500 MB. It must be smaller than 50 MB: "
                                    "split it into smaller files and upload each one.")


def test_the_size_limit_is_a_setting(tmp_path, settings, monkeypatch):
    path = write(tmp_path, "logs.csv", "Code,Age\n" + "T1,30\n" * 400)
    settings.CLDC_UPLOAD_MAX_BYTES = 2048
    assert refused(path).startswith("The selected file is 2 KB. It must be smaller than 2 KB")
    del settings.CLDC_UPLOAD_MAX_BYTES
    monkeypatch.setenv("CLDC_UPLOAD_MAX_BYTES", "1024")
    assert refused(path).startswith("The selected file is 2 KB. It must be smaller than 1 KB")


def test_a_file_mixing_utf8_and_windows_1252_is_refused(tmp_path):
    mixed = "Name,Rent\nJosé,£100\n".encode("utf-8") + "Zoë,£90\n".encode("cp1252")
    assert refused(write(tmp_path, "mixed.csv", mixed)) == (
        "The file is not in a text encoding we can read: part of it is UTF-8 and part is in another encoding, "
        "so some letters or symbols (such as £ or é) would come out wrong. Save it as CSV UTF-8 and upload it again.")


def test_duplicate_headers_are_refused_with_their_names(tmp_path):
    message = refused(write(tmp_path, "dup.csv", "Code,Age,Sex,age ,Code,Rent\nT1,1,F,2,T1,3\n"))
    assert message == ('Each column must have a different heading. "Code" is in columns A and E; "Age" is in '
                       "columns B and D. Rename or remove the repeated columns and upload the file again.")


def test_too_many_columns_are_refused(tmp_path):
    header = ",".join(f"Column {i}" for i in range(1001))
    assert refused(write(tmp_path, "wide.csv", f"{header}\n1\n")) == (
        "Row 1 has 1,001 columns. A file can have at most 1,000: remove the columns that are not needed.")


def test_data_past_the_last_column_is_refused(tmp_path):
    message = refused(write(tmp_path, "wide.csv", "Code,Age\nT1,30\n" + "," * 1000 + "x\n"), max_columns=1000)
    assert message.startswith("Row 3 has data in column ALM, past the 1,000 columns a file can have.")


def test_an_unclosed_quote_that_swallows_the_file_is_refused(tmp_path):
    rows = "".join(f"T{i},{i}\n" for i in range(8000))
    message = refused(write(tmp_path, "quote.csv", 'Code,Age\nT0,"30\n' + rows))
    assert message.startswith("Cell B2 is longer than 32,767 characters.") and 'A quote mark (")' in message


def test_cells_that_look_like_formulas_are_kept_as_data_and_flagged(tmp_path):
    path = write(tmp_path, "formulas.csv", 'Code,Note,Rent\n=cmd|\' /C calc\'!A0,@SUM(1),-5\nT2,+44 20 7946,-\n')
    upload, rows = read(path)
    assert rows == [(2, {0: "=cmd|' /C calc'!A0", 1: "@SUM(1)", 2: "-5"}), (3, {0: "T2", 1: "+44 20 7946", 2: "-"})]
    assert upload.formula_cells == [(2, 0), (2, 1), (3, 1)]
    assert upload.formula_cell_count == 3


def test_safe_cell_stops_a_spreadsheet_running_a_cell_as_a_formula():
    assert [safe_cell(v) for v in ["=1+2", "+1-2", "-A1", "@SUM(A1)", "\t=1", " =1", "-5", "3", "Weekly", None, 7]] == [
        "'=1+2", "'+1-2", "'-A1", "'@SUM(A1)", "'\t=1", "' =1", "-5", "3", "Weekly", None, 7]


def test_a_damaged_workbook_is_refused(tmp_path):
    path = patched(xlsx(tmp_path, [["Code"], ["T1"]]), "xl/workbook.xml", lambda xml: xml[: len(xml) // 2])
    assert refused(path).startswith("We could not read this Excel workbook: it may be damaged.")


def test_a_workbook_cut_short_is_refused(tmp_path):
    path = xlsx(tmp_path, [["Code"], ["T1"]])
    path.write_bytes(path.read_bytes()[:3000])
    assert refused(path).startswith("We could not read this Excel workbook: it may be damaged.")


def test_a_date_cell_holding_no_possible_date_gives_its_number(tmp_path):
    path = xlsx(tmp_path, [["Code", "Start"], ["T1", dt.date(2026, 4, 1)]])
    patched(path, SHEET, lambda xml: re.sub(r'(<c r="B2"[^>]*><v>)[^<]*', r"\g<1>99999999", xml))
    assert read(path)[1] == [(2, {0: "T1", 1: "99999999"})]


def test_a_workbook_whose_sheet_is_cut_short_is_refused(tmp_path):
    path = patched(xlsx(tmp_path, [["Code"], ["T1"], ["T2"]]), SHEET,
                   lambda xml: xml[: xml.index('<row r="3"') + 12])
    assert refused(path).startswith("The workbook cannot be read after row 2. We could not read this Excel workbook")


def test_a_workbook_that_unzips_to_far_more_than_the_limit_is_refused(tmp_path):
    path = xlsx(tmp_path, [["Code"], ["T1"]])
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", "<si><t>a</t></si>" * 100_000)   # 1.7 MB from a few KB
    assert refused(path, max_bytes=1024 * 1024).startswith("The workbook is too large once unzipped")


def test_a_workbook_with_xml_entities_is_refused(tmp_path):
    bomb = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    path = patched(xlsx(tmp_path, [["Code"], ["T1"]]), SHEET,
                   lambda xml: xml.replace("<worksheet", bomb + "<worksheet", 1))
    assert refused(path).startswith("We could not read this Excel workbook")


def test_a_workbook_cell_past_the_last_column_is_refused(tmp_path):
    path = patched(xlsx(tmp_path, [["Code"], ["T1"]]), SHEET, lambda xml: xml.replace('r="A2"', 'r="XFD2"'))
    assert refused(path).startswith("Row 2 has data in column XFD, past the 1,000 columns")


# --- streaming ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_rows_are_streamed_not_held(tmp_path, kind):
    count = 20_000
    rows = [["Code", "A", "B", "C", "D", "E", "F", "G"]] + [[f"T{i}", i, 1, 2, 3, 4, 5, 6] for i in range(count)]
    if kind == "csv":
        path = write(tmp_path, "big.csv", "".join(",".join(map(str, row)) + "\n" for row in rows))
    else:
        path = xlsx(tmp_path, rows, write_only=True)
    with open_upload(path, path.name) as upload:
        tracemalloc.start()
        read_rows = sum(1 for _ in upload.rows())
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert read_rows == count
    held = count * 8 * 60           # the least the cells take held at once: 60 bytes or more each
    assert peak < held / 10, peak
