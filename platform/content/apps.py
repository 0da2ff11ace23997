from django.apps import AppConfig


class ContentConfig(AppConfig):
    name = "cldc.platform.content"
    label = "content"
    verbose_name = "Service content"
