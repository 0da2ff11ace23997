"""The bulk-upload checks a rule pack declares with `pipeline: <check>` that look at the
file itself or at a row's cells before they become answers (docs/uploads.md, "Rules
about files, and what a row names"). The platform runs each kind of check; the pack
says which cells and fields, when it fires and in what words (its rule's id and
message). A collection whose pack has no such rule gets none of these checks.

Whole-file checks, before any row is judged (`check_whole_file`, while the file's rows
are counted on the upload form): the file is refused with the rule's message.
  file_no_headers        a file with neither the template's "Field number" row nor a row
                         of headings: its first row is data (mostly numbers and dates).
                         The reader refuses it for every collection (refusals.NoHeadings),
                         in the rule's words where the pack has one (importer.worded)
  file_field_count       a template-layout file without as many field numbers as the
                         version's template (template_files.template_columns)
  file_too_many_columns  a template-layout file with data right of its last field number
                         (columns the annotated file adds are not counted)
  file_wrong_year        the first row's date (the rule's field) is outside the version's
                         collection year (the definition's valid_from to valid_to)

Row checks (`RowChecks`), before the row goes to the gateway:
  raw_fields             the rule's `when` (or function) over the row's cells as the file
                         gives them, as text: `field_<n>` is template field n, and a
                         variable read from one field (a question of one field, a tick box
                         of a checkbox question) names that field's cell. For what the
                         conversion hides: R for refused in an age, flags that become one
                         answer, a date's parts. Template layout only.
  not_an_option          a value of the rule's fields that is no answer of its question
                         (the gateway's invalid_option), told in the rule's words
  given_when_support_uploads
                         a support user's upload must give the rule's field in every row
                         (for anyone else a blank one is the uploader's default, as the
                         assignee is)

A raw-field finding goes on each `attach_to` cell that holds a value, or on the first
when none does (a missing part): the cells that hold what is wrong. A field it faults
gets no second error from the conversion or from a rule of every channel (importer).
"""

import re
from dataclasses import dataclass

from cldc.platform import registry
from cldc.platform.definitions.values import normalise
from cldc.platform.organisations import policy
from cldc.platform.uploads.files import UploadFile
from cldc.platform.uploads.models import UploadIssue
from cldc.platform.uploads.refusals import UploadError
from cldc.platform.uploads.template import is_annotation_heading
from cldc.platform.uploads.template_files import template_columns
from cldc.platform.uploads.template_rows import answers_from_field_numbers

FIELD = re.compile(r"field_(\d+)")


def check_whole_file(file, definition):
    """Refuse the file (UploadError, in the words of the pack's rule) when one of the
    pack's whole-file checks fails; else the number of its data rows, counted in the
    same pass that looks for data past the template's last column."""
    if not isinstance(file, UploadFile):  # an upload in several parts (member_parts.py): not these checks yet
        return file.count_rows()
    pack = registry.get(definition.collection).rule_pack(definition.record_type, definition.version)
    rules = {check: pack.pipeline_rule(check) for check in (
        "file_field_count", "file_too_many_columns", "file_wrong_year")}
    if file.layout != "template":
        return file.count_rows()
    if rules["file_field_count"] and len(file.columns) != len(template_columns(definition)):
        raise _refusal(rules["file_field_count"], definition)
    if rules["file_wrong_year"] and _first_date_outside_year(file, definition, rules["file_wrong_year"]):
        raise _refusal(rules["file_wrong_year"], definition)
    if not rules["file_too_many_columns"]:
        return file.count_rows()
    last = max(file.columns)
    annotations = {i for i, cell in enumerate(file.template.labels.get("field_number") or [])
                   if is_annotation_heading(cell)}
    count = 0
    for _, values in file.rows():
        count += 1
        if max(values) > last and any(i > last and i not in annotations for i in values):
            raise _refusal(rules["file_too_many_columns"], definition)
    return count


def _refusal(rule, definition):
    return UploadError(rule.render({}, rule_params(rule, {}), definition), rule=rule.id)


def rule_params(rule, answers):
    """A rule's message parameters from its `params` (a check with no `when` of its own)."""
    return {name: expression.evaluate(answers, {}) for name, expression in rule.params.items()}


def _first_date_outside_year(file, definition, rule):
    rows = file.rows()
    try:
        first = next(rows, None)
    finally:
        rows.close()
    if first is None or not rule.fields:
        return False
    answers, _ = answers_from_field_numbers(definition, file.keyed(first[1]))
    date = answers.get(rule.fields[0])  # YYYY-MM-DD, or blank when its parts give no date
    return bool(date) and not (definition.valid_from.isoformat() <= date <= definition.valid_to.isoformat())


