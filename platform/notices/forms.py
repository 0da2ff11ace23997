"""Support's form for a banner: what it says, its page, when it shows and to whom."""

import datetime as dt

from django import forms

from cldc.platform.notices.markdown import INLINE_HELP, PAGE_HELP, has_html
from cldc.themes.forms import GDSFormMixin, GOVUKDateField

YES_NO = [("yes", "Yes"), ("no", "No")]


def no_html(text, what):
    if has_html(text):
        raise forms.ValidationError(f"{what} must not contain HTML. {INLINE_HELP if what == 'The banner text' else PAGE_HELP}")
    return text


class BannerForm(GDSFormMixin, forms.Form):
    title = forms.CharField(
        label="What should the banner say?", max_length=300, help_text=INLINE_HELP,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what the banner says",
                        "max_length": "The banner text must be 300 characters or fewer"})
    link_text = forms.CharField(
        label="Link to a page (optional)", max_length=100, required=False,
        help_text="The words of a link at the end of the banner, like Read more about this change. Leave it "
                  "blank for a banner without a page",
        error_messages={"max_length": "The link text must be 100 characters or fewer"})
    page_content = forms.CharField(
        label="What should the page say? (optional)", max_length=10000, required=False, help_text=PAGE_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"max_length": "The page must be 10,000 characters or fewer"})
    starts_on = GOVUKDateField("start date", label="When should the banner start showing?",
                               help_text="For example, 27 3 2026")
    ends_on = GOVUKDateField("end date", label="When should it stop showing?",
                             help_text="The last day it shows, for example 30 4 2026")
    before_sign_in = forms.ChoiceField(
        label="Should people see it before they sign in?", choices=YES_NO, widget=forms.RadioSelect,
        error_messages={"required": "Select whether people see the banner before they sign in"})

    def clean_title(self):
        return no_html(self.cleaned_data["title"].strip(), "The banner text")

    def clean_page_content(self):
        return no_html(self.cleaned_data["page_content"].strip(), "The page")

    def clean(self):
        data = super().clean()
        starts_on, ends_on = data.get("starts_on"), data.get("ends_on")
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on", "The end date must be the same as or after the start date")
        link_text, page_content = data.get("link_text", "").strip(), data.get("page_content", "")
        if link_text and not page_content and "page_content" not in self.errors:
            self.add_error("page_content", "Enter what the page says, or leave the link text blank")
        if page_content and not link_text and "link_text" not in self.errors:
            self.add_error("link_text", "Enter the link text, or leave the page blank")
        data["link_text"] = link_text
        return data

    def as_draft(self):
        """What check your answers shows, kept in the session until it is saved."""
        data = self.cleaned_data
        return {"title": data["title"], "link_text": data["link_text"], "page_content": data["page_content"],
                "starts_on": data["starts_on"].isoformat(), "ends_on": data["ends_on"].isoformat(),
                "before_sign_in": data["before_sign_in"] == "yes"}


def initial_from(draft):
    """A draft (or a banner's fields) as the form's initial values."""
    return {**draft, "starts_on": dt.date.fromisoformat(str(draft["starts_on"])),
            "ends_on": dt.date.fromisoformat(str(draft["ends_on"])),
            "before_sign_in": "yes" if draft["before_sign_in"] else "no"}
