"""The annotated download: the person's own file with a column for each failing
question's messages, the log id of each row and the corrections made in the browser
(and cell comments in a workbook), row for row, safe to open. Files are made in
tmp_path; no database."""

import csv
import io
from types import SimpleNamespace

import openpyxl
import pytest

from cldc.platform.uploads import annotated
from cldc.platform.uploads.annotated import CSV_TYPE, XLSX_TYPE, annotated_file, download_name
from cldc.platform.uploads.files import open_upload

ATTACK = "=cmd|' /C calc'!A0"


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def xlsx(tmp_path, rows, name="logs.xlsx", title="Lettings"):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for number, row in rows.items():          # {row number: cells}: rows left out stay blank
        for column, value in enumerate(row, start=1):
            sheet.cell(number, column, value)
    path = tmp_path / name
    workbook.save(path)
    return path


def annotate(path, issues, filename=None, **options):
    out = io.BytesIO()
    result = annotated_file(path, filename or path.name, issues, out, **options)
    return result, out.getvalue()


def csv_rows(data):
    assert data.startswith(b"\xef\xbb\xbf")     # UTF-8 with a BOM, so Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def sheet_of(data):
    return openpyxl.load_workbook(io.BytesIO(data)).active


# --- UploadFile.all_rows ---------------------------------------------------------------

