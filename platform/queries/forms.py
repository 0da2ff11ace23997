from django import forms

from cldc.themes.forms import GDSFormMixin

MESSAGE_LENGTH = 2000


def answered_questions(log):
    """The questions of a log (a forms.logs.Log) that have an answer now, in the form's
    order, each with that answer as people read it: what a query may be about."""
    return [(question, shown) for page in log.form_pages() for question in log.asked_on(page)
            if question.type != "derived" and (shown := log.display(question))]


class RaiseForm(GDSFormMixin, forms.Form):
    submit_label = "Raise the query"

    question = forms.ChoiceField(required=False, label="Which answer is the query about?")
    message = forms.CharField(label="Your query", max_length=MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
                              help_text="Say what looks wrong and what you need: that they confirm the answer, "
                                        "or correct it.",
                              error_messages={"required": "Enter your query",
                                              "max_length": f"Your query must be {MESSAGE_LENGTH} characters or fewer"})

    def __init__(self, *args, log, noun, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = {question.id: question for question, _ in answered_questions(log)}
        question = self.fields["question"]
        question.choices = [("", f"The whole {noun}, not one answer")] + [
            (q.id, f"{q.label or q.text}: {shown}") for q, shown in answered_questions(log)]
        question.error_messages["invalid_choice"] = (
            f"Select an answer the {noun} has now, or the whole {noun}: it may have changed since you opened this page")

    def clean_question(self):
        return self.questions.get(self.cleaned_data["question"])  # None: the whole log


class RaiseManyForm(GDSFormMixin, forms.Form):
    """One message for a query on each of several logs. The logs travel as repeated
    hidden `records` fields; the view decides which may be queried, before this form."""

    submit_label = "Raise the queries"

    records = forms.TypedMultipleChoiceField(coerce=int, widget=forms.MultipleHiddenInput)
    message = RaiseForm.base_fields["message"]

    def __init__(self, *args, records, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(record.pk, record.pk) for record in records]
        self.fields["records"].initial = [record.pk for record in records]


class ReplyForm(GDSFormMixin, forms.Form):
    submit_label = "Send your answer"

    text = forms.CharField(label="Your answer", max_length=MESSAGE_LENGTH, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": "Enter your answer to the query",
                                           "max_length": f"Your answer must be {MESSAGE_LENGTH} characters or fewer"})

    def __init__(self, *args, noun, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = f"If an answer was wrong, correct it in the {noun} too."


class ReopenForm(GDSFormMixin, forms.Form):
    submit_label = "Reopen the query"

    text = forms.CharField(label="Why are you reopening it? (optional)", required=False, max_length=MESSAGE_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           error_messages={"max_length": f"Your reason must be {MESSAGE_LENGTH} characters or fewer"})
