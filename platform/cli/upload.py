"""Upload a file from the command line: the same pipeline the web runs. Several files
(or a workbook of several sheets) are an upload in parts, a main file and its members'
files, told apart and joined by member_parts as on the upload form."""

import json
from contextlib import ExitStack
from pathlib import Path

from django.core.files import File
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.cli._selection import person_and_organisation, service_collecting

HELP = "Import a bulk-upload file into a service (or check it with --dry-run); prints a JSON summary."


def add_arguments(parser):
    parser.add_argument("--service", required=True, help="the service (schema), e.g. core")
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int)
    parser.add_argument("--organisation", required=True, help="the uploading organisation: ONS code, regulator number or ORG<id>")
    parser.add_argument("--user", required=True, help="the email address of the person uploading")
    parser.add_argument("--dry-run", action="store_true", help="check every row, store nothing")
    parser.add_argument("--create-valid", action="store_true",
                        help="create the logs of the valid rows even when other rows have errors "
                             "(without it, nothing is stored until every row is valid)")
    parser.add_argument("file", nargs="+",
                        help="the file; or, for records whose members are in files of their own, the main file "
                             "and its members' (several CSV files, or one workbook of several sheets)")


def run(options, out):
    from cldc.platform.uploads.importer import Importer, prepare, worded
    from cldc.platform.uploads.mappings import columns_not_read
    from cldc.platform.uploads.member_parts import MAX_FILES, keep_parts
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.refusals import UploadError
    from cldc.platform.uploads.report import summary

    service, collection = service_collecting(options["service"], options["record_type"])
    user, organisation = person_and_organisation(options)
    sources = [Path(name) for name in options["file"]]
    for source in sources:
        if not source.is_file():
            raise ValueError(f"Cannot read {source}: no such file")
    if len(sources) > MAX_FILES:
        raise ValueError(f"Give at most {MAX_FILES} files: a main file and its members' files")
    definition = registry.get(collection).definition(options["record_type"], options["version"])
    with schema_context(service.schema_name), ExitStack() as opened:
        files = [opened.enter_context(File(source.open("rb"), name=source.name)) for source in sources]
        upload = Upload.objects.create(
            collection=collection, record_type=options["record_type"], version=options["version"],
            organisation=organisation, user=user, filename=sources[0].name[:200], path="",
            dry_run=options["dry_run"], create_valid_now=options["create_valid"],
        )
        try:  # as the upload form: the files kept, and which part is which (member_parts)
            keep_parts(upload, files, service.schema_name, definition)
            unsettled = prepare(upload)  # the organisation's saved matches, else confident automatic ones
        except UploadError as error:
            unsettled = None
            upload.status, upload.message = Upload.Status.FAILED, str(worded(error, definition))
            upload.save(update_fields=["status", "message"])
        if unsettled == []:
            Importer(upload).run()
        report = summary(upload)
        if upload.layout == "headers":  # its own columns: those matched to no question are not read, and said
            report["ignored_columns"] = [column.as_dict() for column in columns_not_read(upload)]
        if unsettled:  # only a person can settle these, on the upload's page
            report["columns_to_match"] = [{"column": c.index, "header": c.header, "band": c.band,
                                           "suggestions": [str(s.target) for s in c.suggestions]} for c in unsettled]
        if upload.status == Upload.Status.VALUES:
            report["values_to_match"] = upload.unmatched
        out.write(json.dumps(report, indent=2, ensure_ascii=False))
