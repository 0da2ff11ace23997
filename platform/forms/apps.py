from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "cldc.platform.forms"
    label = "logforms"
    verbose_name = "Web form"
