from django.apps import AppConfig


class WindowsConfig(AppConfig):
    name = "cldc.platform.windows"
    label = "windows"
    verbose_name = "Collection windows"

    def ready(self):
        from django_tenants.signals import schema_migrated

        from cldc.platform.windows.seed import seed_after_migration

        # After each service schema migrates (a deploy, `make run`, a launch), add the
        # windows its packages declare and it lacks: a new version's window ships with
        # its definition file.
        schema_migrated.connect(seed_after_migration, dispatch_uid="cldc-seed-windows")
