from django.apps import AppConfig


class ReturnsConfig(AppConfig):
    name = "cldc.platform.returns"
    label = "returns"
    verbose_name = "Periodic returns"
    default_auto_field = "django.db.models.BigAutoField"
