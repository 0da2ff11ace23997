from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "cldc.platform.tenancy"
    label = "tenancy"
    verbose_name = "Services"
