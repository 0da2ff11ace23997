from django.apps import AppConfig


class XmlFilesConfig(AppConfig):
    name = "cldc.platform.xmlfiles"
    label = "xmlfiles"
    verbose_name = "XML files in and out"

    def ready(self):
        from cldc.platform.xmlfiles import writer  # noqa: F401 - registers the `xml` export format
