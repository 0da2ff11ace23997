"""The bulk-upload pipeline: every row of a file through the same gateway and rules
as the web form and the API. Re-uploading a file updates the same records, matched
on the provider's reference; it never duplicates them.

    Importer(upload).run()

One run, in a Celery worker (tasks.py) or from `cldc upload`:
1. Read the file (files.py). The official template is read by field number; a
   provider's own layout needs its confirmed column mapping (`upload.columns`, from
   `column_plan()` and the mapping page) and, the first time, a look at the values no
   option matches (`upload.unmatched`): the run stops there for the person.
2. Every row, converted to answers (cells corrected in the browser and values
   corrected in bulk applied), goes through the gateway. Rows with hard errors are
   rejected; each issue is kept where it is in the file.
3. What is stored: a dry run stores nothing. If the person chose to create the valid
   rows now, they are stored chunk by chunk. Otherwise the whole file is stored in
   one transaction that is undone if any row has an error: the run stops at
   "checked" with nothing stored (no partial import unless the person chose it).

Rows are read as a stream and handled in chunks (one query for the existing records
of a chunk), so a 100,000-row file needs little memory (bench/upload_pipeline.py).
Chunks are judged ahead, in other processes (judging.py), while this one stores the
chunks before them.
"""

from collections import deque
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.field_numbers import answers_from_field_numbers
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Organisation, OrganisationRelationship
from cldc.platform.people.models import User
from cldc.platform.records.gateway import StaleRecord, commit, create_many, provider_reference
from cldc.platform.records.models import Record
from cldc.platform.uploads import automap
from cldc.platform.uploads.files import UploadError, column_letter, formula_columns, open_upload
from cldc.platform.uploads.judging import Judge
from cldc.platform.uploads.models import SavedMapping, Upload, UploadIssue
from cldc.platform.uploads.provider_rows import HeaderLayout, parse_target, target_key, value_key
from cldc.platform.uploads.template import is_annotation_heading

CHUNK = 500  # rows per transaction, per query for existing records and per progress save
OPTION_RULES = ("invalid_option", "retired_option")  # errors a value correction can fix


class _NothingStored(Exception):
    """Raised to undo an all-or-nothing import that found errors."""


def progress_key(upload):
    return f"upload-progress-{upload.pk}"


def set_progress(upload):
    cache.set(progress_key(upload), upload.processed_rows, 24 * 3600)


def rows_done(upload):
    """Rows processed so far: from the cache while a run's transaction hides the count."""
    if upload.status in (Upload.Status.RECEIVED, Upload.Status.PROCESSING):
        return cache.get(progress_key(upload), upload.processed_rows)
    return upload.processed_rows


@dataclass
class Row:
    number: int
    answers: dict
    issues: list = field(default_factory=list)
    owner: object = None
    manager: object = None
    reference: str = ""
    outcome: str = ""  # created, updated, unchanged, rejected


