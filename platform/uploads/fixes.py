"""The forms behind the pages where the person steers an upload (views.py): match its
columns, match its values, correct failing cells, give one answer for every row to a
question the file has no column for. What each form offers comes from here: the
choices of questions, the values to match, the answers a cell may hold."""

import datetime as dt

from crispy_forms_gds.layout import Button, Fieldset, Layout
from django import forms
from django.db.models import Count
from django.http import Http404
from django.utils.html import escape

from cldc.platform.definitions.values import normalise
from cldc.platform.uploads import automap
from cldc.platform.uploads.files import open_upload
from cldc.platform.uploads.mappings import OPTION_RULES
from cldc.platform.uploads.member_parts import split_cell
from cldc.platform.uploads.models import Upload
from cldc.platform.uploads.provider_rows import (CONFIDENT, WRITE_DATES, parse_target, read_date, target_key, value_guess,
                                                 value_key)
from cldc.platform.uploads.refusals import column_letter
from cldc.platform.uploads.report import question_label
from cldc.themes.forms import GDSFormMixin

NOT_NEEDED = ("", "This column is not needed")
LEAVE_AS_IT_IS = ("", "Leave it: report it as an error")
MAX_RADIOS = 12  # more options than this are a select

# --- Columns ---------------------------------------------------------------------------


class ColumnsForm(GDSFormMixin, forms.Form):
    submit_label = "Save these matches and check the file"

    def __init__(self, *args, plan, definition, **kwargs):
        super().__init__(*args, **kwargs)
        self.definition = definition
        choices_of = {"": target_choices(definition)}  # a member part's columns: its block's questions
        self.plan = {f"column_{c.index}": c for c in plan}
        for name, choice in self.plan.items():
            if choice.members not in choices_of:
                choices_of[choice.members] = member_target_choices(definition, choice.members)
            everything = choices_of[choice.members]
            labels = dict(pair for _, group in everything for pair in group)
            suggested = [(key, f"{labels.get(key) or automap.describe(definition, s.target)} ({s.score}% match)")
                         for s, key in ((s, target_key(s.target)) for s in choice.suggestions)]
            column = f"Column {column_letter(split_cell(choice.index)[2])}: “{choice.header}”"
            self.fields[name] = forms.ChoiceField(
                label=f"{choice.sheet}, {column[0].lower()}{column[1:]}" if choice.sheet else column,
                help_text=". ".join(filter(None, (HINTS[choice.band], choice.evidence(definition)))), required=False,
                choices=[NOT_NEEDED, ("Suggested", suggested), *everything],
                initial=target_key(choice.target) if choice.target else "",
            )
        self.lay_out()

    def lay_out(self):
        """An upload in parts: each sheet's or file's columns under its own heading."""
        sheets = {}
        for name, choice in getattr(self, "plan", {}).items():
            sheets.setdefault(choice.sheet, []).append(name)
        if len(sheets) < 2:
            return super().lay_out()
        self.helper.layout = Layout(
            *(Fieldset(*names, legend=escape(f"Columns of “{sheet}”"), legend_size="m", legend_tag="h2")
              for sheet, names in sheets.items()),
            Button("submit", self.submit_label))

    def clean(self):
        taken = {}
        for name, key in list(self.cleaned_data.items()):  # add_error drops the field from cleaned_data
            target = parse_target(key)
            if target is None:
                continue
            for other_name, other in taken.items():
                if self.plan[other_name].sheet == self.plan[name].sheet and other.fills_the_same(target):
                    self.add_error(name, f"“{self.plan[name].header}” and “{self.plan[other_name].header}” "
                                         "fill the same answer: choose a different one for one of them, "
                                         "or say one is not needed")
            taken[name] = target
        self.check_joins()
        return self.cleaned_data

    def check_joins(self):
        """An upload in parts: every part needs a column matched to the record's reference,
        by which its members join their record."""
        sheets = {}
        for name, choice in self.plan.items():
            sheets.setdefault(choice.sheet, []).append(name)
        if len(sheets) < 2:
            return
        wanted = set(self.definition.reference_key)
        names = " and ".join(f"“{question_label(self.definition, name)}”" for name in self.definition.reference_key)
        for sheet, fields in sheets.items():
            chosen = {parse_target(self.cleaned_data.get(field) or "") for field in fields}  # valid choices only
            if not wanted <= {target.variable for target in chosen if target is not None}:
                self.add_error(fields[0], f"Match a column of “{sheet}” to {names}: its rows are joined to their "
                                          f"{self.definition.nouns[1]} by it")

    def choices(self):
        for name, choice in self.plan.items():
            choice.target = parse_target(self.cleaned_data.get(name) or "")
        return list(self.plan.values())


