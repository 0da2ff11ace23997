"""CORE's export to the department's Consolidated Data Store (CDS): XML, as the real
service writes it, byte for byte on its golden files (../shared/reference/core/exports/).

What goes out is the `cds` layout of exports/<record_type>/<version>.yaml: its columns
are the XML elements, in order, with their sources, renamings and the value rules the
layout options give (unknown people, decimals, date parts, charges only for one kind
of sale). This module writes them the way CDS reads them:

- an archive per run, named from its numbering (`core_2026_2027_apr_mar_f0001_inc0002`,
  `core_sales_…`): a full export starts a new base number, a partial one the next increment;
- inside it, parts of at most MAX_XML_RECORDS records (`<archive>_pt001.xml`, …) and
  manifest.xml with the number of records written, which CDS checks;
- no records: no archive (the run is recorded, with no file);
- values: lettings ids and organisation ids offset by LOG_ID_OFFSET; dates and times
  ISO 8601 to the second with the London offset; text XML-escaped; blank as `<name/>`.

Each part is written as its records arrive, WRITE_BATCH records at a time, so memory
does not grow with the year. The users and organisations archives that go with them,
and the master manifest of a night's archives, are at the end.
"""

import datetime as dt
import zipfile
from contextlib import contextmanager
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import Max

from cldc.platform.exports import entry_columns
from cldc.platform.exports.columns import is_date, is_flag, is_time, literal
from cldc.platform.exports.formats import export_format, scheduled_run

LONDON = ZoneInfo("Europe/London")
ISO_LONDON = 'YYYY-MM-DD"T"HH24:MI:SSTZH:TZM'  # to_char's, the session in London
FORMAT = "core.cds"
MAX_XML_RECORDS = 10_000  # records in one part, as CDS takes them
WRITE_BATCH = 500  # records joined into one write to the archive
# The record facts (layouts.RECORD_FIELDS) that are numbers: nothing to escape.
NUMBER_FACTS = {"id", "collection_year", "owning_organisation_id", "managing_organisation_id", "assigned_to_id",
                "created_by_id", "updated_by_id"}
LOG_ID_OFFSET = 300_000_000_000  # keeps new lettings ids clear of old CORE's form ids
ARCHIVE_PREFIX = {"lettings": "core", "sales": "core_sales"}
OFFSET = {"lettings": {"formid", "owningorgid", "maningorgid"}, "sales": set()}  # sales sends raw ids
# An element left out, not sent blank, when the element it depends on is blank: a
# lettings log without a managing organisation has no maningorg* elements.
LEFT_OUT_WITHOUT = {"lettings": {
    "owningorgid": "owningorgid", "owningorgname": "owningorgid", "hcnum": "owningorgid",
    "maningorgid": "maningorgid", "maningorgname": "maningorgid", "manhcnum": "maningorgid",
    "renttype_detail": "renttype_detail",
    **dict.fromkeys(("confidential", "cligrp1", "cligrp2", "intstay", "mantype", "reghome", "schtype", "support",
                     "units_scheme", "scheme", "scheme_status"), "scheme"),
    **dict.fromkeys(("mobstand", "scheme_old", "units", "location_code", "location_status"), "location_code")}}
# Elements sent for one kind of letting only (README §2.5): supported housing (needstype 2)
# has unittype_sh and no unittype_gn. {element: (the element it depends on, a code, sent when it has it)}.
SENT_ONLY_WHEN = {"lettings": {"unittype_sh": ("needstype", "2", True), "unittype_gn": ("needstype", "2", False)}}
XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<forms>\n'
XML_TAIL = "</forms>\n"
MANIFEST = ('<?xml version="1.0" encoding="UTF-8"?>\n<report>\n  <form-data-summary>\n    <records>\n'
            "      <count-of-records>{count}</count-of-records>\n    </records>\n  </form-data-summary>\n</report>\n")


@export_format(FORMAT, extension="zip", given_run=True, layout="cds")
def write_cds(selection, rows, path, run):
    """The CDS archive of one record type and year: numbered from the earlier CDS runs
    (recorded on `run`), written to `path`; its file name, or None when there was nothing
    to send."""
    if not selection.codes:
        raise ValueError("CDS takes codes, not labels")
    form = FormWriter(selection)
    stem = f"{ARCHIVE_PREFIX[selection.layout.record_type]}_{selection.layout.version}_{selection.layout.version + 1}"
    return write_archive(path, run, stem, rows.texts(form.row_sql, zone="Europe/London"))


@scheduled_run(FORMAT)
def nightly(service, export_records, full):
    """A night's CDS run as the real service makes it (README §2.1): people, then
    organisations, then each record type and year, then the manifest of the night,
    naming every archive written."""
    runs = [export_directory(service, "users", full), export_directory(service, "organisations", full)]
    runs += export_records()
    write_master_manifest(service, runs)
    return runs


