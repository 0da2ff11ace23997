"""The bulk-upload pipeline: every row of a file through the same gateway and rules
as the web form and the API. Re-uploading a file updates the same records, matched
on the provider's reference; it never duplicates them.

    Importer(upload).run()

One run, in a Celery worker (tasks.py) or from `cldc upload`:
1. Read the file (files.py). The official template is read by field number; a
   provider's own layout needs its confirmed column mapping (`upload.columns`, from
   mappings.column_plan() and the mapping page) and, the first time, a look at the values no
   option matches (`upload.unmatched`): the run stops there for the person.
2. Every row, converted to answers (cells corrected in the browser and values
   corrected in bulk applied), with its organisations and assignee resolved as in
   every channel (cldc.platform.records.references), goes through the gateway. Rows
   with hard errors, and rows the collection window refuses, are rejected; each issue
   is kept where it is in the file, with the gateway's notes as warnings.
3. What is stored: a dry run stores nothing. If the person chose to create the valid
   rows now, they are stored chunk by chunk. Otherwise the whole file is stored in
   one transaction that is undone if any row has an error: the run stops at
   "checked" with nothing stored (no partial import unless the person chose it).

Rows are read as a stream and handled in chunks (one query for the existing records
of a chunk), so a 100,000-row file needs little memory (bench/upload_pipeline.py).
Issues go to the database chunk by chunk; during an all-or-nothing run, whose
transaction would undo them, to a file on disk, and to the database once it ends.
Chunks are judged ahead, in other processes (judging.py), while this one stores the
chunks before them.
"""

import itertools
import json
import tempfile
from collections import deque
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.values import RETIRED_OPTION, normalise, to_json
from cldc.platform.forms.templatetags.form_text import in_sentence
from cldc.platform.organisations import policy
from cldc.platform.organisations.context import pinned as pinned_organisations
from cldc.platform.places.fill import PostcodeAuthorities, fill_for_channel, postcodes_filling, still_unanswered
from cldc.platform.records.copying import copy_new
from cldc.platform.records.gateway import (NOTE, StaleRecord, WindowClosed, commit, create_many, duplicate_key,
                                           provider_reference)
from cldc.platform.records.models import Record
from cldc.platform.records.references import References
from cldc.platform.registers.context import pinned as pinned_entries
from cldc.platform.uploads.cell_safety import formula_columns
from cldc.platform.uploads.judging import Judge
from cldc.platform.uploads.mappings import OPTION_RULES, chosen_columns, column_plan, every_row_answers, saved_values
from cldc.platform.uploads.member_parts import JoinedUpload, open_kept
from cldc.platform.uploads.models import ImportedRow, Upload, UploadIssue
from cldc.platform.uploads.pipeline_checks import RowChecks, check_whole_file, rule_params
from cldc.platform.uploads.progress import set_progress
from cldc.platform.uploads.provider_rows import HeaderLayout, parse_target, value_key
from cldc.platform.uploads.refusals import UploadError, column_letter
from cldc.platform.uploads.report import question_label
from cldc.platform.uploads.template_rows import answers_from_field_numbers
from cldc.platform.windows.service import Windows

CHUNK = 500  # rows per transaction, per query for existing records and per progress save
WINDOW_CLOSED = "window_closed"  # the rule of a row the collection window refuses (the gateway's message)
POSSIBLE_DUPLICATE = "possible_duplicate"  # a row without a reference that may be one of several stored logs


def inferred_variables(definition):
    """Variables a row's conversion fills from other cells rather than its own: "person
    3 is absent" for blank person columns, counts, lookups, and the variables a marker
    or a blank cell sets (`R` for an age). Routing may remove them without a word: the
    person gave no answer to them (gateway.evaluate's `inferred`)."""
    inferred = set()
    for question in definition.questions.values():
        declared = question.bulk_upload or {}
        if declared.get("kind") in ("any_given", "count_given") or (declared.get("from_fields") and not declared.get("fields")):
            inferred.update(question.variables)
        for setter in [*(declared.get("markers") or []), declared.get("when_given"), declared.get("when_blank")]:
            if isinstance(setter, dict) and setter.get("sets"):
                inferred.add(setter["sets"])
    return frozenset(inferred)


class _NothingStored(Exception):
    """Raised to undo an all-or-nothing import that found errors."""