class Importer:
    """Checks, and where the person chose, stores one upload's rows; `run()` does the file."""

    def __init__(self, upload):
        self.upload = upload
        self.collection = registry.get(upload.collection)
        self.definition = self.collection.definition(upload.record_type, upload.version)
        self.acted_for = {o.pk: o for o in policy.organisations_acted_for(upload.user)}
        self.pack = self.collection.rule_pack(upload.record_type, upload.version)
        self.organisations, self.people, self.memberships, self.relationships = {}, {}, {}, {}
        self.value_map = saved_values(upload)
        self.kept_issues = None  # issues held back while an all-or-nothing transaction runs

    # --- the run -----------------------------------------------------------------

    def run(self):
        upload = self.upload
        upload.status, upload.message, upload.processed_rows = Upload.Status.PROCESSING, "", 0
        upload.save(update_fields=["status", "message", "processed_rows"])
        set_progress(upload)  # never a count left from an earlier run
        try:
            with open_upload(upload.path, upload.filename) as file:
                self.open(file)
                if self.waits_for_person(file):
                    return upload
                upload.total_rows = sum(1 for _ in file.rows())
                upload.issues.all().delete()
                if upload.dry_run or upload.create_valid_now:
                    self.go_through(file, store=not upload.dry_run)
                else:
                    self.all_or_nothing(file)
        except UploadError as error:
            upload.status, upload.message = Upload.Status.FAILED, str(error)
        if upload.status == Upload.Status.PROCESSING:
            upload.status = Upload.Status.DONE
        upload.finished_at = timezone.now()
        upload.save()
        return upload

    def all_or_nothing(self, file):
        """Store every row in one transaction, undone if any row has an error: then
        nothing is stored and the person chooses (correct, or create the valid rows
        now). One pass either way; progress goes through the cache meanwhile, as the
        transaction hides it from the progress page."""
        kept = self.kept_issues = []
        try:
            with transaction.atomic():
                self.go_through(file, store=True)
                if self.upload.rejected:
                    raise _NothingStored
        except _NothingStored:
            self.upload.status = Upload.Status.CHECKED
        finally:
            self.kept_issues = None
        UploadIssue.objects.bulk_create(kept, batch_size=2000)

    def open(self, file):
        """Set how rows become answers, and where each variable is in the file."""
        self.upload.layout = file.layout
        if file.layout == "template":
            index_of = {number: index for index, number in file.columns.items()}
            self.where = {}
            for question in self.definition.questions.values():
                fields = (question.bulk_upload or {}).get("fields")
                numbers = fields if isinstance(fields, list) else [fields] if fields else []
                for name in question.variables:
                    if numbers and int(numbers[0]) in index_of:
                        self.where[name] = (index_of[int(numbers[0])], f"Field {numbers[0]}")
            self.header_layout = None
        else:
            columns = {int(i): parse_target(key) for i, key in self.upload.columns.items()}
            self.header_layout = HeaderLayout(self.definition, {i: t for i, t in columns.items() if t}, self.value_map)
            self.where = {}
            for index, target in sorted(columns.items()):
                if target is not None:
                    self.where.setdefault(target.variable, (index, file.columns.get(index, f"Column {column_letter(index)}")))
        self.file = file

    def waits_for_person(self, file):
        """A provider's own layout stops for its column mapping and, once, for the
        values no option matches."""
        upload = self.upload
        if file.layout == "template":
            return False
        if not upload.columns:
            upload.status = Upload.Status.MAPPING
        elif not upload.values_confirmed:
            unmatched = self.header_layout.unmatched_values(self.rows(file))
            upload.unmatched = {str(c): {k: list(v) for k, v in values.items()} for c, values in unmatched.items() if values}
            if upload.unmatched:
                upload.status = Upload.Status.VALUES
            else:
                upload.values_confirmed = True
        if upload.status == Upload.Status.PROCESSING:
            return False
        upload.finished_at = timezone.now()
        upload.save()
        return True

    def rows(self, file):
        """The file's rows with the person's cell corrections applied."""
        edits = self.upload.cell_edits
        for number, values in file.rows():
            corrected = edits.get(str(number))
            if corrected:
                values = {**values, **{int(c): v for c, v in corrected.items()}}
                values = {c: v for c, v in values.items() if v not in ("", None)}
            yield number, values

    def go_through(self, file, store):
        """One pass over the rows: check each, and store the valid ones if `store`."""
        upload = self.upload
        upload.created = upload.updated = upload.unchanged = upload.rejected = upload.processed_rows = 0
        self.seen_references, self.seen_duplicates = {}, {}
        with Judge(parallel=upload.total_rows > CHUNK) as judge:  # one chunk: nothing to overlap
            waiting = deque()  # (chunk, its judgement), oldest first
            for chunk in self.chunks(file):
                waiting.append((chunk, self.judge(chunk, judge)))
                if len(waiting) > judge.ahead:
                    self.handle(*waiting.popleft(), store)
            while waiting:
                self.handle(*waiting.popleft(), store)

    def chunks(self, file):
        chunk = []
        for number, values in self.rows(file):
            chunk.append(self.convert(number, values))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def judge(self, chunk, judge):
        """Send the chunk's rows to be judged, each with the stored record it matches or
        a new one. Its records are looked up before the chunks ahead of it are stored,
        which changes nothing: a row can only match a record stored by this run through
        an earlier row's reference, and then it is rejected as a duplicate in the file."""
        upload = self.upload
        existing = self.existing(chunk)
        rows = []
        for row in chunk:
            if not row.outcome:
                record = existing.get((row.owner.pk, row.reference)) or Record(
                    collection=upload.collection, record_type=upload.record_type, version=upload.version,
                    owning_organisation=row.owner, managing_organisation=row.manager or row.owner)
                rows.append((record, row.answers))
        return judge.chunk(rows, user=upload.user, confirm=upload.confirmed_rules)

    def handle(self, chunk, judged, store):
        outcomes = iter(judged.result())
        with transaction.atomic():
            new = []
            for row in chunk:
                if not row.outcome:
                    outcome = self.take(row, next(outcomes), store)
                    if outcome is not None:
                        new.append(outcome)
            if new:
                create_many(new, source="upload", user=self.upload.user)
        upload = self.upload
        for row in chunk:
            setattr(upload, row.outcome, getattr(upload, row.outcome) + 1)
        upload.processed_rows += len(chunk)
        issues = [issue for row in chunk for issue in row.issues]
        if self.kept_issues is not None:  # inside the all-or-nothing transaction
            self.kept_issues += issues
        else:
            UploadIssue.objects.bulk_create(issues)
            upload.save(update_fields=["processed_rows", "created", "updated", "unchanged", "rejected", "layout"])
        set_progress(upload)

    # --- one row -----------------------------------------------------------------

    def convert(self, number, values):
        """A row of the file as answers, its organisations and its reference."""
        if self.header_layout is None:
            answers, problems = answers_from_field_numbers(self.definition, self.file.keyed(values))
            answers = self.corrected(answers)
        else:
            answers, problems = self.header_layout.answers(values)
        row = Row(number, answers)
        row.issues = [self.issue(row, p.get("variable"), p.get("rule", "bu_field_format"), "hard", p["message"])
                      for p in problems]
        for cell in formula_columns(values):  # never stored: an export opened in a spreadsheet would run it
            row.issues.append(UploadIssue(
                upload=self.upload, row=number, cell=cell, column=self.label(cell), rule="formula_cell",
                severity="hard", message=f"Column {column_letter(cell)} starts with “{values[cell].strip()[:1]}”, so a "
                                         "spreadsheet would run it as a formula. Enter the value itself."))
            row.outcome = "rejected"
        self.setup(row)
        if row.owner is None or row.outcome:
            row.outcome = "rejected"
            return row
        key = {name: answers[name] for name in self.definition.reference_key if name in answers}
        typed, _ = normalise(self.definition, key)
        row.reference = provider_reference(self.definition, to_json({k: v for k, v in typed.items() if v is not None}))
        if row.reference:
            first = self.seen_references.setdefault(row.reference, number)
            if first != number:
                row.issues.append(self.issue(row, self.definition.reference_key[0], "duplicate_in_file", "hard",
                                             f"This row is the same log as row {first} (the same reference). "
                                             "Remove one of them."))
                row.outcome = "rejected"
        return row

    def label(self, cell):
        """A column as the person's file names it: its field number or heading."""
        name = self.file.columns.get(cell)
        if name is None:
            return f"Column {column_letter(cell)}"
        return f"Field {name}" if self.header_layout is None else name

    def corrected(self, answers):
        """Values corrected in bulk on the results page ("Weekly " is weekly everywhere)."""
        for variable, corrections in self.value_map.items():
            if variable in answers and answers[variable] is not None:
                code = corrections.get(value_key(answers[variable]))
                if code is not None:
                    answers[variable] = code
        return answers

    def take(self, row, outcome, store):
        """Keep a row's judgement; store a change to an existing record at once, and
        return the outcome of a new one for the chunk's single insert."""
        upload = self.upload
        is_new = outcome.record.pk is None
        row.issues += [self.issue(row, e["field"], e["rule"], "hard", e["message"]) for e in outcome.errors]
        row.issues += [self.issue(row, w["field"], w["rule"], "soft", w["message"]) for w in outcome.warnings]
        key = (outcome.record.owning_organisation_id, outcome.record.duplicate_key)
        if key[1] and self.seen_duplicates.setdefault(key, row.number) != row.number:
            rule = self.pack.pipeline_rule("duplicate_in_file")  # the same log by the collection's own test
            if rule is not None:
                row.issues.append(self.issue(row, rule.attach_to[0] if rule.attach_to else "", rule.id, rule.severity,
                                             rule.render(row.answers, {}, self.definition)))
        if outcome.errors or any(i.severity == "hard" for i in row.issues):
            row.outcome = "rejected"
            return None
        row.outcome = "created" if is_new else "updated" if outcome.changes else "unchanged"
        if not store:
            return None
        if is_new:
            return outcome
        if outcome.changes:
            try:
                commit(outcome, source="upload", user=upload.user)  # a savepoint of its own
            except StaleRecord:
                row.issues.append(self.issue(row, "", "changed_during_upload", "hard",
                                             "Someone changed this log while the file was being imported. "
                                             "Upload the file again."))
                row.outcome = "rejected"
        return None

    def existing(self, chunk):
        """The stored records the chunk's rows match, by (owner, reference)."""
        wanted = {(row.owner.pk, row.reference) for row in chunk if row.reference and not row.outcome}
        if not wanted:
            return {}
        records = Record.objects.select_related("owning_organisation", "managing_organisation").filter(
            collection=self.upload.collection, record_type=self.upload.record_type, version=self.upload.version,
            owning_organisation__in={owner for owner, _ in wanted},
            provider_reference__in={reference for _, reference in wanted},
        )
        return {(r.owning_organisation_id, r.provider_reference): r for r in records}

    def issue(self, row, variable, rule, severity, message):
        cell, column = self.where.get(variable, (None, ""))
        value = row.answers.get(variable) if rule in OPTION_RULES else ""
        return UploadIssue(upload=self.upload, row=row.number, cell=cell, column=column, field=variable or "",
                           value=str(value or "")[:200], rule=rule, severity=severity, message=message)

    def setup(self, row):
        """The row's owning and managing organisations and assigned person: the
        definition's record fields, as organisation references (ORG<id>, or an ONS
        code or regulator number) and an email address. Blank organisations are the
        uploader's organisation; a blank assignee is the person uploading. A reference
        that names nothing, or something the uploader may not submit for, is reported
        with the pack's own rule for it (`pipeline: reference_found|reference_permitted`)."""
        found, refused = {}, False
        for column, variable in self.definition.record_fields.items():
            text = str(row.answers.get(variable) or "").strip()
            if column == "assigned_to":  # blank: the person uploading, as CORE does
                person = self.person(text) if text else self.upload.user
                if person is None:
                    row.issues.append(self.refusal(row, "reference_found", variable,
                                                   f"No one has the email address “{text}”."))
                elif text and not self.member_of(person, found.values()):
                    row.issues.append(self.refusal(
                        row, "reference_permitted", variable,
                        "The assigned person must be someone in the owning or managing organisation"))
                    person = None
                refused = refused or person is None
                row.answers[variable] = str(person.pk) if person else None
                continue
            organisation = self.organisation_for(text) if text else self.upload.organisation
            if organisation is None:
                row.issues.append(self.refusal(row, "reference_found", variable,
                                               f"No organisation has the reference “{text}”."))
            elif organisation.pk not in self.acted_for:
                row.issues.append(self.refusal(
                    row, "reference_permitted", variable,
                    f"You cannot submit logs for the organisation “{text}”. Check the reference, "
                    "or ask the organisation to upload its own logs."))
                organisation = None
            refused = refused or organisation is None
            found[column] = organisation
            row.answers[variable] = str(organisation.pk) if organisation else None
        if not refused and not self.related(row, found):
            refused = True
        if not refused:
            row.owner, row.manager = found.get("owning_organisation"), found.get("managing_organisation")

    def related(self, row, found):
        """The pack's `organisations_related` rule, if it has one: the organisations its
        fields name (record fields) must be one, or parent and child today."""
        rule = self.pack.pipeline_rule("organisations_related")
        if rule is None:
            return True
        columns = {variable: column for column, variable in self.definition.record_fields.items()}
        named = {found.get(columns.get(variable)) for variable in rule.fields} - {None}
        if len(named) < 2:
            return True
        pair = frozenset(o.pk for o in named)
        if pair not in self.relationships:
            first, second = pair
            self.relationships[pair] = OrganisationRelationship.objects.active().filter(
                Q(parent=first, child=second) | Q(parent=second, child=first)).exists()
        if not self.relationships[pair]:
            row.issues.append(self.issue(row, rule.attach_to[-1] if rule.attach_to else "", rule.id, rule.severity,
                                         rule.render(row.answers, {}, self.definition)))
        return self.relationships[pair]

    def refusal(self, row, check, variable, message):
        """An issue from the pack's rule for a pipeline check, else the platform's own."""
        rule = self.pack.pipeline_rule(check, variable)
        if rule is None:
            return self.issue(row, variable, f"upload_{check}", "hard", message)
        return self.issue(row, variable, rule.id, rule.severity, rule.render(row.answers, {}, self.definition))

    def member_of(self, person, organisations):
        """Whether a person belongs to one of the row's organisations."""
        wanted = {o.pk for o in organisations if o is not None}
        key = (person.pk, frozenset(wanted))
        if key not in self.memberships:
            self.memberships[key] = person.memberships.filter(organisation__in=wanted).exists()
        return self.memberships[key]

    def organisation_for(self, reference):
        if reference not in self.organisations:
            self.organisations[reference] = Organisation.objects.by_reference(reference)
        return self.organisations[reference]

    def person(self, email):
        """An active person, by email address."""
        if email not in self.people:
            self.people[email] = User.objects.filter(email__iexact=email, is_active=True).first()
        return self.people[email]