def target_choices(definition):
    """Every question and part a column can answer, grouped by the form's sections with
    person numbers, for a select: [(group, [(target key, label)])]."""
    return [(group, [(target_key(target), label) for target, label in targets])
            for group, targets in automap.grouped_targets(definition)]


def member_target_choices(definition, block):
    """The questions a column of a sheet of one repeat block's members can answer (its
    first member's stand for every member's) and the record's reference, for a select."""
    allowed = {target_key(target) for target in automap.member_targets(definition, block)}
    first = definition.repeats[block].indices[0]
    groups = []
    for group, pairs in target_choices(definition):
        pairs = [(key, _every_member(label, first)) for key, label in pairs if key in allowed]
        if pairs:
            groups.append((group.replace(f": {block} {first}", f": every {block}").replace(
                f"{block.capitalize()} {first}", f"Every {block}"), pairs))
    return groups


def _every_member(label, first):
    """A first member's label read as a column of every member's rows: "Person 2’s age
    (each row’s own)"."""
    return f"{label} (each row’s own)" if str(first) in label else label


HINTS = {
    "saved": "Matched as your organisation chose last time",
    "confident": "Matched automatically",
    "doubtful": "Check this match: we are not sure of it",
    "clash": "Another column fills the same answer: choose the question each one answers, or say one is not needed",
    "unmapped": "We could not match this column: choose a question, or leave it as not needed",
}


# --- Values ----------------------------------------------------------------------------


def values_to_match(upload, definition):
    """[(variable, value key, value as written, rows)]: before a check, the values no
    option matched; after one, the values the rules refused as not an option."""
    if upload.status == Upload.Status.VALUES:
        columns = {int(i): parse_target(key) for i, key in upload.columns.items()}
        return [(columns[int(c)].variable, key, example, count)
                for c, values in upload.unmatched.items() for key, (example, count) in values.items()
                if columns.get(int(c)) is not None]
    found = (upload.issues.filter(rule__in=OPTION_RULES).exclude(value="")
             .values("field", "value").annotate(rows=Count("id")).order_by("field", "-rows"))
    return [(f["field"], value_key(f["value"]), f["value"], f["rows"]) for f in found
            if f["field"] in definition.variables]


