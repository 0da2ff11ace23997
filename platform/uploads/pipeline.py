"""The bulk-upload pipeline: every row of a file through the same gateway and rules
as the web form and the API. Re-uploading a file updates the same records, matched
on the provider's reference; it never duplicates them.

This first version reads files in the official template layout (columns identified
by field number). Files in a provider's own layout need column mapping first
(automap.py), which is not wired in yet.
"""

import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cldc.platform import registry
from cldc.platform.definitions.field_numbers import answers_from_field_numbers
from cldc.platform.definitions.values import normalise, to_json
from cldc.platform.organisations import policy
from cldc.platform.organisations.models import Organisation
from cldc.platform.people.models import User
from cldc.platform.records.gateway import provider_reference, submit
from cldc.platform.records.models import Record
from cldc.platform.uploads.files import UploadError, open_upload
from cldc.platform.uploads.models import Upload, UploadIssue

PROGRESS_EVERY = 200  # rows between progress saves


@dataclass
class RowResult:
    row: int
    outcome: str  # created, updated, unchanged, rejected
    issues: list = field(default_factory=list)


class Importer:
    """Imports one upload's rows; `run()` does the whole file."""

    def __init__(self, upload):
        self.upload = upload
        self.collection = registry.get(upload.collection)
        self.definition = self.collection.definition(upload.record_type, upload.version)
        self.acted_for = {o.pk: o for o in policy.organisations_acted_for(upload.user)}
        self.seen_references = {}

    def run(self):
        upload = self.upload
        upload.status = Upload.Status.PROCESSING
        upload.save(update_fields=["status"])
        try:
            with open_upload(upload.path, upload.filename) as file:
                if file.layout != "template":
                    raise UploadError(
                        "This file is not in the official template layout (a row of field numbers). "
                        "Files with your own column headings need their columns matched first."
                    )
                rows = list(file.rows())  # numbers and cells only: a 100,000-row file fits easily
                upload.total_rows = len(rows)
                upload.save(update_fields=["total_rows"])
                for done, (number, values) in enumerate(rows, start=1):
                    self.record_result(self.import_row(number, file.keyed(values)))
                    if done % PROGRESS_EVERY == 0 or done == len(rows):
                        upload.processed_rows = done
                        upload.save(update_fields=["processed_rows", "created", "updated", "unchanged", "rejected"])
        except UploadError as error:
            upload.status, upload.message = Upload.Status.FAILED, str(error)
        else:
            upload.status = Upload.Status.DONE
        upload.finished_at = timezone.now()
        upload.save()
        return upload

    def record_result(self, result):
        setattr(self.upload, result.outcome, getattr(self.upload, result.outcome) + 1)
        UploadIssue.objects.bulk_create(result.issues)

    def issue(self, row, variable, rule, severity, message):
        question = self.definition.variables.get(variable)
        fields = (question.bulk_upload or {}).get("fields") if question else None
        column = f"Field {fields[0] if isinstance(fields, list) else fields}" if fields else ""
        return UploadIssue(upload=self.upload, row=row, column=column, field=variable or "", rule=rule,
                           severity=severity, message=message)

    def import_row(self, number, by_field_number):
        answers, problems = answers_from_field_numbers(self.definition, by_field_number)
        issues = [self.issue(number, p.get("variable"), "bu_field_format", "hard", p["message"]) for p in problems]
        owner, manager, assignee, setup_issues = self.setup(number, answers)
        issues += setup_issues
        if owner is None:
            return RowResult(number, "rejected", issues)
        values, _ = normalise(self.definition, answers)
        reference = provider_reference(self.definition, to_json({k: v for k, v in values.items() if v is not None}))
        if reference:
            if reference in self.seen_references:
                issues.append(self.issue(number, self.definition.reference_key[0], "duplicate_in_file", "hard",
                                         f"This row is the same log as row {self.seen_references[reference]} "
                                         "(the same reference). Remove one of them."))
                return RowResult(number, "rejected", issues)
            self.seen_references[reference] = number
        record = self.existing(owner, reference) or Record(
            collection=self.upload.collection, record_type=self.upload.record_type, version=self.upload.version,
            owning_organisation=owner, managing_organisation=manager or owner, assigned_to=assignee,
        )
        is_new = record.pk is None
        # A row with a hard error is reported, not stored: the valid rows are imported
        # now and the rest wait for a corrected file (which matches them by reference).
        check = submit(record, dict(answers), source="upload", user=self.upload.user, validate_only=True)
        issues += [self.issue(number, e["field"], e["rule"], "hard", e["message"]) for e in check.errors]
        issues += [self.issue(number, w["field"], w["rule"], "soft", w["message"]) for w in check.warnings]
        if check.errors:
            return RowResult(number, "rejected", issues)
        if not self.upload.dry_run:
            if not is_new:
                record.refresh_from_db()
            with transaction.atomic():
                outcome = submit(record, answers, source="upload", user=self.upload.user)
            changed = bool(outcome.changes)
        else:
            changed = bool(check.changes)
        if is_new:
            return RowResult(number, "created", issues)
        return RowResult(number, "updated" if changed else "unchanged", issues)

    def existing(self, owner, reference):
        if not reference:
            return None
        return Record.objects.filter(
            collection=self.upload.collection, record_type=self.upload.record_type, version=self.upload.version,
            owning_organisation=owner, provider_reference=reference,
        ).first()

    def setup(self, number, answers):
        """The row's owning and managing organisations and assigned person: the
        definition's record fields, as organisation references (ORG<id>, or an ONS
        code or regulator number) and an email address. Blank organisations are the
        uploader's organisation; a blank assignee is the person uploading."""
        issues, found = [], {}
        for column, variable in self.definition.record_fields.items():
            text = str(answers.get(variable) or "").strip()
            if column == "assigned_to":  # blank: the person uploading, as CORE does
                person = User.objects.filter(email__iexact=text).first() if text else self.upload.user
                if text and (person is None or not person.memberships.filter(organisation__in=self.acted_for.values()).exists()):
                    issues.append(self.issue(number, variable, "bu_assigned_user_related", "hard",
                                             "The assigned person must be someone in the owning or managing organisation"))
                    person = None
                found[column] = person
                answers[variable] = str(person.pk) if person else None
                continue
            organisation = self.organisation(text) if text else self.upload.organisation
            if organisation is None or organisation.pk not in self.acted_for:
                issues.append(self.issue(number, variable, f"bu_{column}_permitted", "hard",
                                         f"You cannot submit logs for the organisation “{text}”. Check the reference, "
                                         "or ask the organisation to upload its own logs."))
                organisation = None
            found[column] = organisation
            answers[variable] = str(organisation.pk) if organisation else None
        return found.get("owning_organisation"), found.get("managing_organisation"), found.get("assigned_to"), issues

    @staticmethod
    def organisation(reference):
        match = re.fullmatch(r"ORG(\d+)", reference.strip(), re.IGNORECASE)
        if match:
            return Organisation.objects.filter(pk=int(match.group(1))).first()
        return Organisation.objects.filter(ons_code__iexact=reference).first() or Organisation.objects.filter(
            regulator_number__iexact=reference).first()


def summary(upload):
    """What an upload did: counts, and issues grouped by rule and column with counts."""
    groups = {}
    for issue in upload.issues.all():
        key = (issue.severity, issue.rule, issue.column)
        group = groups.setdefault(key, {"severity": issue.severity, "rule": issue.rule, "column": issue.column,
                                        "message": issue.message, "rows": []})
        group["rows"].append(issue.row)
    return {
        "file": upload.filename,
        "status": upload.status,
        "message": upload.message,
        "dry_run": upload.dry_run,
        "rows": upload.total_rows,
        "created": upload.created,
        "updated": upload.updated,
        "unchanged": upload.unchanged,
        "rejected": upload.rejected,
        "issues_by_rule": sorted(
            ({**g, "count": len(g["rows"]), "rows": g["rows"][:50]} for g in groups.values()),
            key=lambda g: (g["severity"] != "hard", -g["count"]),
        ),
        "errors": [
            {"row": i.row, "column": i.column, "field": i.field, "rule": i.rule, "severity": i.severity, "message": i.message}
            for i in upload.issues.all()[:1000]
        ],
    }