# --- Mappings ---------------------------------------------------------------------


def saved_mappings(upload, kind):
    return SavedMapping.objects.filter(organisation=upload.organisation, collection=upload.collection,
                                       record_type=upload.record_type, kind=kind)


def saved_values(upload):
    """The upload's value corrections over the organisation's saved ones."""
    value_map = {}
    for saved in saved_mappings(upload, SavedMapping.Kind.VALUE):
        value_map.setdefault(saved.variable, {})[saved.source] = saved.target
    for variable, corrections in upload.value_map.items():
        value_map.setdefault(variable, {}).update(corrections)
    return value_map


@dataclass
class ColumnChoice:
    index: int
    header: str
    target: object  # a Target, or None: not needed / not matched
    band: str  # saved, confident, doubtful or unmapped
    suggestions: list  # [Scored]: the three best targets, best first

    @property
    def settled(self):
        return self.band in ("saved", "confident")


def column_plan(upload, columns):
    """For each column of a provider's file ({index: header}): the organisation's saved
    choice, else the automatic mapping. Settled when every column is saved or confident."""
    definition = registry.get(upload.collection).definition(upload.record_type, upload.version)
    known = {str(t) for t in automap.targets(definition)}
    saved = {m.source: parse_target(m.target) for m in saved_mappings(upload, SavedMapping.Kind.COLUMN)}
    indexes = sorted(columns)
    mappings = automap.suggest(definition, [columns[i] for i in indexes])
    plan = []
    for index, mapping in zip(indexes, mappings):
        key = value_key(columns[index])
        if is_annotation_heading(columns[index]):  # our own error columns, in a corrected file
            plan.append(ColumnChoice(index, columns[index], None, "saved", []))
        elif key in saved and (saved[key] is None or str(saved[key]) in known):
            plan.append(ColumnChoice(index, columns[index], saved[key], "saved", mapping.suggestions))
        else:
            plan.append(ColumnChoice(index, columns[index], mapping.target, mapping.band, mapping.suggestions))
    return plan


