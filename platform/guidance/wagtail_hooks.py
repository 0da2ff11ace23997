"""Question guidance in Wagtail's Snippets menu: content designers add, edit and
publish it with no code change. Access is the model permissions that
cldc.platform.people.roles grants the content roles."""

import django_filters
from django import forms
from django.db import connection
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from cldc.platform import registry
from cldc.platform.guidance.models import QuestionGuidance


def collection_choices():
    """The collections this service collects (every package outside a service)."""
    names = getattr(getattr(connection, "tenant", None), "collections", None) or registry.collection_names()
    return [(name, registry.get(name).title) for name in names if name in registry.collection_names()]


def record_type_choices():
    record_types = []
    for name, _ in collection_choices():
        record_types += [rt for rt in registry.get(name).record_types if rt not in record_types]
    return [(rt, rt.capitalize()) for rt in record_types]


class QuestionGuidanceForm(WagtailAdminModelForm):
    """Collection and record type as lists to choose from; the model's clean() still
    checks that the pair and the question exist."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["collection"].widget = forms.Select(choices=collection_choices())
        self.fields["record_type"].widget = forms.Select(choices=record_type_choices())


class QuestionGuidanceFilterSet(WagtailFilterSet):
    collection = django_filters.ChoiceFilter(choices=collection_choices, widget=forms.RadioSelect, empty_label="All")
    record_type = django_filters.ChoiceFilter(
        choices=record_type_choices, widget=forms.RadioSelect, empty_label="All"
    )

    class Meta:
        model = QuestionGuidance
        fields = ["collection", "record_type"]


class QuestionGuidanceViewSet(SnippetViewSet):
    model = QuestionGuidance
    icon = "help"
    list_display = ["question", "collection", "record_type", "versions", "summary"]
    filterset_class = QuestionGuidanceFilterSet
    search_fields = ["question", "summary"]
    search_backend_name = None  # plain database search: no search index to keep up to date
    copy_view_enabled = True  # the same help for another record type or question
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("collection"), FieldPanel("record_type")]),
            FieldRowPanel([FieldPanel("question"), FieldPanel("versions")]),
            FieldPanel("summary"),
            FieldPanel("body"),
        ],
        base_form_class=QuestionGuidanceForm,
    )


register_snippet(QuestionGuidanceViewSet)