@contextmanager
def one_run_at_a_time():
    """Hold the service's CDS lock: two runs at once would take the same number (a run is
    numbered from the finished ones), so the second waits for the first to end. A session
    lock, so a run whose process dies lets go of it."""
    key = [f"{connection.schema_name}:{FORMAT}"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", key)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", key)


def write_archive(path, run, stem, forms):
    """Write `forms` (each a <form> as text) to the archive `<stem>_apr_mar_f…_inc…` at
    `path`, in parts of MAX_XML_RECORDS, then its manifest; its file name, or None (and
    no file, and no number used) when there are none. One run at a time."""
    with one_run_at_a_time():
        return _write_archive(path, run, stem, forms)


def _write_archive(path, run, stem, forms):
    archive = part = None
    count = 0
    try:
        for batch in _batches(forms, WRITE_BATCH):
            if archive is None:  # the first record: only now is there an archive to number and open
                base, increment = number(run)
                name = f"{stem}_apr_mar_f{base:04d}_inc{increment:04d}"
                archive = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
            while batch:
                if part is None:
                    part = archive.open(f"{name}_pt{count // MAX_XML_RECORDS + 1:03d}.xml", "w")
                    part.write(XML_HEAD.encode())
                room = MAX_XML_RECORDS - count % MAX_XML_RECORDS
                written, batch = batch[:room], batch[room:]
                part.write("".join(written).encode())
                count += len(written)
                if count % MAX_XML_RECORDS == 0:
                    part = _close(part)
        if archive is None:
            return None
        if part is not None:
            part = _close(part)
        archive.writestr("manifest.xml", MANIFEST.format(count=count))  # what was written, which CDS checks
    finally:  # after a failure too: the caller then removes the half-written file
        if part is not None:
            part.close()
        if archive is not None:
            archive.close()
    return f"{name}.zip"


def _batches(rows, size):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def _close(part):
    part.write(XML_TAIL.encode())
    part.close()
    return None


def number(run):
    """The run's (base, increment), recorded on it. The base is the highest of the
    collection year's earlier archives (1 if none): a full export starts the next base
    at increment 1, a partial one takes the next increment. As in the real service, a
    full export moves the base on whenever any CDS run was made before, of any year."""
    from cldc.platform.exports.models import ExportRun

    # A failed run counts for nothing, so that its re-run writes the same archive.
    earlier = ExportRun.objects.filter(format=run.format, requested_by=None, role="",
                                       status=ExportRun.Status.DONE).exclude(pk=run.pk)
    sent = earlier.filter(collection=run.collection, record_type=run.record_type, version=run.version)
    base = sent.aggregate(base=Max("base_number"))["base"] or 1
    if run.full:
        base, increment = (base + 1 if earlier.exists() else base), 1
    else:
        increment = (sent.filter(base_number=base).aggregate(last=Max("increment_number"))["last"] or 0) + 1
    run.base_number, run.increment_number = base, increment
    run.save(update_fields=["base_number", "increment_number"])
    return base, increment


class FormWriter:
    """One record's <form> as PostgreSQL makes it (columns.Rows.texts), from the SQL of the
    layout's columns: what text() does in Python for the people and organisations archives,
    in SQL for records, which are many."""

    def __init__(self, selection):
        self.record_type = selection.layout.record_type
        self.columns = selection.columns
        self.codes = selection.codes

    def row_sql(self, values):
        """The SQL of a <form> from its values' SQL (one a column, in order)."""
        names = [column.name for column in self.columns]
        offset = OFFSET.get(self.record_type, set())
        texts = [_text_sql(column, value, self.codes) if name not in offset
                 else f"(({value})::bigint + {LOG_ID_OFFSET})::text"
                 for name, column, value in zip(names, self.columns, values)]
        left_out = LEFT_OUT_WITHOUT.get(self.record_type, {})
        sent_only_when = SENT_ONLY_WHEN.get(self.record_type, {})
        elements = []
        for name, value in zip(names, texts):
            element = (f"CASE WHEN {_blank(value)} THEN {literal(f'    <{name}/>' + chr(10))} "
                       f"ELSE {literal(f'    <{name}>')} || {value} || {literal(f'</{name}>' + chr(10))} END")
            if left_out.get(name) in names:  # left out, not sent blank, when what it depends on is blank
                element = f"CASE WHEN {_blank(texts[names.index(left_out[name])])} THEN '' ELSE {element} END"
            if name in sent_only_when and sent_only_when[name][0] in names:
                other, code, when_it_has = sent_only_when[name]
                has = f"(({texts[names.index(other)]}) IS NOT DISTINCT FROM {literal(code)})"
                element = f"CASE WHEN {has} = {str(when_it_has).lower()} THEN {element} ELSE '' END"
            elements.append(element)
        pieces = [literal("  <form>\n"), *elements, literal("  </form>\n")]
        # concat() of at most 100 arguments, nested: `a || b || …` copies the growing text at
        # each step, ten times slower for 188 elements.
        return "concat(" + ", ".join(f"concat({', '.join(pieces[i:i + 90])})" for i in range(0, len(pieces), 90)) + ")"


