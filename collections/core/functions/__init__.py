"""CORE's rule and derived-variable functions, registered with
cldc.platform.rules.functions.rule_function. Every module in this package is
imported, so a new module needs no line here."""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