def read_headings(upload):
    """Open the kept file: its layout and columns, or UploadError with a plain message."""
    with open_upload(upload.path, upload.filename) as file:
        return file.layout, dict(file.columns)


def prepare(upload):
    """Before a run: read the file's headings, and for a provider's own layout apply
    its column plan when every column is settled (saved or confident). Returns the
    columns a person must match (the upload then waits, in MAPPING); raises UploadError
    for a file that cannot be read."""
    upload.layout, columns = read_headings(upload)
    unsettled = []
    if upload.layout == "headers":
        plan = column_plan(upload, columns)
        unsettled = [choice for choice in plan if not choice.settled]
        if unsettled:
            upload.status = Upload.Status.MAPPING
        else:
            upload.columns = chosen_columns(plan)
    upload.save(update_fields=["layout", "columns", "status"])
    return unsettled


def chosen_columns(choices):
    """The mapping an upload keeps: column index -> target key ('' = not needed)."""
    return {str(c.index): target_key(c.target) if c.target else "" for c in choices}


def save_columns(upload, choices, person):
    """Keep a confirmed column mapping on the upload and for the organisation's next file."""
    upload.columns = chosen_columns(choices)
    upload.save(update_fields=["columns"])
    for choice in choices:
        SavedMapping.objects.update_or_create(
            organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
            kind=SavedMapping.Kind.COLUMN, variable="", source=value_key(choice.header)[:200],
            defaults={"target": upload.columns[str(choice.index)], "saved_by": person},
        )


