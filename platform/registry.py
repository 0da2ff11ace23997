"""Finds collection packages without naming them, and loads what they declare.

A collection package is any package under cldc/collections/ whose __init__.py
defines `COLLECTION`. The contract it meets is in docs/collection-packages.md.
"""

import csv
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path


from cldc.platform.definitions.model import DefinitionError, build, load_yaml
from cldc.platform.rules.engine import RulePack, build_derivations, build_rules, file_entries


@dataclass(frozen=True)
class Collection:
    """What a collection package declares about itself."""

    name: str  # short name, e.g. used in `cldc launch --collection NAME`
    title: str  # the collection's full name
    package_dir: Path  # the package's folder; its files are found relative to it
    summary: str = ""
    record_types: tuple = field(default_factory=tuple)

    @property
    def guidance_dir(self):
        """Seed guidance pages: one plain-text file per page."""
        return self.package_dir / "guidance"

    @property
    def reference_dir(self):
        """Reference data the package's rule functions read (CSV and the like)."""
        return self.package_dir / "reference"

    def versions(self, record_type):
        """The versions of a record type, oldest first: one definition file each."""
        folder = self.package_dir / "definitions" / record_type
        return sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit())

    def definition(self, record_type, version):
        return _definition(self, record_type, int(version))

    def rule_pack(self, record_type, version):
        return _rule_pack(self, record_type, int(version))

    def version_for(self, record_type, day):
        """The version whose validity covers a date, or None."""
        for version in self.versions(record_type):
            if self.definition(record_type, version).covers(day):
                return version
        return None


def _raw_definition(collection, record_type, version):
    path = collection.package_dir / "definitions" / record_type / f"{version}.yaml"
    if not path.exists():
        raise LookupError(f"{collection.name} has no {record_type} version {version}")
    return load_yaml(path), path


@cache
def _definition(collection, record_type, version):
    raw, path = _raw_definition(collection, record_type, version)

    def base_loader(base_version):
        return _definition(collection, record_type, int(base_version)).raw

    definition = build(raw, path, base_loader)
    if (definition.collection, definition.record_type) != (collection.name, record_type):
        raise DefinitionError(f"{path}: says it is {definition.collection} {definition.record_type}")
    _offer_reference_lists(collection, definition)
    return definition


def _offer_reference_lists(collection, definition):
    """A question that `refers_to` a list the package ships (reference/<name>_<year>.csv,
    columns code and label: the local authorities of a collection year, say; the latest
    year up to the version's) offers that list, before any options of its own: every
    channel then takes a code from it, and people read its label."""
    for question in definition.questions.values():
        name = question.extra.get("refers_to")
        if not name or question.type not in ("radio", "select"):
            continue
        years = [int(p.stem.rpartition("_")[2]) for p in collection.reference_dir.glob(f"{name}_[0-9][0-9][0-9][0-9].csv")]
        year = max((y for y in years if y <= definition.version), default=None)
        if year is not None:
            with open(collection.reference_dir / f"{name}_{year}.csv", encoding="utf-8-sig", newline="") as handle:
                listed = [(row["code"], row["label"]) for row in csv.DictReader(handle)]
            question.options = listed + question.options


@cache
def _rule_pack(collection, record_type, version):
    definition = _definition(collection, record_type, version)
    _import_functions(collection)
    rules, derivations, problems = [], [], []
    for kind, build_entries, built in (("rules", build_rules, rules), ("derived", build_derivations, derivations)):
        for path in _pack_files(collection, kind, record_type):
            try:  # every file is checked, so that one run reports every problem
                built += build_entries(file_entries(load_yaml(path), kind, path), version, path, definition.predicates)
            except DefinitionError as error:
                problems += error.problems
    if problems:
        raise DefinitionError(problems=problems)
    ids = [rule.id for rule in rules]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise DefinitionError(f"{collection.name} {record_type}: rule ids used twice: {', '.join(duplicates)}")
    return RulePack(rules, derivations)


def _pack_files(collection, kind, record_type):
    """rules/<record_type>.yaml, or every file in rules/<record_type>/ in name order
    (likewise derived/): a large pack may be split by theme."""
    single = collection.package_dir / kind / f"{record_type}.yaml"
    folder = collection.package_dir / kind / record_type
    return ([single] if single.exists() else []) + sorted(folder.glob("*.yaml"))


def _import_functions(collection):
    """A package registers its rule functions in its `functions` module (or package),
    if it has one."""
    folder = collection.package_dir
    if (folder / "functions.py").exists() or (folder / "functions" / "__init__.py").exists():
        importlib.import_module(f"cldc.collections.{folder.name}.functions")


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


