"""CORE's own test fixtures: its official bulk-upload templates (reference/spec) and a
housing system's own layout of a complete lettings log. CORE's tests use them; the
platform's tests use the test collection's (tests/conftest.py)."""

import pytest


def _official_template_row(record_type):
    """The official 2026/27 template's data row, {field number: text}, read by the
    bulk-upload reader itself."""
    from cldc.platform import registry
    from cldc.platform.uploads.files import open_upload

    path = registry.get("core").reference_dir / "spec" / f"2026_27_{record_type}_bulk_upload.csv"
    with open_upload(path, path.name) as upload:
        ((_, values),) = list(upload.rows())
        return upload.keyed(values)


@pytest.fixture
def official_template_row():
    return _official_template_row


def _official_template_csv(record_type, organisation, rows=1, last_row=None):
    """The official template as CSV bytes, its data row repeated `rows` times and made
    to belong to `organisation` (blank assignee: the uploader). `last_row` changes
    answers of the last row, by variable name."""
    import csv
    import io

    from cldc.platform import registry

    definition = registry.get("core").definition(record_type, 2026)
    path = registry.get("core").reference_dir / "spec" / f"2026_27_{record_type}_bulk_upload.csv"
    lines = list(csv.reader(path.open(encoding="utf-8-sig")))
    at = next(i for i, r in enumerate(lines) if r and r[0].strip().lower().startswith("field number"))
    column = {int(n): i for i, n in enumerate(lines[at]) if n.strip().isdigit()}

    def set_answer(row, variable, value):
        (number,) = definition.variables[variable].bulk_upload["fields"]
        row[column[number]] = value

    data = lines[at + 1]
    for name, value in (("owning_organisation", f"ORG{organisation.pk}"),
                        ("managing_organisation", f"ORG{organisation.pk}"), ("assigned_to", "")):
        set_answer(data, definition.record_fields[name], value)
    out = lines[: at + 1] + [list(data) for _ in range(rows)]
    for variable, value in (last_row or {}).items():
        set_answer(out[-1], variable, value)
    text = io.StringIO()
    csv.writer(text).writerows(out)
    return text.getvalue().encode("utf-8")


@pytest.fixture
def official_template_csv():
    return _official_template_csv


def _provider_layout_csv(tenancy_codes=("OWN-1",)):
    """A complete lettings log per tenancy code in a housing system's own layout:
    the official template row's answers under each question's label, except for a
    few columns named as providers name them, with text values and a split date:
    "Tenant code", "Tenancy start day/month/year" (the month in words), "Lead tenant
    DOB" (for the age), "Lead tenant gender" and "Rent period" in words ("Weekly "),
    and "Our internal notes" that nothing answers. Owning organisation blank: the
    uploader's. Returns (CSV bytes, {header: the target it answers, '' = none})."""
    import csv
    import datetime as dt
    import io

    from cldc.platform import registry
    from cldc.platform.uploads.template_rows import answers_from_field_numbers

    definition = registry.get("core").definition("lettings", 2026)
    answers, _ = answers_from_field_numbers(definition, _official_template_row("lettings"))
    for variable in definition.record_fields.values():
        answers.pop(variable, None)
    start = dt.date.fromisoformat(answers.pop("startdate"))
    born = start.replace(year=start.year - int(answers.pop("age1"))) - dt.timedelta(days=10)
    answers.pop("age1_known")  # "known" follows from the date of birth

    def label(variable):
        code = answers.pop(variable)
        return next(label for option, label in definition.variables[variable].options if str(option) == code)

    own = {
        "Tenant code": ("tenancycode", None),
        "Tenancy start day": ("startdate:day", str(start.day)),
        "Tenancy start month": ("startdate:month", start.strftime("%B")),
        "Tenancy start year": ("startdate:year", str(start.year)),
        "Lead tenant DOB": ("age1:date_of_birth", born.strftime("%d/%m/%Y")),
        "Lead tenant gender": ("sexrab1", label("sexrab1")),
        "Rent period": ("period", label("period").split(" for ")[0] + " "),
        "Our internal notes": ("", "Keys with the caretaker"),
    }
    answers.pop("tenancycode")
    targets = {header: target for header, (target, _) in own.items()}
    values = {header: value for header, (_, value) in own.items()}
    for variable, value in answers.items():
        question = definition.variables[variable]
        header = (question.label or question.text) if variable == question.id else question.label_for(variable)
        if header in targets:
            header = f"{header} ({variable})"
        targets[header], values[header] = variable, value
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(list(targets))
    for code in tenancy_codes:
        writer.writerow([code if header == "Tenant code" else values[header] for header in targets])
    return out.getvalue().encode("utf-8"), targets


@pytest.fixture
def provider_layout_csv():
    return _provider_layout_csv
