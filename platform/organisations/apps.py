from django.apps import AppConfig


class OrganisationsConfig(AppConfig):
    name = "cldc.platform.organisations"
    label = "organisations"
    verbose_name = "Organisations"
