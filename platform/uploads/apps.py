from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "cldc.platform.uploads"
    label = "uploads"
    verbose_name = "Bulk uploads"
