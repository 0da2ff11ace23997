from django.apps import AppConfig


class AdminUIConfig(AppConfig):
    name = "cldc.admin_ui"
    label = "admin_ui"
    verbose_name = "Staff screens"
