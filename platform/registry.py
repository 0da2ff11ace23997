"""Finds collection packages without naming them.

A collection package is any package under cldc/collections/ whose __init__.py
defines `COLLECTION`. The contract it must meet is in docs/collection-packages.md.
"""

import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


@dataclass(frozen=True)
class Collection:
    """What a collection package declares about itself."""

    name: str  # short name, e.g. used in `cldc launch --collection NAME`
    title: str  # the collection's full name
    package_dir: Path  # the package's folder; seed content is found relative to it
    summary: str = ""
    record_types: tuple = field(default_factory=tuple)

    @property
    def guidance_dir(self):
        """Seed guidance pages: one Markdown-like text file per page."""
        return self.package_dir / "guidance"


@cache
def collections():
    """All collection packages, by name."""
    import cldc.collections as package_root

    found = {}
    for module_info in pkgutil.iter_modules(package_root.__path__):
        if not module_info.ispkg:
            continue
        module = importlib.import_module(f"cldc.collections.{module_info.name}")
        declared = getattr(module, "COLLECTION", None)
        if isinstance(declared, Collection):
            found[declared.name] = declared
    return found


def collection_names():
    return sorted(collections())


def get(name):
    try:
        return collections()[name]
    except KeyError:
        raise LookupError(f"No collection package called {name!r}; found: {', '.join(collection_names())}") from None
