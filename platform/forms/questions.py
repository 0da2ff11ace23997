"""Django forms for the pages of a definition. Fields only parse what the browser
sends; every value is then checked by the gateway, so the form, bulk upload and the
API share one set of rules and messages."""

import datetime as dt

from django import forms

DATE_PARTS = ("day", "month", "year")


class DateParts(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes."""

    template_name = "forms/widgets/date_parts.html"

    def __init__(self, attrs=None):
        super().__init__([forms.TextInput(attrs={"inputmode": "numeric"}) for _ in DATE_PARTS], attrs)

    def decompress(self, value):
        if isinstance(value, str):
            try:
                value = dt.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
        return [value.day, value.month, value.year] if value else [None, None, None]


class DateField(forms.MultiValueField):
    """Three boxes to one YYYY-MM-DD string. An impossible date gets a clear message
    here (not Python's "month must be in 1..12")."""

    widget = DateParts

    def __init__(self, label, name_in_messages, **kwargs):
        self.label_text = name_in_messages
        parts = [forms.CharField(required=False) for _ in DATE_PARTS]
        super().__init__(fields=parts, require_all_fields=False, required=False, label=label, **kwargs)

    def compress(self, values):
        if not values or not any(v not in (None, "") for v in values):
            return None
        day, month, year = (str(v or "").strip() for v in values)
        missing = [name for name, v in zip(DATE_PARTS, (day, month, year)) if not v]
        if missing:
            raise forms.ValidationError(f"{self.label_text} must include a {' and a '.join(missing)}")
        if not (day.isdecimal() and month.isdecimal() and year.isdecimal()) or len(year) != 4:
            raise forms.ValidationError(f"{self.label_text} must be a real date, for example 27 3 2026")
        try:
            return dt.date(int(year), int(month), int(day)).isoformat()
        except ValueError:
            raise forms.ValidationError(f"{self.label_text} must be a real date, for example 27 3 2026") from None


def field_for(question, options=None):
    """The form field for a question, offering `options` (default: all of them); values
    stay as text for the gateway to type."""
    label = question.text or question.label or question.id
    if question.type in ("radio", "select") and (question.options or options):  # options: a register's entries too
        choices = [(str(code), text) for code, text in (question.options if options is None else options)]
        widget = forms.RadioSelect if question.type == "radio" else forms.Select
        if question.type == "select":
            choices = [("", "Select an option")] + choices
        return forms.ChoiceField(label=label, choices=choices, widget=widget, required=False, help_text=question.hint)
    if question.type == "checkbox":
        return forms.MultipleChoiceField(
            label=label, choices=[(str(var), text) for var, text in question.options],
            widget=forms.CheckboxSelectMultiple, required=False, help_text=question.hint,
        )
    if question.type == "date":
        return DateField(label=label, name_in_messages=question.label or label, help_text=question.hint)
    attrs = {"inputmode": "decimal"} if question.type == "numeric" else {}
    return forms.CharField(label=label, required=False, help_text=question.hint, widget=forms.TextInput(attrs=attrs))


class PageForm(forms.Form):
    """The questions of one page. `lock_version` is the record version the page was
    read at: saving over a newer version is refused (two people, one log)."""

    lock_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, questions=(), offered=None, **kwargs):
        self.questions = list(questions)
        super().__init__(*args, **kwargs)
        for question in questions:
            if question.type != "derived":  # calculated by the service, never sent
                self.fields[question.id] = field_for(question, (offered or {}).get(question.id))

    def saved_at(self, version):
        """Show the page again after its own save (with what the gateway refused or
        still asks): the next save is over the version this save made, so a person's
        own save never counts as someone else's change."""
        self.data = self.data.copy()
        self.data["lock_version"] = str(version)
        return self

    def answers(self):
        """What the page says, keyed by variable, ready for the gateway."""
        answers = {}
        for question in self.questions:
            if question.type == "derived":
                continue
            value = self.cleaned_data.get(question.id)
            if question.type == "checkbox":
                # A box left unticked is sent blank: the gateway stores its 0 once another box is
                # ticked (values.normalise), as for every channel; blank also clears one unticked now.
                ticked = set(value or [])
                for variable in question.variables:
                    if question.codes and variable in question.codes:
                        answers[variable] = 1 if variable in ticked else None
            else:
                answers[question.id] = value if value not in ("",) else None
        return answers


def initial_for(questions, answers):
    initial = {}
    for question in questions:
        if question.type == "checkbox":
            initial[question.id] = [v for v in question.variables if answers.get(v) == 1]
        elif answers.get(question.id) is not None:
            initial[question.id] = str(answers[question.id])
    return initial
