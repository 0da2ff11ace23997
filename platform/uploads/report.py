"""What an upload did, in the words people read: counts, and issues grouped by rule and
column (the results page, the API and `cldc upload`)."""

from django.db.models import Count, Min


def question_label(definition, variable):
    """A variable or question as people read it: its label, else its text, else its name."""
    question = definition.variables.get(variable) or definition.questions.get(variable)
    return (question.label or question.text or variable) if question is not None else variable


def summary(upload, rows_per_group=50, errors=1000):
    """What an upload did: counts, and issues grouped by rule and column with counts."""
    groups = (upload.issues.values("severity", "rule", "sheet", "column", "field")
              .annotate(count=Count("id"), message=Min("message")).order_by())
    by_rule = []
    for group in sorted(groups, key=lambda g: (g["severity"] != "hard", -g["count"], g["rule"])):
        rows = upload.issues.filter(severity=group["severity"], rule=group["rule"], sheet=group["sheet"],
                                    column=group["column"], field=group["field"]).values_list("row", flat=True)[:rows_per_group]
        by_rule.append({**group, "rows": list(rows)})
    return {
        "file": upload.filename,
        "status": upload.status,
        "message": upload.message,
        "dry_run": upload.dry_run,
        "stored": upload.stored,
        "rows": upload.total_rows,
        "created": upload.created,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "rejected": upload.rejected,
        "issues_by_rule": by_rule,
        "errors": [
            {**({"sheet": i.sheet} if i.sheet else {}),  # an upload in parts: the sheet or file of the row
             "row": i.row, "column": i.column, "cell": i.cell, "field": i.field, "rule": i.rule,
             "severity": i.severity, "message": i.message}
            for i in upload.issues.all()[:errors]
        ],
    }
