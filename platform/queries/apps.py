from django.apps import AppConfig


class QueriesConfig(AppConfig):
    name = "cldc.platform.queries"
    label = "queries"
    verbose_name = "Queries to providers"
    default_auto_field = "django.db.models.BigAutoField"
