from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "cldc.platform.registers"
    label = "registers"
    verbose_name = "Registers"
