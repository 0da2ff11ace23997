from django.apps import AppConfig


class NoticesConfig(AppConfig):
    name = "cldc.platform.notices"
    label = "notices"
    verbose_name = "Notification banners"
    default_auto_field = "django.db.models.BigAutoField"
