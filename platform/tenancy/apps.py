from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "cldc.platform.tenancy"
    label = "tenancy"
    verbose_name = "Services"

    def ready(self):
        # Load the configured Celery app, so that tasks sent from the web process (a
        # bulk upload, say) go to our broker, not Celery's default one.
        import cldc.platform.celery  # noqa: F401
