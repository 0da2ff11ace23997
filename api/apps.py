from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cldc.api"
    label = "api"
    verbose_name = "Submission API"