def test_all_rows_gives_every_row_of_a_csv_from_1_blank_ones_included(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,34\n\n,\nT2,40\n")
    with open_upload(path, path.name) as upload:
        assert list(upload.all_rows()) == [(1, ["Code", "Age"]), (2, ["T1", "34"]), (3, []),
                                           (4, ["", ""]), (5, ["T2", "40"])]


def test_all_rows_fills_in_the_rows_a_workbook_leaves_out(tmp_path):
    path = xlsx(tmp_path, {2: ["Code", "Age"], 3: ["T1", 34], 6: ["T2", None, "x"]})
    with open_upload(path, path.name) as upload:
        assert list(upload.all_rows()) == [(1, []), (2, ["Code", "Age"]), (3, ["T1", "34"]), (4, []), (5, []),
                                           (6, ["T2", "", "x"])]


# --- CSV ---------------------------------------------------------------------------------

def test_a_csv_comes_back_with_a_column_for_each_failing_question(tmp_path):
    path = write(tmp_path, "logs.csv",
                 "Tenant code,Age,Start date\nT1,34,2026-04-01\nT2,x,2026-13-01\nT3,40,2026-04-02\n")
    issues = [(3, 1, "hard", "Age", "Age must be a number."),
              (3, 2, "hard", "Tenancy start date", "Enter a real date."),
              (3, None, "soft", "", "This looks like a repeat of row 2."),
              (4, 1, "soft", "Age", "Is the age right?")]
    (content_type, name), data = annotate(path, issues)
    assert (content_type, name) == (CSV_TYPE, "logs-errors.csv")
    assert csv_rows(data) == [
        ["Tenant code", "Age", "Start date", "Errors: Age (column B)", "Errors: Tenancy start date (column C)",
         "Warnings: Age (column B)", "Warnings"],
        ["T1", "34", "2026-04-01", "", "", "", ""],
        ["T2", "x", "2026-13-01", "Age must be a number.", "Enter a real date.", "", "This looks like a repeat of row 2."],
        ["T3", "40", "2026-04-02", "", "", "Is the age right?", ""],
    ]


def test_two_messages_about_one_question_share_its_column_one_a_line(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,x\n")
    issues = [(2, 1, "hard", "Age", "Not a number."), (2, 1, "hard", "Age", "Enter the age.")]
    assert csv_rows(annotate(path, issues)[1])[1] == ["T1", "x", "Not a number.\nEnter the age."]


def test_a_column_with_no_label_is_named_by_its_letter_and_repeats_are_shown_once(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,x\n")
    issues = [(2, 1, "hard", "", "Not a number."), (2, 1, "hard", "", "Not a number.")]
    assert csv_rows(annotate(path, issues)[1]) == [["Code", "Age", "Errors: Column B"], ["T1", "x", "Not a number."]]


def test_issues_for_the_header_row_or_rows_the_file_has_not_are_left_out(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,x\n")
    issues = [(1, 0, "hard", "Code", "Header problem."), (99, 0, "hard", "Code", "No such row.")]
    assert csv_rows(annotate(path, issues)[1]) == [["Code", "Age"], ["T1", "x"]]


def test_blank_rows_are_kept_so_row_numbers_match_the_persons_file(tmp_path):
    path = write(tmp_path, "logs.csv", "\nCode,Age\nT1,34\n\n\nT2,x\n")
    rows = csv_rows(annotate(path, [(6, 1, "hard", "Age", "Not a number.")])[1])
    assert rows == [["", "", ""], ["Code", "Age", "Errors: Age (column B)"], ["T1", "34", ""],
                    ["", "", ""], ["", "", ""], ["T2", "x", "Not a number."]]


def test_a_cell_with_new_lines_stays_one_row(tmp_path):
    path = write(tmp_path, "logs.csv", 'Code,Notes\nT1,"two\nlines"\nT2,x\n')
    rows = csv_rows(annotate(path, [(3, 1, "hard", "Notes", "Too short.")])[1])
    assert rows[1:] == [["T1", "two\nlines", ""], ["T2", "x", "Too short."]]


def test_the_added_columns_are_right_of_all_data_but_not_of_trailing_blank_cells(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age,,,\nT1,34,,extra,,,\nT2,40,,,,,,\n")
    assert csv_rows(annotate(path, [(3, 0, "hard", "Code", "Unknown.")])[1]) == [
        ["Code", "Age", "", "", "Errors: Code (column A)"],
        ["T1", "34", "", "extra", ""],
        ["T2", "40", "", "", "Unknown."],
    ]


def test_each_rows_log_id_and_the_corrections_made_in_the_browser_are_in_the_file(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,34\nT2,200\nT3,x\n")
    issues = [(4, 1, "hard", "Age", "Not a number.")]
    rows = csv_rows(annotate(path, issues, log_ids={2: 17, 3: 18}, corrections={3: {1: "41"}, 4: {2: "late"}})[1])
    assert rows == [["Code", "Age", "", "Log ID", "Errors: Age (column B)"],
                    ["T1", "34", "", "17", ""],
                    ["T2", "41", "", "18", ""],
                    ["T3", "x", "late", "", "Not a number."]]


def test_windows_1252_comes_back_as_utf8(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Rent\nT1,£95.50 café\n", encoding="cp1252")
    rows = csv_rows(annotate(path, [(2, 1, "soft", "Rent", "Rent in £ is high.")])[1])
    assert rows == [["Code", "Rent", "Warnings: Rent (column B)"], ["T1", "£95.50 café", "Rent in £ is high."]]


def test_a_semicolon_csv_comes_back_comma_separated(tmp_path):
    path = write(tmp_path, "logs.csv", "Code;Rent\nT1;95,50\n")
    (_, name), data = annotate(path, [(2, 1, "hard", "Rent", "Not a number.")])
    assert data.decode("utf-8-sig").splitlines() == ["Code,Rent,Errors: Rent (column B)", 'T1,"95,50",Not a number.']


def test_formulas_come_back_inert_in_a_csv(tmp_path):
    path = write(tmp_path, "logs.csv", f'Code,Age\n"{ATTACK}",-5\n+44 20,@SUM(A1)\n')
    issues = [(2, 0, "hard", "=HYPERLINK(\"http://x\")", "Bad code."), (3, 1, "hard", "", "=1+1 is not an age.")]
    rows = csv_rows(annotate(path, issues)[1])
    assert rows[0] == ["Code", "Age", 'Errors: =HYPERLINK("http://x") (column A)', "Errors: Column B"]
    assert rows[1] == ["'" + ATTACK, "-5", "Bad code.", ""]
    assert rows[2] == ["'+44 20", "'@SUM(A1)", "", "'=1+1 is not an age."]


def test_a_correction_made_in_the_browser_comes_back_inert(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,34\n")
    assert csv_rows(annotate(path, [], corrections={2: {0: ATTACK}})[1])[1] == ["'" + ATTACK, "34"]


def test_the_callers_file_is_left_open(tmp_path):
    path = write(tmp_path, "logs.csv", "Code\nT1\n")
    out = io.BytesIO()
    annotated_file(path, "logs.csv", [], out)
    out.write(b"")                               # a closed file would raise here
    assert out.getvalue().startswith(b"\xef\xbb\xbfCode\r\nT1")


# --- a file in the template's layout --------------------------------------------------------

def test_the_template_keeps_its_heading_rows_and_is_headed_in_the_field_number_row(tmp_path, visits_template_csv):
    template = tmp_path / "2026_27_visits_bulk_upload.csv"
    template.write_bytes(visits_template_csv(SimpleNamespace(pk=1)))  # an owner's number, no database
    original = list(csv.reader(template.open(encoding="utf-8-sig", newline="")))
    width = len(original[7])
    assert original[7][0] == "Field number"
    issues = [(9, 4, "hard", "Date of visit", "The day must be between 1 and 31."),
              (9, 3, "soft", "Visit reference", "Check it.")]
    (_, name), data = annotate(template, issues)
    rows = csv_rows(data)
    assert name == "2026_27_visits_bulk_upload-errors.csv"
    assert len(rows) == len(original) == 9
    assert [row[:width] for row in rows] == original
    assert [row[width:] for row in rows[:7]] == [["", ""]] * 7
    assert rows[7][width:] == ["Errors: Date of visit (column E)", "Warnings: Visit reference (column D)"]
    assert rows[8][width:] == ["The day must be between 1 and 31.", "Check it."]


# --- XLSX --------------------------------------------------------------------------------

def test_a_workbook_comes_back_as_a_workbook_with_comments_on_the_failing_cells(tmp_path):
    path = xlsx(tmp_path, {1: ["Tenant code", "Age", "Start date"], 2: ["T1", 34, "2026-04-01"],
                           3: ["T2", "x", None], 5: ["T3", 40, "2026-04-02"]})
    issues = [(3, 1, "hard", "Age", "Age must be a number."),
              (3, 1, "soft", "Age", "Is it right?"),
              (3, 2, "hard", "Tenancy start date", "Enter the date."),
              (5, 0, "soft", "Tenant code", "Seen before."),
              (5, None, "hard", "", "The whole row is wrong.")]
    (content_type, name), data = annotate(path, issues)
    assert (content_type, name) == (XLSX_TYPE, "logs-errors.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["Lettings"]
    sheet = workbook.active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Tenant code", "Age", "Start date", "Errors: Age (column B)", "Errors: Tenancy start date (column C)", "Errors",
         "Warnings: Tenant code (column A)", "Warnings: Age (column B)"],
        ["T1", "34", "2026-04-01", None, None, None, None, None],
        ["T2", "x", None, "Age must be a number.", "Enter the date.", None, None, "Is it right?"],
        [None] * 8,
        ["T3", "40", "2026-04-02", None, None, "The whole row is wrong.", "Seen before.", None],
    ]
    comments = {cell.coordinate: cell.comment.text for row in sheet.iter_rows() for cell in row if cell.comment}
    assert comments == {"B3": "Error: Age must be a number.\nWarning: Is it right?",
                        "C3": "Error: Enter the date.", "A5": "Warning: Seen before."}
    assert sheet["B3"].fill.fgColor.rgb.endswith(annotated.FILLS["hard"].fgColor.rgb[-6:])
    assert sheet["A5"].fill.fgColor.rgb.endswith(annotated.FILLS["soft"].fgColor.rgb[-6:])
    assert sheet["A2"].fill.fill_type is None


def test_a_csv_comes_back_as_a_workbook_on_request_with_its_corrections_marked(tmp_path):
    path = write(tmp_path, "April lettings.csv", "Code,Age\nT1,200\nT2,x\n")
    (content_type, name), data = annotate(path, [(3, 1, "hard", "Age", "Not a number.")], kind=annotated.XLSX,
                                          corrections={2: {1: "41"}}, log_ids={2: 7})
    assert (content_type, name) == (XLSX_TYPE, "April lettings-errors.xlsx")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["April lettings"]
    sheet = workbook.active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Code", "Age", "Log ID", "Errors: Age (column B)"], ["T1", "41", "7", None], ["T2", "x", None, "Not a number."]]
    assert "Corrected" in sheet["B2"].comment.text and sheet["B2"].fill.fill_type is None
    assert sheet["B3"].comment.text == "Error: Not a number."


def test_a_renamed_workbook_comes_back_as_a_workbook(tmp_path):
    path = xlsx(tmp_path, {1: ["Code"], 2: ["T1"]}, name="logs.csv")
    (content_type, name), data = annotate(path, [(2, 0, "hard", "Code", "Unknown.")])
    assert (content_type, name) == (XLSX_TYPE, "logs-errors.xlsx")
    assert sheet_of(data)["B1"].value == "Errors: Code (column A)"


def test_formulas_come_back_inert_in_a_workbook(tmp_path):
    path = xlsx(tmp_path, {1: ["Code", "Age"], 2: [None, 34]})
    workbook = openpyxl.load_workbook(path)
    cell = workbook.active["A2"]
    cell.value = ATTACK
    cell.data_type = "s"                          # as text: openpyxl would write "=..." as a formula
    workbook.save(path)
    with open_upload(path, path.name) as upload:
        assert upload.formula_cell_count == 1     # the reader gives the text, as data
    sheet = sheet_of(annotate(path, [(2, 0, "hard", "=Code", "=Bad.")])[1])
    assert (sheet["A2"].value, sheet["A2"].data_type) == ("'" + ATTACK, "s")
    assert (sheet["C1"].value, sheet["C2"].value, sheet["C2"].data_type) == ("Errors: =Code (column A)", "'=Bad.", "s")


def test_characters_a_workbook_cannot_hold_are_dropped_from_messages(tmp_path):
    path = xlsx(tmp_path, {1: ["Code"], 2: ["T1"]})
    sheet = sheet_of(annotate(path, [(2, 0, "hard", "Code", "Bad\x0bvalue\x01.")])[1])
    assert (sheet["A2"].comment.text, sheet["B2"].value) == ("Error: Badvalue.", "Badvalue.")


def test_past_the_comment_limit_a_failing_cell_is_only_filled(tmp_path, monkeypatch):
    monkeypatch.setattr(annotated, "MAX_COMMENTS", 1)
    path = xlsx(tmp_path, {1: ["Code"], 2: ["T1"], 3: ["T2"]})
    sheet = sheet_of(annotate(path, [(2, 0, "hard", "Code", "One."), (3, 0, "hard", "Code", "Two.")])[1])
    assert [bool(sheet[ref].comment) for ref in ("A2", "A3")] == [True, False]
    assert sheet["A3"].fill.fill_type == "solid"
    assert sheet["B3"].value == "Two."


# --- annotated again -----------------------------------------------------------------------

def test_a_file_annotated_before_loses_the_columns_added_then(tmp_path):
    path = write(tmp_path, "logs.csv", "Code,Age\nT1,x\nT2,y\n")
    first = tmp_path / "logs-errors.csv"
    first.write_bytes(annotate(path, [(2, 1, "hard", "Age", "Not a number.")], log_ids={2: 5})[1])
    assert csv_rows(first.read_bytes())[0] == ["Code", "Age", "Log ID", "Errors: Age (column B)"]
    rows = csv_rows(annotate(first, [(3, 1, "soft", "Age", "Odd.")])[1])
    assert rows == [["Code", "Age", "Warnings: Age (column B)"], ["T1", "x", ""], ["T2", "y", "Odd."]]


@pytest.mark.parametrize("filename, expected", [
    ("lettings.csv", "lettings-errors.csv"),
    ("C:\\Users\\me\\April lettings.CSV", "April lettings-errors.csv"),
    ("", "upload-errors.csv"),
])
def test_the_download_is_named_after_the_persons_file(filename, expected):
    assert download_name(filename, ".csv") == expected
