"""The admin screen where support staff change a service's collection windows.
Registered in admin_ui/wagtail_hooks.py; access is the windows model permissions
(cldc.platform.people.roles)."""

from django import forms
from django.db import connection
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.model import ModelViewSet

from cldc.platform import registry
from cldc.platform.windows.models import CollectionWindow, collection_year


class WindowForm(WagtailAdminModelForm):
    """Choices from the collections this service enables; CollectionWindow.clean()
    checks that the record type and version belong to the collection."""

    collection = forms.ChoiceField()
    record_type = forms.ChoiceField()
    version = forms.TypedChoiceField(coerce=int, help_text="The collection year, named by its first year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        packages = [registry.get(name) for name in getattr(connection.tenant, "collections", [])]
        record_types = sorted({rt for p in packages for rt in p.record_types})
        versions = sorted({v for p in packages for rt in p.record_types for v in p.versions(rt)})
        self.fields["collection"].choices = [(p.name, p.title) for p in packages]
        self.fields["record_type"].choices = [(rt, rt.capitalize()) for rt in record_types]
        self.fields["version"].choices = [(v, collection_year(v)) for v in versions]


class CollectionWindowViewSet(ModelViewSet):
    model = CollectionWindow
    name = "windows"
    icon = "date"
    menu_label = "Collection windows"
    copy_view_enabled = False
    list_display = [
        "collection",
        "record_type",
        Column("collection_year", label="Collection year", sort_key="version"),
        "opens_on",
        "submission_deadline",
        "new_logs_end",
        "editing_end",
    ]
    list_filter = ["collection", "record_type"]
    # CollectionWindow.clean() puts a date out of order on the field that is wrong.
    edit_handler = ObjectList(
        [
            FieldRowPanel([FieldPanel("collection"), FieldPanel("record_type"), FieldPanel("version")]),
            FieldRowPanel([FieldPanel("opens_on"), FieldPanel("submission_deadline")]),
            FieldRowPanel([FieldPanel("new_logs_end"), FieldPanel("editing_end")]),
        ],
        base_form_class=WindowForm,
    )