class ValuesForm(GDSFormMixin, forms.Form):
    """One select a value: "Leave it" or an answer. Only a confident guess is chosen for
    the person (provider_rows.value_guess); what they chose before comes first. Every
    choice is kept for the organisation, "Leave it" too (it is not asked again)."""

    submit_label = "Save these answers and check the file"

    def __init__(self, *args, wanted, definition, saved=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.wanted = {}
        for n, (variable, key, example, rows) in enumerate(wanted):
            question = definition.variables[variable]
            options = [(str(code), label) for code, label in question.options]
            guess = value_guess(question, example)
            suggested = [(code, f"{label} ({score}% match)") for code, label, score in guess.suggestions]
            before = (saved or {}).get(variable, {})
            initial = before[key] if key in before else guess.code if guess.band == CONFIDENT else ""
            name = f"value_{n}"
            self.wanted[name] = (variable, key, example)
            self.fields[name] = forms.ChoiceField(
                label=f"“{example}” as an answer to “{question.label or question.text}”",
                help_text=f"In {rows} row{'s' if rows != 1 else ''}. " + (
                    "We think it means the answer chosen: check it." if guess.band == CONFIDENT and initial else
                    "Choose the answer it means, or leave it."),
                required=False, choices=[LEAVE_AS_IT_IS, ("Suggested", suggested), ("Every answer", options)],
                initial=initial,
            )
        self.lay_out()

    def corrections(self):
        """{variable: {value key: code, or '' for left as it is}}."""
        chosen = {}
        for name, (variable, key, _) in self.wanted.items():
            chosen.setdefault(variable, {})[key] = self.cleaned_data.get(name) or ""
        return chosen

    def written(self):
        return {(variable, key): example for variable, key, example in self.wanted.values()}


# --- Cells -----------------------------------------------------------------------------


class RowForm(GDSFormMixin, forms.Form):
    """The failing cells of a row: a select of the answers for a cell that holds an
    option question's answer (`options`: [(cell text, label)]), else a text input."""

    submit_label = "Save these corrections"

    def __init__(self, *args, cells, options=None, **kwargs):
        super().__init__(*args, **kwargs)
        for cell, (column, value, messages) in cells.items():
            label, hint = f"Column {column_letter(cell)}: {column}", " ".join(messages)
            answers = (options or {}).get(cell)
            if answers:
                held = next((text for text, _ in answers if value_key(text) == value_key(value)), None)
                keep = [] if held is not None else [(value, f"“{value}”, as in your file") if value else ("", "No answer")]
                self.fields[f"cell_{cell}"] = forms.ChoiceField(
                    label=label, help_text=hint, required=False, choices=[*keep, *answers],
                    initial=held if held is not None else value)
            else:
                self.fields[f"cell_{cell}"] = forms.CharField(
                    label=label, help_text=hint, required=False, initial=value, max_length=1000)
        self.lay_out()


def cell_options(upload, definition, cell, variable):
    """[(cell text, label)] of the answers a cell may hold, when it holds the code of an
    option question (as the official template writes it, or the provider's column
    matched to the whole question); else None, and the cell is corrected as text."""
    question = definition.variables.get(variable)
    if question is None or not question.is_coded or question.id != variable:
        return None
    if upload.layout == "template":
        declared = question.bulk_upload or {}
        if declared.get("kind") not in (None, "one_of"):
            return None  # flags, lookups and counts: the cell is not the answer itself
        in_file = {}
        for text, code in declared.get("codes") or []:
            in_file.setdefault(str(code), str(text))
        return [(in_file.get(str(code), str(code)), label) for code, label in question.options]
    target = parse_target(upload.columns.get(str(cell), ""))
    if target is None or target.variable != variable or target.part is not None:
        return None
    return [(str(code), label) for code, label in question.options]


def row_values(upload, number):
    """A row of the kept file, with the corrections already made to it."""
    with open_upload(upload.path, upload.filename, sheet=upload.parts[0]["sheet"] if upload.parts else None) as file:
        values = next((values for n, values in file.rows() if n == number), None)
    if values is None:
        raise Http404("No such row")
    edits = upload.cell_edits.get(str(number), {})
    return {**values, **{int(c): v for c, v in edits.items()}}


# --- One answer for every row -----------------------------------------------------------------


def answer_field(question):
    """A form field for one answer to a question: its options (radios, or a select when
    there are many), else text, with an error message that names the question."""
    label = question.label or question.text or question.id
    named = label[0].lower() + label[1:] if label[1:2].islower() else label
    if named.split(" ", 1)[0] not in QUESTION_WORDS:  # "Select the rent period", "Select how the visit was made"
        named = f"the {named}"
    if question.is_coded:
        options = [(str(code), text) for code, text in question.options]
        many = len(options) > MAX_RADIOS
        return forms.ChoiceField(label=label, choices=[("", "Select an answer"), *options] if many else options,
                                 widget=forms.Select if many else forms.RadioSelect,
                                 error_messages={"required": f"Select {named}", "invalid_choice": f"Select {named}"})
    if question.type == "date":
        return WrittenDate(label=label, max_length=200, help_text=f"Write it as {WRITE_DATES}",
                           error_messages={"required": f"Enter {named}"})
    return forms.CharField(label=label, max_length=200, error_messages={"required": f"Enter {named}"})


QUESTION_WORDS = {"how", "what", "which", "who", "whom", "whose", "when", "where", "why", "whether", "if"}


def day_first(value):
    """A stored date (YYYY-MM-DD) as people and their files write it; anything else as it is."""
    try:
        return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
    except (TypeError, ValueError):
        return value


class WrittenDate(forms.CharField):
    """A date written as in a file's cells (checked_answer reads it); a saved one shown so."""

    def prepare_value(self, value):
        return day_first(value)


def checked_answer(definition, question, answer):
    """The answer, stripped (a date as YYYY-MM-DD), or ValidationError with the message
    the upload gives for such a cell, else the one every channel gives."""
    answer = answer.strip()
    if question.type == "date":
        answer, wrong = read_date(answer, question)
        if wrong:
            raise forms.ValidationError(wrong)
    _, errors = normalise(definition, {question.id: answer})
    if errors:
        raise forms.ValidationError(errors[0].message)
    return answer


class EveryRowForm(GDSFormMixin, forms.Form):
    submit_label = "Use this answer and check the file"

    def __init__(self, *args, question, definition, organisation, **kwargs):
        super().__init__(*args, **kwargs)
        self.question, self.definition = question, definition
        self.fields["answer"] = answer_field(question)
        self.fields["remember"] = forms.BooleanField(
            label=f"Use this answer for {organisation}’s next files that have no column for it", required=False,
            help_text="You can change or remove it later, on your organisation’s saved matches.")
        self.lay_out()

    def clean_answer(self):
        return checked_answer(self.definition, self.question, self.cleaned_data["answer"])
