from django import forms

from cldc.platform.organisations.models import Membership, MembershipRole
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
