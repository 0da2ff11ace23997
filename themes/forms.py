"""GOV.UK-styled Django forms: every form in the service renders through
crispy-forms-gds, with an error summary above the form (see themes/form.html)."""

import datetime as dt

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Layout
from django import forms
from django.forms import BoundField
from django.utils.html import conditional_escape


class TextLabelBoundField(BoundField):
    """A field whose label and hint are text. crispy-forms-gds renders both with
    `|safe`, and labels are often built from data (a file's headings and values, the
    messages about them), so they are escaped here, when the form is rendered: fields
    added after `__init__` are covered too, and a label marked safe on purpose
    (`format_html`, `mark_safe`) keeps its markup."""

    def __init__(self, form, field, name):
        super().__init__(form, field, name)
        self.label = conditional_escape(self.label)
        self.help_text = conditional_escape(self.help_text)


class GDSFormMixin:
    """Give a form a GOV.UK helper: errors in the summary, the form's own submit button,
    labels and hints shown as text."""

    submit_label = "Continue"
    bound_field_class = TextLabelBoundField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page template has the form tag and token
        self.helper.label_size = "s"
        self.helper.legend_size = "s"
        self.lay_out()

    def lay_out(self):
        """Every field, then the button: call again after adding fields in __init__."""
        self.helper.layout = Layout(*self.fields, Button("submit", self.submit_label))


class GOVUKDateField(DateInputField):
    """The GOV.UK date input giving a date, with messages that name the date (not
    Python's "month must be in 1..12"), one for the part that is missing. (The web
    form's questions have their own, which gives the answer as text: forms.questions.)"""

    def __init__(self, name_in_messages, **kwargs):
        super().__init__(require_all_fields=False, **kwargs)
        self.name_in_messages = name_in_messages
        self.error_messages["required"] = f"Enter the {name_in_messages}"
        self.error_messages["incomplete"] = f"The {name_in_messages} must include a day, month and year"
        for part, name in zip(self.fields, ("day", "month", "year")):
            part.error_messages["incomplete"] = f"The {name_in_messages} must include a {name}"
            part.validators[0].message = f"The {name_in_messages} must be a real date, like 27 3 2026"

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        try:
            if len(str(year)) != 4:
                raise ValueError
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError(f"The {self.name_in_messages} must be a real date, like 27 3 2026") from None
