"""The forms of the register pages: an entry's owner and fields (the register's
questions, as GOV.UK fields), a deactivation or reactivation date, and a file of entries."""

import datetime as dt

from django import forms

from cldc.platform.definitions.routing import route, unanswered
from cldc.platform.definitions.values import normalise
from cldc.themes.forms import GDSFormMixin, GOVUKDateField


def blank_message(question):
    name = (question.label or question.text).lower()
    return f"{'Select' if question.type in ('radio', 'select') else 'Enter'} the {name}"


def field_for(question):
    label = question.text or question.label
    if question.type in ("radio", "select"):
        choices = [(str(code), text) for code, text in question.options]
        if question.type == "select":
            return forms.ChoiceField(label=label, choices=[("", "Select an option")] + choices, required=False,
                                     help_text=question.hint)
        return forms.ChoiceField(label=label, choices=choices, widget=forms.RadioSelect, required=False,
                                 help_text=question.hint)
    if question.type == "date":
        return GOVUKDateField((question.label or label).lower(), label=label, required=False, help_text=question.hint)
    attrs = {"inputmode": "numeric"} if question.type == "numeric" else {}
    return forms.CharField(label=label, required=False, help_text=question.hint, widget=forms.TextInput(attrs=attrs))


class EntryForm(GDSFormMixin, forms.Form):
    """An entry's owner (for a register without a parent) and its fields. Cleaned, it
    holds `values`: the fields' typed answers that apply, every one answered."""

    def __init__(self, *args, register, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.register = register
        if organisations is not None:
            choices = [(str(o.pk), o.name) for o in organisations]
            self.fields["owner"] = forms.ChoiceField(
                label=f"Which organisation owns this {register.noun}?", choices=[("", "Select an organisation")] + choices,
                error_messages={"required": "Select the organisation that owns it",
                                "invalid_choice": "Select an organisation you act for"})
            self.fields["manager"] = forms.ChoiceField(
                label=f"Which organisation manages this {register.noun}? (optional)", required=False,
                help_text="An agent that manages it for the owner. Leave it blank if the owner manages it",
                choices=[("", "The owner")] + choices,
                error_messages={"invalid_choice": "Select an organisation you act for"})
        for question in register.questions:
            self.fields[question.id] = field_for(question)
        self.lay_out()

    def clean(self):
        data = super().clean()
        raw = {}
        for question in self.register.questions:
            value = data.get(question.id)
            raw[question.id] = value.isoformat() if isinstance(value, dt.date) else value
        values, errors = normalise(self.register.fields, raw)
        for error in errors:
            if error.field in self.fields and error.field not in self.errors:
                self.add_error(error.field, error.message)
        kept, _, applicable = route(self.register.fields, {k: v for k, v in values.items() if v is not None})
        for question in unanswered(applicable, kept):
            if question.id not in self.errors:
                self.add_error(question.id, blank_message(question))
        self.values = kept
        return data


class DeactivateForm(GDSFormMixin, forms.Form):
    submit_label = "Continue"

    def __init__(self, *args, noun, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deactivated_on"] = GOVUKDateField("deactivation date", label=f"From which day is this {noun} not available?",
                                                  help_text="For example, 1 9 2026")
        self.fields["reactivated_on"] = GOVUKDateField(
            "reactivation date", required=False, label="From which day is it available again? (optional)",
            help_text="Leave it blank if it is not available again")
        self.lay_out()

    def clean(self):
        data = super().clean()
        start, end = data.get("deactivated_on"), data.get("reactivated_on")
        if start and end and end <= start:
            self.add_error("reactivated_on", "The reactivation date must be after the deactivation date")
        return data


class ReactivateForm(GDSFormMixin, forms.Form):
    def __init__(self, *args, noun, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reactivated_on"] = GOVUKDateField("reactivation date", label=f"From which day is this {noun} available again?",
                                                  help_text="For example, 1 9 2026")
        self.lay_out()


class UploadForm(GDSFormMixin, forms.Form):
    submit_label = "Upload"
    file = forms.FileField(label="Upload a CSV file", error_messages={"required": "Select a CSV file"})
