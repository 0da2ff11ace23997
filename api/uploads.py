"""Uploads through the API: the web bulk upload's Upload model, file keeping and
Celery task (cldc.platform.uploads), for a client instead of a person.

The pipeline decides who may be named in a file from `upload.user` (a person). Until
it can take an API client, an API upload runs on behalf of the person who made the
client's key (`created_by`), and the API first checks the file against the client's
own rights (`refused_cells`): every organisation and assignee in it must be one the
client may name, by the rules of every channel. Files with the provider's own columns need their columns
matched by a person in the web service, so the API takes the official template layout.
"""

from cldc.platform.records.references import References
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


def refused_cells(path, filename, definition, acted_for, organisation, most=20):
    """The layout of the file, and its rows' references the client may not use, as
    (row number, issue), at most `most`: resolved as in every channel
    (cldc.platform.records.references) among the organisations the client acts for,
    blank organisations being the upload's `organisation`. Raises UploadError for a
    file that cannot be read."""
    fields = template_fields(definition)
    references = References(definition, acted_for)
    defaults = {"owning_organisation": organisation, "managing_organisation": organisation}
    refused = []
    with open_upload(path, filename) as file:
        if file.layout != "template":
            return file.layout, []
        for number, values in file.rows():
            keyed = file.keyed(values)
            named = references.resolve(
                {column: (keyed.get(field_number) or "").strip() for column, (_, field_number) in fields.items()},
                defaults)
            refused += [(number, issue) for issue in named.issues]
            if len(refused) >= most:
                return file.layout, refused[:most]
        return file.layout, refused
