from django.urls import path

from cldc.platform.xmlfiles import views

urlpatterns = [
    path("xml/", views.import_xml, name="xml-import"),
]
