from django.apps import AppConfig


class GuidanceConfig(AppConfig):
    name = "cldc.platform.guidance"
    label = "guidance"
    verbose_name = "Question guidance"
