"""Export one record type and version of a service to a file (cldc.platform.exports):
what changed since the last run of the same layout and format, or everything with --full."""

import datetime as dt

from django.utils import timezone

from cldc.platform.cli._selection import service_collecting

HELP = "Export a record type and version to CSV, XLSX, Parquet or a package's own format; prints the file and count."


def add_arguments(parser):
    parser.add_argument("--service", required=True, help="the service (schema), e.g. core")
    parser.add_argument("--record-type", required=True)
    parser.add_argument("--version", required=True, type=int, help="e.g. 2026 for 2026/27")
    parser.add_argument("--format", required=True, help="csv, xlsx, parquet, or a package's (core.cds)")
    parser.add_argument("--layout", help="a layout the package declares (default: its first)")
    parser.add_argument("--labels", action="store_true", help="labels rather than codes")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--since", help="records changed from this date or time on (ISO 8601)")
    when.add_argument("--full", action="store_true", help="every record, whatever the last run took")


def run(options, out):
    from cldc.platform.audit.access import Channel, export_handed_out
    from cldc.platform.exports.layouts import layouts
    from cldc.platform.exports.runs import run_export

    service, collection = service_collecting(options["service"], options["record_type"])
    since = _moment(options["since"]) if options.get("since") else None
    run = run_export(service, collection, options["record_type"], options["version"], options["format"],
                     layout_id=options.get("layout"), full=options["full"], since=since, codes=not options["labels"])
    chosen = layouts(collection, run.record_type, run.version)[run.layout]
    export_handed_out(service, Channel.CLI, run, chosen.columns, title=chosen.title)  # the command line gets all columns
    took = "everything" if run.since is None else f"changed since {run.since.isoformat(timespec='seconds')}"
    out.write(f"{run.path}\n{run.records} records ({took}); export run {run.pk}")


def _moment(text):
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since {text!r} is not a date or time (ISO 8601, e.g. 2026-11-30 or 2026-11-30T18:00)") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