@dataclass
class Row:
    number: int
    answers: dict
    issues: list = field(default_factory=list)
    owner: object = None
    manager: object = None
    reference: str = ""
    duplicate: str = ""  # without a reference: the duplicate-check answers' key, to find its log by
    record: object = None  # the log it creates, changes or leaves as it is
    outcome: str = ""  # created, updated, unchanged, rejected
    faulted: set = field(default_factory=set)  # variables the pack's checks on its cells found wrong
    not_filled: list = field(default_factory=list)  # local authorities its postcode did not fill (places/fill.py)


class Importer:
    """Checks, and where the person chose, stores one upload's rows; `run()` does the file:

    locate_columns      where each variable is in the file, and how rows become answers
    waits_for_person    a provider's layout stops for its column mapping and unmatched values
    check_rows          one pass in chunks (store_all_or_nothing: in one transaction):
      row_from_cells      each row (corrected_rows) as answers, organisations and reference
      send_to_judge       the chunk to the gateway, with the stored records it matches
      finish_chunk        keep each judgement (keep_judgement), store, count, save the issues
    """

    def __init__(self, upload):
        self.upload = upload
        self.collection = registry.get(upload.collection)
        self.definition = self.collection.definition(upload.record_type, upload.version)
        self.references = References(self.definition, {o.pk: o for o in policy.organisations_acted_for(upload.user)})
        self.pack = self.collection.rule_pack(upload.record_type, upload.version)
        self.windows = Windows()  # read here: judging processes may not query
        self.windows.get(upload.collection, upload.record_type, upload.version)
        self.inferred = inferred_variables(self.definition)
        self.upload_only = {rule.id for rule in self.pack.rules if rule.bulk_upload_only}
        self.value_map = saved_values(upload)
        self.spool = None  # where issues wait while an all-or-nothing transaction runs
        self.postcodes = PostcodeAuthorities()  # the local authorities of the run's postcodes

    # --- the run -----------------------------------------------------------------

    def run(self):
        upload = self.upload
        upload.status, upload.message, upload.processed_rows = Upload.Status.PROCESSING, "", 0
        upload.save(update_fields=["status", "message", "processed_rows"])
        set_progress(upload)  # never a count left from an earlier run
        try:
            with open_kept(upload) as file:
                self.locate_columns(file)
                if self.waits_for_person(file):
                    return upload
                # Counted by prepare(), unless the run started elsewhere (the API); parts
                # again, as the member rows no record takes count once columns are matched.
                if not upload.total_rows or upload.parts:
                    upload.total_rows = file.count_rows()
                upload.issues.all().delete()
                upload.imported_rows.all().delete()
                if upload.dry_run or upload.create_valid_now:
                    self.check_rows(file, store=not upload.dry_run)
                else:
                    self.store_all_or_nothing(file)
        except UploadError as error:
            upload.status, upload.message = Upload.Status.FAILED, str(worded(error, self.definition))
        if upload.status == Upload.Status.PROCESSING:
            upload.status = Upload.Status.DONE
        upload.finished_at = timezone.now()
        upload.save()
        return upload

    def store_all_or_nothing(self, file):
        """Store every row in one transaction, undone if any row has an error: then
        nothing is stored and the person chooses (correct, or create the valid rows
        now). One pass either way; progress goes through the cache meanwhile, as the
        transaction hides it from the progress page. Its issues wait on disk, not in
        memory (a file with errors on every row has hundreds of thousands), and are
        stored once the transaction has ended."""
        with IssueSpool() as spool:
            self.spool = spool
            try:
                with transaction.atomic():
                    self.check_rows(file, store=True)
                    if self.upload.rejected:  # member rows no record takes included
                        raise _NothingStored
            except _NothingStored:
                self.upload.status = Upload.Status.CHECKED
            finally:
                self.spool = None
            spool.store(self.upload)

    def locate_columns(self, file):
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
            # A question the conversion fills from other fields (a lookup, a count) is told
            # at the first of them: it has no field of its own, and is not "without a column".
            self.filled_from = {}
            for question in self.definition.questions.values():
                sources = [n for n in (question.bulk_upload or {}).get("from_fields") or [] if int(n) in index_of]
                for name in question.variables:
                    if sources and name not in self.where:
                        self.filled_from[name] = (index_of[int(sources[0])], f"Field {sources[0]}")
            self.header_layout = None
        else:
            columns = {int(i): parse_target(key) for i, key in self.upload.columns.items()}
            if isinstance(file, JoinedUpload):  # members in parts of their own: every member's columns
                columns, self.value_map = file.expanded(columns), file.expanded_values(self.value_map)
            self.header_layout = HeaderLayout(self.definition, {i: t for i, t in columns.items() if t}, self.value_map)
            self.where, self.filled_from = {}, {}
            for index, target in sorted(columns.items()):
                if target is not None:
                    self.where.setdefault(target.variable, (index, self.column_label(index, file)))
        self.file = file
        self.row_checks = RowChecks(self.upload, self.definition, self.pack, file)
        self.every_row = every_row_answers(self.upload, self.where)
        self.inferred |= frozenset(self.every_row)  # routing may clear them silently: no row gave them

    def waits_for_person(self, file):
        """A provider's own layout stops for its column mapping and, once, for the
        values no option matches."""
        upload = self.upload
        if file.layout == "template":
            return False
        if not upload.columns:
            upload.status = Upload.Status.MAPPING
        elif not upload.values_confirmed:
            unmatched = self.header_layout.unmatched_values(self.corrected_rows(file))
            if isinstance(file, JoinedUpload):  # asked once a column of the parts, not once a member
                unmatched = members_unmatched(file, unmatched)
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

    def corrected_rows(self, file):
        """The file's rows with the person's cell corrections applied."""
        edits = self.upload.cell_edits
        for number, values in file.rows():
            corrected = edits.get(str(number))
            if corrected:
                values = {**values, **{int(c): v for c, v in corrected.items()}}
                values = {c: v for c, v in values.items() if v not in ("", None)}
            yield number, values

    def check_rows(self, file, store):
        """One pass over the rows: check each, and store the valid ones if `store`."""
        upload = self.upload
        upload.created = upload.updated = upload.unchanged = upload.rejected = upload.processed_rows = 0
        self.seen_references, self.seen_duplicates = {}, {}
        # Judging processes never query: they read the service's register entries loaded here (docs/registers.md).
        with pinned_entries(), pinned_organisations(self.references.acted_for.values(), self.definition.collection), \
                Judge(parallel=upload.total_rows > CHUNK) as judge:  # one chunk: nothing to overlap
            waiting = deque()  # (chunk, its judgement), oldest first
            for chunk in self.converted_chunks(file):
                waiting.append((chunk, self.send_to_judge(chunk, judge)))
                if len(waiting) > judge.ahead:
                    self.finish_chunk(*waiting.popleft(), store)
            while waiting:
                self.finish_chunk(*waiting.popleft(), store)
        if isinstance(file, JoinedUpload):
            self.reject_unjoined_members(file)

    def reject_unjoined_members(self, file):
        """The member rows no record took (no reference, a reference no main row has, more
        members than the block holds): an error on each, counted as a rejected row."""
        upload = self.upload
        issues = [UploadIssue(upload=upload, sheet=file.parts[part]["name"], row=number, rule=rule, severity="hard",
                              message=message) for part, number, message, rule in file.unjoined]
        upload.rejected += len(issues)
        upload.processed_rows += len(issues)
        if self.spool is not None:
            self.spool.add(issues)
        else:
            UploadIssue.objects.bulk_create(issues)
            upload.save(update_fields=["processed_rows", "rejected"])
        set_progress(upload)

    def converted_chunks(self, file):
        """The file's rows as Rows, CHUNK at a time."""
        chunk = []
        for number, values in self.corrected_rows(file):
            chunk.append(self.row_from_cells(number, values))
            if len(chunk) == CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def send_to_judge(self, chunk, judge):
        """Send the chunk's rows to be judged, each with the stored record it matches or
        a new one. Its records are looked up before the chunks ahead of it are stored,
        which changes nothing: a row can only match a record stored by this run through
        an earlier row's reference, and then it is rejected as a duplicate in the file."""
        upload = self.upload
        existing = self.stored_records_for(chunk)
        # The chunk's postcodes' local authorities, BULK_SIZE a request, each once a run (docs/places.md).
        self.postcodes.prepare([p for row in chunk if not row.outcome for p in postcodes_filling(self.definition, row.answers)])
        rows = []
        for row in chunk:
            record = None if row.outcome else self.stored_record_of(row, existing)
            if not row.outcome:
                record = record or Record(
                    collection=upload.collection, record_type=upload.record_type, version=upload.version,
                    owning_organisation=row.owner, managing_organisation=row.manager or row.owner)
                row.answers, row.not_filled = fill_for_channel(self.definition, record.answers, row.answers,
                                                               self.postcodes)
                rows.append((record, row.answers))
        return judge.chunk(rows, user=upload.user, confirm=upload.confirmed_rules, windows=self.windows,
                           inferred=self.inferred)

    def finish_chunk(self, chunk, judged, store):
        """Keep the judged chunk's outcomes: create its new records in one insert (if
        `store`), note which log each row is, count the outcomes and save its issues."""
        judgements = judged.result()
        twins = self.stored_twins_of_new_rows(judgements)
        outcomes = iter(judgements)
        with transaction.atomic():
            new = []
            for row in chunk:
                if not row.outcome:
                    outcome = self.keep_judgement(row, next(outcomes), store, twins)
                    if outcome is not None:
                        new.append(outcome)
            if new:
                create_many(new, source="upload", user=self.upload.user)
            if store:  # which log each row is, for the annotated file
                copy_new(ImportedRow, [ImportedRow(upload=self.upload, row=row.number, record_id=row.record.pk)
                                       for row in chunk if row.record is not None and row.record.pk is not None])
        upload = self.upload
        for row in chunk:
            setattr(upload, row.outcome, getattr(upload, row.outcome) + 1)
        upload.processed_rows += len(chunk)
        issues = [issue for row in chunk for issue in row.issues]
        if self.spool is not None:  # inside the all-or-nothing transaction
            self.spool.add(issues)
        else:
            UploadIssue.objects.bulk_create(issues)
            upload.save(update_fields=["processed_rows", "created", "updated", "unchanged", "rejected", "layout"])
        set_progress(upload)

    # --- one row -----------------------------------------------------------------

    def row_from_cells(self, number, values):
        """A row of the file as answers, its organisations and its reference."""
        faulted, raw_issues = set(), []
        if self.header_layout is None:
            keyed = self.file.keyed(values)
            answers, problems = answers_from_field_numbers(self.definition, keyed)
            answers = self.with_value_corrections(answers)
            raw_issues, faulted = self.row_checks.raw(number, keyed)  # the pack's checks of the cells as written
            problems = [p for p in problems if p.get("variable") not in faulted]
        else:
            answers, problems = self.header_layout.answers(values)
        for variable, answer in self.every_row.items():
            if answers.get(variable) in (None, ""):
                answers[variable] = answer
        refused = self.row_checks.not_options(answers)  # in the pack's words, not the gateway's
        row = Row(number, answers, faulted=faulted | {variable for variable, _, _ in refused})
        row.issues = raw_issues + [self.issue_at(row, p.get("variable"), p.get("rule", "bu_field_format"), "hard",
                                                 p["message"]) for p in problems]
        row.issues += [self.issue_at(row, variable, rule.id, rule.severity, message)
                       for variable, rule, message in self.row_checks.uploader(answers) + refused]
        for cell in formula_columns(values):  # never stored: an export opened in a spreadsheet would run it
            sheet, at, column, _ = self.place_of(row, cell)
            row.issues.append(UploadIssue(
                upload=self.upload, row=at, sheet=sheet, cell=column, column=self.column_label(cell), rule="formula_cell",
                severity="hard", message=f"Column {column_letter(column)} starts with “{values[cell].strip()[:1]}”, so "
                                         "a spreadsheet would run it as a formula. Enter the value itself."))
            row.outcome = "rejected"
        self.resolve_references(row)
        if row.owner is None or row.outcome:
            row.outcome = "rejected"
            return row
        key = {name: answers[name] for name in self.definition.reference_key if name in answers}
        typed, _ = normalise(self.definition, key)
        row.reference = provider_reference(self.definition, to_json({k: v for k, v in typed.items() if v is not None}))
        if row.reference:
            first = self.seen_references.setdefault(row.reference, number)
            if first != number:
                row.issues.append(self.issue_at(row, self.definition.reference_key[0], "duplicate_in_file", "hard",
                                             f"This row is the same {self.definition.nouns[0]} as row {first} "
                                             "(the same reference). Remove one of them."))
                row.outcome = "rejected"
        else:  # its log is found by the duplicate-check answers instead
            row.duplicate = self.duplicate_key_of(row.answers)
        return row

    def duplicate_key_of(self, answers):
        """The key the gateway stores for these duplicate-check answers ('' if some are missing)."""
        names = self.definition.duplicate_check_variables
        if not names:
            return ""
        typed, _ = normalise(self.definition, {name: answers[name] for name in names if name in answers})
        return duplicate_key(self.definition, to_json({k: v for k, v in typed.items() if v is not None}))

    def column_label(self, cell, file=None):
        """A column as the person's file names it: its field number or heading (and its
        sheet's name, for a member's column)."""
        file = file or self.file
        if isinstance(file, JoinedUpload):
            return file.column_name(cell)
        name = file.columns.get(cell)
        if name is None:
            return f"Column {column_letter(cell)}"
        return f"Field {name}" if self.header_layout is None else name

    def with_value_corrections(self, answers):
        """Values corrected in bulk on the results page ("Weekly " is weekly everywhere;
        a value left as it is maps to '' and stays)."""
        for variable, corrections in self.value_map.items():
            if variable in answers and answers[variable] is not None:
                code = corrections.get(value_key(answers[variable]))
                if code:
                    answers[variable] = code
        return answers

    def keep_judgement(self, row, outcome, store, twins):
        """Keep a row's judgement; store a change to an existing record at once, and
        return the outcome of a new one for the chunk's single insert. `twins`: the
        stored logs new rows without a reference answer the duplicate check as."""
        upload = self.upload
        if isinstance(outcome, WindowClosed):  # the gateway refuses the row: its collection window
            row.issues.append(self.issue_at(row, "", WINDOW_CLOSED, "hard", str(outcome)))
            row.outcome = "rejected"
            return None
        is_new = outcome.record.pk is None
        # A field one of the pack's bulk-upload checks faults gets no second error from a
        # rule of every channel saying the same in other words (as CORE's bulk upload).
        # A retired code's refusal says more (which answers replaced it): it stays.
        faulted = {e["field"] for e in outcome.errors if e["rule"] in self.upload_only} | row.faulted
        row.issues += [self.issue_at(row, e["field"], e["rule"], "hard", e["message"]) for e in outcome.errors
                       if e["rule"] in self.upload_only or e["field"] not in faulted or e["rule"] == RETIRED_OPTION]
        row.issues += [self.issue_at(row, w["field"], w["rule"], "soft", w["message"]) for w in outcome.warnings]
        row.issues += [self.issue_at(row, n["field"], n["rule"], n["severity"], n["message"])
                       for n in outcome.notes + still_unanswered(row.not_filled, outcome.record.answers)]
        key = (outcome.record.owning_organisation_id, outcome.record.duplicate_key)
        if key[1] and self.seen_duplicates.setdefault(key, row.number) != row.number:
            rule = self.pack.pipeline_rule("duplicate_in_file")  # the same log by the collection's own test
            if rule is not None:
                row.issues.append(self.issue_at(row, rule.attach_to[0] if rule.attach_to else "", rule.id, rule.severity,
                                             rule.render(row.answers, {}, self.definition)))
        elif is_new and not outcome.record.provider_reference and twins.get(key):
            self.reject_possible_duplicate(row, twins[key])
        if outcome.errors or any(i.severity == "hard" for i in row.issues):
            row.outcome = "rejected"
            return None
        row.issues += self.not_answered(row, outcome.missing)
        row.outcome = "created" if is_new else "updated" if outcome.changes else "unchanged"
        row.record = outcome.record
        if not store:
            return None
        if is_new:
            return outcome
        if outcome.changes:
            try:
                commit(outcome, source="upload", user=upload.user)  # a savepoint of its own
            except StaleRecord:
                row.issues.append(self.issue_at(row, "", "changed_during_upload", "hard",
                                             f"Someone changed this {self.definition.nouns[0]} while the file was "
                                             "being imported. Upload the file again."))
                row.outcome, row.record = "rejected", None
        return None

    def not_answered(self, row, missing):
        """The pack's `pipeline: not_answered` rule (CORE's bu_not_answered), as a warning
        on each question the row's record still lacks: the record is kept in progress,
        and the person learns what to add. A question the row already has an issue on
        is not told again."""
        rule = self.pack.pipeline_rule("not_answered")
        if rule is None:
            return []
        told = {issue.field for issue in row.issues}
        return [self.issue_at(row, name, rule.id, NOTE,
                              rule.render(row.answers, {"question": in_sentence(question_label(self.definition, name))}))
                for name in missing if name not in told]

    def stored_record_of(self, row, existing):
        """The stored record a row is: by its reference; without one, by its duplicate-check
        answers when one log has them. When several have them, the row could be any of
        them: it is reported, and nothing is created."""
        if row.reference:
            return existing.get((row.owner.pk, row.reference))
        twins = existing.get((row.owner.pk, POSSIBLE_DUPLICATE, row.duplicate), []) if row.duplicate else []
        if len(twins) > 1:
            self.reject_possible_duplicate(row, [record.pk for record in twins])
        return twins[0] if len(twins) == 1 else None

    def stored_twins_of_new_rows(self, judgements):
        """{(owner, duplicate key): [log ids]}: the stored logs that new rows without a
        reference answer the duplicate check as, once judged (routing may have changed
        the answers the row was looked up by)."""
        keys = {(o.record.owning_organisation_id, o.record.duplicate_key) for o in judgements
                if not isinstance(o, WindowClosed) and o.record.pk is None and o.record.duplicate_key
                and not o.record.provider_reference}
        if not keys:
            return {}
        found = {}
        for pk, owner, key in Record.objects.filter(
                collection=self.upload.collection, record_type=self.upload.record_type, version=self.upload.version,
                owning_organisation__in={owner for owner, _ in keys}, duplicate_key__in={key for _, key in keys},
        ).values_list("pk", "owning_organisation_id", "duplicate_key"):
            if (owner, key) in keys:
                found.setdefault((owner, key), []).append(pk)
        return found

    def reject_possible_duplicate(self, row, log_ids):
        """Report a row without a reference that answers the duplicate check as stored logs
        do: with the pack's rule for it (`pipeline: duplicate_stored`, CORE's
        bu_duplicate_log), else the platform's own, saying which logs and what to do."""
        missing = [name for name in self.definition.reference_key if not row.answers.get(name)]
        names = " and ".join(f"“{question_label(self.definition, name)}”" for name in missing)
        noun, nouns = self.definition.nouns
        logs = ", ".join(str(pk) for pk in sorted(log_ids)[:5]) + (" and others" if len(log_ids) > 5 else "")
        fill_in = f"Fill in {names} so that we know which {noun} it is, or remove" if names else "Remove"
        to_do = f"{fill_in} the row if the {noun} is there already."
        rule = self.pack.pipeline_rule("duplicate_stored")
        if rule is not None:
            rule_id, message = rule.id, (f"{rule.render(row.answers, {}, self.definition)} It has the same answers to "
                                         f"the duplicate check as {noun} {logs}. {to_do}")
        else:
            rule_id, message = POSSIBLE_DUPLICATE, (f"This row may be one of the {nouns} you already have "
                                                    f"({noun} {logs}): it has the same answers to the duplicate "
                                                    f"check. {to_do}")
        # Hard whatever the pack says: nothing is created for a row that could be any of them.
        row.issues.append(self.issue_at(row, missing[0] if missing else "", rule_id, "hard", message))
        row.outcome = "rejected"

    def stored_records_for(self, chunk):
        """The stored records the chunk's rows match: by (owner, reference), and for rows
        without a reference, [records] by (owner, POSSIBLE_DUPLICATE, duplicate key)."""
        wanted = {(row.owner.pk, row.reference) for row in chunk if row.reference and not row.outcome}
        twins = {(row.owner.pk, row.duplicate) for row in chunk if row.duplicate and not row.outcome}
        records = Record.objects.select_related("owning_organisation", "managing_organisation").filter(
            collection=self.upload.collection, record_type=self.upload.record_type, version=self.upload.version)
        found = {}
        if wanted:
            found.update({(r.owning_organisation_id, r.provider_reference): r for r in records.filter(
                owning_organisation__in={owner for owner, _ in wanted},
                provider_reference__in={reference for _, reference in wanted})})
        if twins:
            for r in records.filter(owning_organisation__in={owner for owner, _ in twins},
                                    duplicate_key__in={key for _, key in twins}).order_by("pk"):
                found.setdefault((r.owning_organisation_id, POSSIBLE_DUPLICATE, r.duplicate_key), []).append(r)
        return found

    def issue_at(self, row, variable, rule, severity, message):
        """An issue of the row, at the cell where the variable is in the file."""
        cell, column = self.where.get(variable) or self.filled_from.get(variable, (None, ""))
        sheet, number, cell, _ = self.place_of(row, cell)
        value = row.answers.get(variable) if rule in OPTION_RULES else ""
        return UploadIssue(upload=self.upload, row=number, sheet=sheet, cell=cell, column=column, field=variable or "",
                           value=str(value or "")[:200], rule=rule, severity=severity, message=message)

    def place_of(self, row, cell):
        """(sheet, row number, column index, heading) of a row's cell: in an upload in
        parts, a member's cell is in the member's own row of its own sheet."""
        if isinstance(self.file, JoinedUpload):
            if cell is None:
                return self.file.parts[0]["name"], row.number, None, ""
            return self.file.place(row.number, cell)
        return "", row.number, cell, ""

    def resolve_references(self, row):
        """The row's owning and managing organisations and assigned person: the
        definition's record fields, as organisation references (ORG<id>, or an ONS
        code or regulator number) and an email address, resolved as for every channel
        (cldc.platform.records.references). Blank organisations are the uploader's
        organisation; a blank assignee is the person uploading, as CORE does."""
        fields = self.definition.record_fields
        named = self.references.resolve(
            {column: row.answers.get(variable) for column, variable in fields.items()},
            defaults={"owning_organisation": self.upload.organisation,
                      "managing_organisation": self.upload.organisation, "assigned_to": self.upload.user})
        row.answers.update(named.answers)
        row.issues += [self.issue_at(row, i["field"], i["rule"], i["severity"], i["message"]) for i in named.issues]
        if named.ok:
            row.owner, row.manager = named.owning_organisation, named.managing_organisation