# --- rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawLayout:
    """Where a definition's variables are in the template: field number -> the variable
    that field fills (a tick box: its own variable), and variable -> its one field."""

    variable_of: dict
    field_of: dict

    @classmethod
    def of(cls, definition):
        variable_of, field_of = {}, {}
        for question in definition.questions.values():
            fields = (question.bulk_upload or {}).get("fields")
            numbers = [int(f) for f in (fields if isinstance(fields, list) else [fields] if fields else [])]
            if question.type == "checkbox" and (question.bulk_upload or {}).get("kind") in (None, "checkbox"):
                names = (question.bulk_upload or {}).get("variables") or [code for code, _ in question.options]
                for number, name in zip(numbers, names):
                    variable_of[number], field_of[name] = name, number
                continue
            for number in numbers:
                variable_of.setdefault(number, question.id)
            if len(numbers) == 1:
                field_of[question.id] = numbers[0]
        return cls(variable_of, field_of)

    def names(self):
        """Every name a raw_fields rule may read."""
        return {f"field_{n}" for n in self.variable_of} | set(self.field_of)

    def field_number(self, name):
        found = FIELD.fullmatch(name)
        return int(found.group(1)) if found else self.field_of.get(name)


def raw_rule_problems(rule, definition, where):
    """`cldc lint` for a raw_fields rule: the names it reads and attaches to are template
    fields (field_<n>) or variables read from one field."""
    known = RawLayout.of(definition).names()
    names = (rule.when.names if rule.when else set()) | set(rule.attach_to) | set(rule.fields)
    return [f"{where}: rule {rule.id} reads {name!r}, which is no template field (field_<n>) and no "
            "variable read from one field" for name in sorted(names - known)]


class RowChecks:
    """The pack's row checks for one upload (`issues` per row), read once."""

    def __init__(self, upload, definition, pack, file=None):
        self.upload, self.definition = upload, definition
        template = file is not None and file.layout == "template"
        self.raw_rules = [r for r in pack.rules if r.pipeline == "raw_fields"] if template else []
        support = policy.is_support(upload.user)
        self.support_rules = [r for r in pack.rules if r.pipeline == "given_when_support_uploads"] if support else []
        self.option_rules = [r for r in pack.rules if r.pipeline == "not_an_option"]
        self.layout = RawLayout.of(definition)
        self.column_of = {number: index for index, number in file.columns.items()} if template else {}

    def raw(self, number, keyed):
        """(issues, faulted variables) of a template row's cells, keyed by field number."""
        if not self.raw_rules:
            return [], set()
        cells = {f"field_{n}": str(v).strip() for n, v in keyed.items() if v is not None and str(v).strip()}
        for name, field in self.layout.field_of.items():
            if f"field_{field}" in cells:
                cells[name] = cells[f"field_{field}"]
        issues, faulted = [], set()
        for rule in self.raw_rules:
            params = rule.check(cells, {})
            if params is None:
                continue
            message = rule.render(cells, params, self.definition)
            targets = [self.layout.field_number(name) for name in rule.attach_to]
            filled = [n for n in targets if f"field_{n}" in cells] or targets[:1]
            for field in filled:
                variable = self.layout.variable_of.get(field, "")
                faulted.add(variable)
                cell = self.column_of.get(field)
                issues.append(UploadIssue(upload=self.upload, row=number, cell=cell, field=variable,
                                          column=f"Field {field}" if cell is not None else "", rule=rule.id,
                                          severity=rule.severity, message=message))
        return issues, faulted

    def not_options(self, answers):
        """[(variable, rule, message)]: values of the `not_an_option` rules' fields that are
        no answer of their question, told in the rule's words (the gateway's own refusal
        of them is not repeated: the importer counts the fields as faulted)."""
        found = []
        for rule in self.option_rules:
            given = {name: answers[name] for name in rule.fields if answers.get(name) not in (None, "")}
            _, errors = normalise(self.definition, given)
            for error in errors:
                if error.rule == "invalid_option":
                    found.append((error.field, rule, rule.render(answers, rule_params(rule, answers), self.definition)))
        return found

    def uploader(self, answers):
        """[(variable, rule, message)]: the fields a support user's row must give."""
        found = []
        for rule in self.support_rules:
            for variable in rule.attach_to:
                if answers.get(variable) in (None, ""):
                    found.append((variable, rule, rule.render(answers, rule_params(rule, answers), self.definition)))
        return found
