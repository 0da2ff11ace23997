"""Upload a file from the command line: the same pipeline the web runs."""

import json
import shutil
from pathlib import Path

from django.conf import settings
from django_tenants.utils import schema_context

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
    parser.add_argument("file")


def run(options, out):
    from cldc.platform.uploads.importer import Importer, prepare
    from cldc.platform.uploads.models import Upload
    from cldc.platform.uploads.refusals import UploadError
    from cldc.platform.uploads.report import summary

    service, collection = service_collecting(options["service"], options["record_type"])
    user, organisation = person_and_organisation(options)
    source = Path(options["file"])
    if not source.is_file():
        raise ValueError(f"Cannot read {source}: no such file")
    kept = Path(settings.MEDIA_ROOT) / "uploads" / service.schema_name
    kept.mkdir(parents=True, exist_ok=True)
    with schema_context(service.schema_name):
        upload = Upload.objects.create(
            collection=collection, record_type=options["record_type"], version=options["version"],
            organisation=organisation, user=user, filename=source.name, path="", dry_run=options["dry_run"],
            create_valid_now=options["create_valid"],
        )
        upload.path = str(kept / f"{upload.pk}-{source.name}")
        shutil.copyfile(source, upload.path)
        upload.save(update_fields=["path"])
        try:
            unsettled = prepare(upload)  # the organisation's saved matches, else confident automatic ones
        except UploadError as error:
            unsettled = None
            upload.status, upload.message = Upload.Status.FAILED, str(error)
            upload.save(update_fields=["status", "message"])
        if unsettled == []:
            Importer(upload).run()
        report = summary(upload)
        if unsettled:  # only a person can settle these, on the upload's page
            report["columns_to_match"] = [{"column": c.index, "header": c.header, "band": c.band,
                                           "suggestions": [str(s.target) for s in c.suggestions]} for c in unsettled]
        if upload.status == Upload.Status.VALUES:
            report["values_to_match"] = upload.unmatched
        out.write(json.dumps(report, indent=2, ensure_ascii=False))
