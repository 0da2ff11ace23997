from datetime import date

from django import forms

from cldc.platform.organisations import merges
from cldc.platform.organisations.models import Membership, MembershipRole, Organisation
from cldc.platform.people.forms import EMAIL_ERRORS
from cldc.themes.forms import GDSFormMixin


class MembershipFieldsMixin(forms.Form):
    role = forms.ChoiceField(
        label="Role",
        choices=MembershipRole.choices,
        widget=forms.RadioSelect,
        help_text="Data coordinators can also manage the people in the organisation",
        error_messages={"required": "Select a role"},
    )
    is_data_protection_officer = forms.BooleanField(label="Data protection officer", required=False)
    is_key_contact = forms.BooleanField(label="Key contact", required=False)


class InvitePersonForm(GDSFormMixin, MembershipFieldsMixin, forms.Form):
    submit_label = "Send invitation"
    field_order = ["name", "email", "role", "is_data_protection_officer", "is_key_contact"]

    name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter the person's name"})
    email = forms.EmailField(label="Email address", error_messages=EMAIL_ERRORS)

    def clean_email(self):
        # Whether the address has an account elsewhere is not the coordinator's to know:
        # the view adds an existing account as it invites a new one, with the same message.
        return self.cleaned_data["email"].lower()


class EditPersonForm(GDSFormMixin, MembershipFieldsMixin, forms.Form):
    submit_label = "Save changes"
    field_order = ["name", "role", "is_data_protection_officer", "is_key_contact", "is_active"]

    name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter the person's name"})
    is_active = forms.TypedChoiceField(
        choices=[("True", "Yes"), ("False", "No, remove them from this organisation")],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, membership, may_rename, **kwargs):
        super().__init__(*args, initial=self.initial_for(membership), **kwargs)
        self.fields["is_active"].label = f"Can this person submit for {membership.organisation.name}?"
        self.fields["is_active"].help_text = ("If they belong to no other organisation, they can no longer sign in")
        if not may_rename:
            # Their name is theirs and their other organisations': not this coordinator's to change.
            self.fields["name"].disabled = True
            self.fields["name"].help_text = "They also belong to another organisation: only they or support can change their name"

    @staticmethod
    def initial_for(membership: Membership):
        return {
            "name": membership.user.name,
            "role": membership.role,
            "is_data_protection_officer": membership.is_data_protection_officer,
            "is_key_contact": membership.is_key_contact,
            "is_active": str(membership.user.is_active and membership.is_current),
        }


class MergeForm(GDSFormMixin, forms.Form):
    """Support records a merge: into which organisation, from which day."""

    field_order = ["absorbing_organisation", "merge_date"]

    absorbing_organisation = forms.ModelChoiceField(
        label="Which organisation did it merge into?", queryset=None, empty_label="Select an organisation",
        error_messages={"required": "Select the organisation it merged into",
                        "invalid_choice": "Select the organisation it merged into"})

    def __init__(self, *args, merged, **kwargs):
        from cldc.platform.forms.questions import DateField  # the GOV.UK date input every date question uses

        super().__init__(*args, **kwargs)
        self.merged = merged
        self.fields["absorbing_organisation"].queryset = Organisation.objects.exclude(pk=merged.pk)
        self.fields["merge_date"] = DateField(
            label="Merge date", name_in_messages="The merge date",
            help_text=f"The first day {merged.name} is part of the other organisation, for example 1 7 2026")
        self.lay_out()

    def clean(self):
        data = super().clean()
        absorbing, day = data.get("absorbing_organisation"), data.get("merge_date")
        if "merge_date" in self.fields and not day and "merge_date" not in self.errors:
            self.add_error("merge_date", "Enter the merge date")
        if absorbing and day:
            try:
                merges.check(self.merged, absorbing, date.fromisoformat(day))
            except merges.MergeRefused as refused:
                self.add_error(refused.field, refused.message)
        return data


class OrganisationDataForm(GDSFormMixin, forms.Form):
    """What support and the organisation's coordinators say of it: whether it holds stock
    (support only), and which options it uses of the questions a collection lets an
    organisation choose (CORE: its rent periods)."""

    def __init__(self, *args, choosable, may_set_stock, **kwargs):
        super().__init__(*args, **kwargs)
        if may_set_stock:
            self.fields["holds_stock"] = forms.TypedChoiceField(
                label="Does the organisation hold its own stock?", widget=forms.RadioSelect,
                choices=[("True", "Yes"), ("False", "No")], coerce=lambda value: value == "True",
                error_messages={"required": "Select whether the organisation holds its own stock"})
        for key, question in choosable.items():
            self.fields[key] = forms.MultipleChoiceField(
                label=question.label or question.text, widget=forms.CheckboxSelectMultiple,
                choices=[(str(code), label) for code, label in question.options],
                help_text="Select every option the organisation uses: the others are not offered on its records",
                error_messages={"required": f"Select at least one option of {question.label or question.text}"})
        self.lay_out()
