from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "cldc.platform.records"
    label = "records"
    verbose_name = "Records"
