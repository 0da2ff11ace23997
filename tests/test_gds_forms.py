"""The shared form mixin (cldc.themes.forms): crispy-forms-gds renders labels and
hints with `|safe`, so every form using the mixin shows them as text, however they
were built, while markup our own code marks safe on purpose stays markup."""

from crispy_forms.utils import render_crispy_form
from django import forms
from django.utils.html import format_html

from cldc.themes.forms import GDSFormMixin


class LabelsForm(GDSFormMixin, forms.Form):
    typed = forms.CharField(label="<b>typed</b>", help_text="<i>hint</i>")
    chosen = forms.ChoiceField(label="<u>radios</u>", help_text="<i>radio hint</i>", widget=forms.RadioSelect,
                               choices=[("a", "<s>option</s>")])
    designed = forms.CharField(label=format_html("Your <strong>{}</strong>", "<name>"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["added"] = forms.CharField(label="<em>added later</em>")  # as fixes.py adds fields
        self.lay_out()


def test_labels_hints_and_options_are_text():
    html = render_crispy_form(LabelsForm())
    for text in ("<b>typed</b>", "<i>hint</i>", "<u>radios</u>", "<i>radio hint</i>", "<s>option</s>",
                 "<em>added later</em>"):
        assert text not in html
        assert text.replace("<", "&lt;").replace(">", "&gt;") in html


def test_a_label_marked_safe_on_purpose_keeps_its_markup_once():
    html = render_crispy_form(LabelsForm())
    assert "Your <strong>&lt;name&gt;</strong>" in html