class IssueSpool:
    """Issues kept in a temporary file while an all-or-nothing transaction runs (stored
    in it, they would be undone with it), then stored in batches: memory holds one
    batch, whatever the number of issues."""

    FIELDS = ("row", "sheet", "cell", "column", "field", "value", "rule", "severity", "message")

    def __init__(self):
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")

    def add(self, issues):
        self.file.writelines(json.dumps([getattr(issue, name) for name in self.FIELDS]) + "\n" for issue in issues)

    def store(self, upload, batch=2000):
        self.file.seek(0)
        while lines := list(itertools.islice(self.file, batch)):
            UploadIssue.objects.bulk_create(
                [UploadIssue(upload=upload, **dict(zip(self.FIELDS, json.loads(line)))) for line in lines])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.file.close()


def members_unmatched(file, unmatched):
    """Unmatched values of a joined upload by the column of its parts, each member's
    cells of one column together: {column: {value: (as written, count)}}."""
    folded = {}
    for cell, values in unmatched.items():
        seen = folded.setdefault(file.base_cell(cell), {})
        for key, (written, count) in values.items():
            seen[key] = (seen[key][0], seen[key][1] + count) if key in seen else (written, count)
    return folded


def worded(error, definition):
    """An UploadError in the words of the version's rule pack when the pack has a rule
    for its whole-file check (`pipeline: file_blank`, `file_no_headers`: CORE's
    bu_file_blank, bu_file_no_headers), with that rule's id; else the error as it is."""
    rule = None
    if error.check:
        rule = registry.get(definition.collection).rule_pack(definition.record_type,
                                                             definition.version).pipeline_rule(error.check)
    return error if rule is None else UploadError(rule.render({}, rule_params(rule, {}), definition), rule=rule.id)


def prepare(upload):
    """Before a run: read the file's headings and count its rows (so that a file over
    the row limit is refused on the upload form), and for a provider's own layout apply
    its column plan when every column is settled (saved or confident). Returns the
    columns a person must match (the upload then waits, in MAPPING); raises UploadError
    for a file that cannot be read."""
    try:
        with open_kept(upload) as file:
            upload.layout, columns = file.layout, dict(file.columns)
            # Counted while the pack's whole-file checks look at it (pipeline_checks).
            upload.total_rows = check_whole_file(file, registry.get(upload.collection).definition(
                upload.record_type, upload.version))
    except UploadError as error:
        raise worded(error, registry.get(upload.collection).definition(upload.record_type, upload.version)) from None
    unsettled = []
    if upload.layout == "headers":
        plan = column_plan(upload, columns)
        unsettled = [choice for choice in plan if not choice.settled]
        if unsettled:
            upload.status = Upload.Status.MAPPING
        else:
            upload.columns = chosen_columns(plan)
    upload.save(update_fields=["layout", "columns", "status", "total_rows"])
    return unsettled

