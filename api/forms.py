"""The forms of the API client pages (cldc.api.pages)."""

from datetime import timedelta

from django import forms
from django.utils import timezone

from cldc.api.models import Supplier, SupplierAuthorisation
from cldc.themes.forms import GDSFormMixin

LIFETIMES = {"30": timedelta(days=30), "180": timedelta(days=180), "365": timedelta(days=365)}


class NewClientForm(GDSFormMixin, forms.Form):
    submit_label = "Create the key"

    name = forms.CharField(label="Name", max_length=200, help_text="The system that will use the key, like “Housing "
                           "system (live)”", error_messages={"required": "Enter a name for the key"})
    organisation = forms.TypedChoiceField(label="Which organisation is it for?", coerce=int, required=False,
                                          empty_value=None)
    supplier = forms.TypedChoiceField(label="Or which supplier is it for?", coerce=int, required=False,
                                      empty_value=None, help_text="A supplier's key acts for the organisations that "
                                      "authorise the supplier")
    lifetime = forms.ChoiceField(label="How long should the key last?", widget=forms.RadioSelect, initial="365",
                                 choices=[("30", "30 days"), ("180", "6 months"), ("365", "1 year")],
                                 error_messages={"required": "Select how long the key should last"})

    def __init__(self, *args, organisations, suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Select an organisation")] + [(o.pk, o.name) for o in organisations]
        if suppliers is None:  # only support makes suppliers' keys
            del self.fields["supplier"]
            self.fields["organisation"].required = True
            self.fields["organisation"].error_messages["required"] = "Select the organisation"
        else:
            self.fields["supplier"].choices = [("", "No supplier")] + [(s.pk, s.name) for s in suppliers]
        self.lay_out()

    def clean(self):
        data = super().clean()
        if "supplier" in self.fields and bool(data.get("organisation")) == bool(data.get("supplier")):
            self.add_error("organisation", "Select an organisation or a supplier, not both")
        return data

    @property
    def expires_at(self):
        return timezone.now() + LIFETIMES[self.cleaned_data["lifetime"]]


class ConfirmForm(GDSFormMixin, forms.Form):
    """A button and nothing else: the page says what it does."""

    def __init__(self, *args, submit_label, **kwargs):
        self.submit_label = submit_label
        super().__init__(*args, **kwargs)


class AuthoriseSupplierForm(GDSFormMixin, forms.Form):
    submit_label = "Authorise the supplier"

    organisation = forms.TypedChoiceField(label="Which organisation authorises it?", coerce=int,
                                          error_messages={"required": "Select the organisation"})
    supplier = forms.TypedChoiceField(label="Which supplier?", coerce=int,
                                      error_messages={"required": "Select the supplier"})

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [("", "Select an organisation")] + [(o.pk, o.name) for o in organisations]
        self.fields["supplier"].choices = [("", "Select a supplier")] + [(s.pk, s.name) for s in Supplier.objects.all()]

    def clean(self):
        data = super().clean()
        if data.get("organisation") and data.get("supplier") and SupplierAuthorisation.objects.current().filter(
                organisation=data["organisation"], supplier=data["supplier"]).exists():
            self.add_error("supplier", "This organisation already authorises this supplier")
        return data


class SupplierForm(GDSFormMixin, forms.ModelForm):
    submit_label = "Add the supplier"

    class Meta:
        model = Supplier
        fields = ["name", "contact"]
        error_messages = {"name": {"required": "Enter the supplier's name",
                                   "unique": "There is already a supplier with this name"}}
