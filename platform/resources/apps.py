from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "cldc.platform.resources"
    label = "resources"
    verbose_name = "Collection resources"
    default_auto_field = "django.db.models.BigAutoField"