def _blank(value):
    return f"coalesce({value}, '') = ''"


def _text_sql(column, value, codes):
    """A value's text as CDS reads it (text() for one in Python), the session in London: a
    time or a date ISO 8601 with the London offset (a date is its midnight), else its text,
    XML-escaped where it may hold what XML would read."""
    if is_time(column):
        return f"to_char({value}, {literal(ISO_LONDON)})"
    if is_date(column):
        return f"to_char(({value})::timestamp AT TIME ZONE 'Europe/London', {literal(ISO_LONDON)})"
    if is_flag(column, codes):
        return f"CASE WHEN {value} THEN 'True' WHEN NOT {value} THEN 'False' END"
    if column.not_held or column.date_part or column.decimal_point or _numbers(column):
        return f"({value})::text"
    return f"replace(replace(replace(({value})::text, '&', '&amp;'), '<', '&lt;'), '>', '&gt;')"


def _numbers(column):
    """Whether a column's values are whole numbers or codes that need no escaping."""
    if column.codes:
        return all(isinstance(code, int) for _, code in column.codes)
    if column.record:
        return column.record in NUMBER_FACTS
    if column.entry and column.question is None:
        return entry_columns.is_number(column)
    question = column.question
    if question is not None:
        if question.type == "checkbox":
            return True
        options = question.options + question.retired_options
        return (bool(options) and all(isinstance(code, int) for code, _ in options)) or question.type == "numeric"
    return bool(column.derivation.options) and all(isinstance(code, int) for code, _ in column.derivation.options)


def text(value):
    """A value as CDS reads it: a time or a date ISO 8601 with the London offset (a date
    is its midnight), else its text XML-escaped (a stored true or false comes as its text)."""
    if isinstance(value, dt.datetime):
        return value.astimezone(LONDON).isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=LONDON).isoformat(timespec="seconds")
    value = str(value)
    if "&" in value or "<" in value or ">" in value:
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value


# --- The users and organisations archives ------------------------------------------------
# Every night's CDS run sends them too: `users_2024_2025_apr_mar_f…_inc…` and
# `organisations_…` (the real service fixed "2024_2025" in their names; it means nothing).
# They are not records, so they have no layout: the elements are below, in the real
# order, each with what it is made from. Elements the platform does not hold are sent empty.
DIRECTORY_YEAR = 2024
USER_ELEMENTS = (  # of a person's first membership (a person in CORE belongs to one organisation)
    ("id", lambda m: m.user_id),
    ("email", lambda m: m.user.email),
    ("name", lambda m: m.user.name),
    ("organisation_id", lambda m: m.organisation_id),
    ("sign_in_count", None),  # not held: sign-ins are not counted
    ("last_sign_in_at", None),  # not held: Django keeps the latest sign-in; CDS wants the one before
    ("role", lambda m: m.role),
    ("phone", lambda m: m.user.phone),
    ("extension_number", None),  # not held: one phone number, no extension
    ("is_dpo", lambda m: m.is_data_protection_officer),
    ("is_key_contact", lambda m: m.is_key_contact),
    ("active", lambda m: m.user.is_active),
    ("organisation_name", lambda m: m.organisation.name),
)
PROVIDER_TYPE = {"local_authority": 1, "prp": 2}
ORGANISATION_ELEMENTS = (
    ("id", lambda o: o.pk),
    ("name", lambda o: o.name),
    ("phone", None),  # not held: organisations have no contact details yet
    ("provider_type", lambda o: PROVIDER_TYPE.get(o.type)),
    ("address_line1", None),  # not held, likewise
    ("address_line2", None),
    ("postcode", None),
    ("holds_own_stock", None),  # not held: which organisations own stock is not recorded
    ("active", lambda o: o.active_to is None or o.active_to >= dt.date.today()),
    ("housing_registration_no", lambda o: o.regulator_number),
    ("old_org_id", None),  # not held: old CORE's ids (issue 15)
    ("old_visible_id", None),
    ("merge_date", None),  # not held: merges (issue 15)
    ("absorbing_organisation_id", None),
    ("available_from", lambda o: o.active_from),
    ("profit_status", None),  # not held
    ("group", None),  # not held
    ("deleted_at", None),  # an organisation is deactivated, not deleted
    ("dsa_signed", None),  # not held: the data sharing agreement is not recorded
    ("dsa_signed_at", None),
    ("dpo_email", lambda o: o.dpo_email),
    ("status", lambda o: "active" if o.active_to is None or o.active_to >= dt.date.today() else "deactivated"),
)


