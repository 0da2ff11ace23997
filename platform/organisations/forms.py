from django import forms

from cldc.platform.organisations.models import Membership, MembershipRole
from cldc.platform.people.forms import EMAIL_ERRORS
from cldc.platform.people.models import User
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
        email = self.cleaned_data["email"].lower()
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                "This email address already has an account. To add the person to your organisation, contact support."
            )
        return email


class EditPersonForm(GDSFormMixin, MembershipFieldsMixin, forms.Form):
    submit_label = "Save changes"
    field_order = ["name", "role", "is_data_protection_officer", "is_key_contact", "is_active"]

    name = forms.CharField(label="Full name", max_length=150, error_messages={"required": "Enter the person's name"})
    is_active = forms.TypedChoiceField(
        label="Can this person sign in?",
        choices=[("True", "Yes, the account is active"), ("False", "No, deactivate the account")],
        coerce=lambda value: value == "True",
        widget=forms.RadioSelect,
    )

    @classmethod
    def initial_for(cls, membership: Membership):
        return {
            "name": membership.user.name,
            "role": membership.role,
            "is_data_protection_officer": membership.is_data_protection_officer,
            "is_key_contact": membership.is_key_contact,
            "is_active": str(membership.user.is_active),
        }
