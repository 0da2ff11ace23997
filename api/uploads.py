"""Uploads through the API: the web bulk upload's Upload model, file keeping and
Celery task (cldc.platform.uploads), for a client instead of a person.

The pipeline decides who may be named in a file from `upload.user` (a person). Until
it can take an API client, an API upload runs on behalf of the person who made the
client's key (`created_by`), and the API first checks the file against the client's
own rights (`organisations_refused`): every organisation and assignee in it must be
one the client acts for. Files with the provider's own columns need their columns
matched by a person in the web service, so the API takes the official template layout.
"""

from cldc.api.references import ORGANISATION_COLUMNS, PERSON_COLUMNS, find_organisation, find_person
from cldc.platform.uploads.files import open_upload


def template_fields(definition):
    """{column kind: (variable, field number)} for the record's own fields."""
    found = {}
    for column, variable in definition.record_fields.items():
        fields = (definition.variables[variable].bulk_upload or {}).get("fields")
        number = (fields[0] if isinstance(fields, list) else fields) if fields else None
        if number is not None:
            found[column] = (variable, int(number))
    return found


def refused_cells(path, filename, definition, acted_for, most=20):
    """The layout of the file, and the cells (row, column, variable, value) naming an
    organisation or person the client may not name (at most `most`). Raises
    UploadError for a file that cannot be read."""
    fields = template_fields(definition)
    refused, people = [], {}
    with open_upload(path, filename) as file:
        if file.layout != "template":
            return file.layout, []
        for number, values in file.rows():
            keyed = file.keyed(values)
            for column, (variable, field_number) in fields.items():
                value = (keyed.get(field_number) or "").strip()
                if not value:
                    continue
                if column in ORGANISATION_COLUMNS:
                    allowed = find_organisation(value, acted_for) is not None
                elif column in PERSON_COLUMNS:
                    if value.lower() not in people:
                        people[value.lower()] = find_person(value, acted_for.values()) is not None
                    allowed = people[value.lower()]
                else:
                    continue
                if not allowed:
                    refused.append((number, column, variable, value))
                    if len(refused) >= most:
                        return file.layout, refused
        return file.layout, refused