def export_directory(service, kind, full=False):
    """Send CDS the `users` or `organisations` archive, as a recorded ExportRun of the
    service: everyone, or (partial) those changed since the last such run: a person, or
    their organisation; an organisation, or its data protection officer."""
    from django.utils import timezone
    from django_tenants.utils import schema_context

    from cldc.platform.exports.models import ExportRun
    from cldc.platform.exports.runs import exports_folder, finish

    elements = {"users": USER_ELEMENTS, "organisations": ORGANISATION_ELEMENTS}[kind]
    with schema_context(service.schema_name):
        last = ExportRun.objects.filter(collection="core", record_type=kind, format=FORMAT, requested_by=None,
                                        status=ExportRun.Status.DONE).order_by("-started_at").first()
        run = ExportRun.objects.create(collection="core", record_type=kind, version=DIRECTORY_YEAR, layout=kind,
                                       format=FORMAT, full=full, since=None if full or last is None else last.started_at,
                                       started_at=timezone.now())
        rows = (_people if kind == "users" else _organisations)(run.since, run.started_at)
        counted = [0]

        def forms():
            for row in rows:
                counted[0] += 1
                yield _directory_form(elements, row)

        def write(partial):
            named = write_archive(partial, run, f"{kind}_{DIRECTORY_YEAR}_{DIRECTORY_YEAR + 1}", forms())
            return counted[0], named

        return finish(run, exports_folder(service), f"{run.pk}-{kind}.zip", write)


def _people(since, until):
    """Each person's first membership, in id order."""
    from django.db.models import Q

    from cldc.platform.organisations.models import Membership

    memberships = Membership.objects.select_related("user", "organisation").order_by("user_id", "pk")
    memberships = memberships.filter(user__updated_at__lte=until)
    if since is not None:
        memberships = memberships.filter(Q(user__updated_at__range=(since, until))
                                         | Q(organisation__updated_at__range=(since, until)))
    seen = None
    for membership in memberships.iterator(chunk_size=2_000):
        if membership.user_id != seen:
            seen = membership.user_id
            yield membership


def _organisations(since, until):
    from django.db.models import OuterRef, Q, Subquery

    from cldc.platform.organisations.models import Membership, Organisation

    officers = Membership.objects.filter(organisation=OuterRef("pk"), is_data_protection_officer=True).order_by("pk")
    organisations = Organisation.objects.annotate(dpo_email=Subquery(officers.values("user__email")[:1]))
    organisations = organisations.filter(updated_at__lte=until).order_by("pk")
    if since is not None:
        organisations = organisations.filter(
            Q(updated_at__range=(since, until))
            | Q(memberships__is_data_protection_officer=True, memberships__user__updated_at__range=(since, until))
        ).distinct()
    return organisations.iterator(chunk_size=2_000)


def _directory_form(elements, row):
    out = ["  <form>\n"]
    for name, made_from in elements:
        value = None if made_from is None else made_from(row)
        if value is True or value is False:
            value = "true" if value else "false"
        out.append(f"    <{name}/>\n" if value is None or value == "" else f"    <{name}>{text(value)}</{name}>\n")
    out.append("  </form>\n")
    return "".join(out)


def write_master_manifest(service, runs, now=None):
    """`Manifest_YYYY_MM_DD_NNNN.csv` beside the archives: one night's CDS runs, a row for
    each archive written (its name, when it was written, its file), a header alone if
    none. NNNN counts the manifests of that London day, so a re-run the same day is 0002."""
    import csv

    from django.utils import timezone

    from cldc.platform.exports.runs import exports_folder

    day = (now or timezone.now()).astimezone(LONDON)
    folder = exports_folder(service)
    number = 1 + len(list(folder.glob(f"Manifest_{day:%Y_%m_%d}_*.csv")))
    path = folder / f"Manifest_{day:%Y_%m_%d}_{number:04d}.csv"
    with open(path, "w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow(["zip-name", "date-time zipped folder generated", "zip-file-uri"])
        for run in runs:
            if run.path:
                archive = Path(run.path).name
                written = run.finished_at.astimezone(LONDON).strftime("%Y-%m-%d %H:%M:%S %z")
                out.writerow([archive.removesuffix(".zip"), written, archive])
    return path