def save_values(upload, corrections, person):
    """Keep confirmed values ({variable: {value key: code}}) on the upload and for the organisation."""
    for variable, values in corrections.items():
        upload.value_map.setdefault(variable, {}).update(values)
        for source, code in values.items():
            SavedMapping.objects.update_or_create(
                organisation=upload.organisation, collection=upload.collection, record_type=upload.record_type,
                kind=SavedMapping.Kind.VALUE, variable=variable, source=source[:200],
                defaults={"target": code, "saved_by": person},
            )
    upload.save(update_fields=["value_map"])


# --- What an upload did ---------------------------------------------------------------


def summary(upload, rows_per_group=50, errors=1000):
    """What an upload did: counts, and issues grouped by rule and column with counts."""
    groups = (upload.issues.values("severity", "rule", "column", "field")
              .annotate(count=Count("id"), message=Min("message")).order_by())
    by_rule = []
    for group in sorted(groups, key=lambda g: (g["severity"] != "hard", -g["count"], g["rule"])):
        rows = upload.issues.filter(severity=group["severity"], rule=group["rule"], column=group["column"],
                                    field=group["field"]).values_list("row", flat=True)[:rows_per_group]
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
            {"row": i.row, "column": i.column, "cell": i.cell, "field": i.field, "rule": i.rule,
             "severity": i.severity, "message": i.message}
            for i in upload.issues.all()[:errors]
        ],
    }
