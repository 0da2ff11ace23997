"""The bulk-upload template and its specification, generated from the definition,
so nothing is made by hand each year. The template has the official layout: header
rows labelled in column A, the last one the field numbers (see template.py)."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from cldc.platform.uploads.cell_safety import safe_cell

ROWS = ("Section", "Question", "Additional info", "Values", "Can be empty?", "Applies to",
        "Duplicate check field?", "Field number")


def template_columns(definition):
    """One column per field number, in order: a dict per column with the header rows'
    values, from each question's `bulk_upload` declaration."""
    columns = []
    for question in definition.questions.values():
        upload = question.bulk_upload or {}
        fields = upload.get("fields")
        if not fields:
            continue
        fields = fields if isinstance(fields, list) else [fields]
        headers = upload.get("headers") or [upload.get("header") or question.text] * len(fields)
        for position, (number, header) in enumerate(zip(fields, headers)):
            columns.append({
                "Section": question.page.subsection.label,
                "Question": header,
                "Additional info": upload.get("info", ""),
                "Values": upload.get("values") or _values(question),
                "Can be empty?": upload.get("can_be_empty") or ("Yes" if question.optional else "No"),
                "Applies to": upload.get("applies_to", ""),
                # A multi-field answer (a date) is checked through its first field, as the official template marks it.
                "Duplicate check field?": "Yes" if upload.get("duplicate_check") and position == 0 else "",
                "Field number": number,
                "variable": question.id,
            })
    return sorted(columns, key=lambda column: column["Field number"])


def _values(question):
    if question.options:
        return "\n".join(f"{code} = {label}" for code, label in question.options)
    if question.type == "date":
        return "A date"
    if question.type == "numeric":
        return f"{question.min if question.min is not None else ''} - {question.max if question.max is not None else ''}".strip(" -")
    return "Text"


def template_rows(definition):
    columns = template_columns(definition)
    return [
        [label] + [column[label] if label == "Field number" else safe_cell(str(column[label])) for column in columns]
        for label in ROWS
    ]


def template_csv(definition):
    text = io.StringIO()
    csv.writer(text).writerows(template_rows(definition))
    return ("\ufeff" + text.getvalue()).encode("utf-8")  # a BOM, so spreadsheets read it as UTF-8


def template_xlsx(definition):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = f"{definition.record_type} {definition.version}"[:31]
    for row in template_rows(definition):
        sheet.append(row)
    for cell in sheet["A"]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=1, max_row=len(ROWS)):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def specification_csv(definition):
    """One row per field: number, variable, question, allowed values, can be empty."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["Field number", "Variable", "Question", "Allowed values", "Can be empty?", "Duplicate check field?"])
    for column in template_columns(definition):
        writer.writerow([column["Field number"], column["variable"], safe_cell(column["Question"]),
                         safe_cell(str(column["Values"])), safe_cell(column["Can be empty?"]), column["Duplicate check field?"]])
    return ("\ufeff" + text.getvalue()).encode("utf-8")
