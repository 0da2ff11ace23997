from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "cldc.platform.people"
    label = "people"
    verbose_name = "People"

    def ready(self):
        from django.db.models.signals import post_migrate

        from cldc.platform.people.roles import configure_staff_groups

        def grant_staff_permissions(sender, **kwargs):
            configure_staff_groups()

        post_migrate.connect(grant_staff_permissions, sender=self, dispatch_uid="cldc-staff-groups")
