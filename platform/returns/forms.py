from django import forms

from cldc.themes.forms import GDSFormMixin

REASON_LENGTH = 2000
DECISIONS = [("include", "Include it in this return"), ("exclude", "Exclude it from this return"),
             ("triggers", "Leave it to the rules: undo an earlier choice")]


class ChoiceForm(GDSFormMixin, forms.Form):
    """Include or exclude one of the organisation's records, with a reason. `records`
    are the ids the person may choose from (the organisation's records they see)."""

    submit_label = "Save the choice"

    record = forms.IntegerField(min_value=1, label="Record number")
    decision = forms.ChoiceField(choices=DECISIONS, widget=forms.RadioSelect, label="What should happen to it?",
                                 error_messages={"required": "Select whether to include or exclude it"})
    reason = forms.CharField(label="Why?", required=False, max_length=REASON_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"max_length": f"The reason must be {REASON_LENGTH} characters or fewer"})

    def __init__(self, *args, records, noun, nouns, **kwargs):
        super().__init__(*args, **kwargs)
        self.records = records
        self.noun, self.nouns = noun, nouns
        self.fields["record"].label = f"{noun.capitalize()} number"
        self.fields["record"].help_text = f"The number the {noun} has in this service, as in the lists below."
        self.fields["record"].error_messages.update({
            "required": f"Enter the number of the {noun}",
            "invalid": f"Enter the {noun}'s number in figures, like 123",
            "min_value": f"Enter the {noun}'s number in figures, like 123"})

    def clean_record(self):
        record = self.records.filter(pk=self.cleaned_data["record"]).first()
        if record is None:
            raise forms.ValidationError(f"Enter the number of one of this organisation's {self.nouns} that you can see")
        return record

    def clean(self):
        data = super().clean()
        if data.get("decision") in ("include", "exclude") and not data.get("reason", "").strip():
            self.add_error("reason", f"Enter why you {data['decision']} this {self.noun}")
        return data

    @property
    def include(self):
        return {"include": True, "exclude": False, "triggers": None}[self.cleaned_data["decision"]]


class ReopenForm(GDSFormMixin, forms.Form):
    submit_label = "Reopen the return"

    reason = forms.CharField(label="Why are you reopening it?", max_length=REASON_LENGTH,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "Enter why you are reopening the return",
                                             "max_length": f"The reason must be {REASON_LENGTH} characters or fewer"})
