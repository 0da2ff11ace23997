"""Finds collection packages without naming them, and loads what they declare.

A collection package is any package under cldc/collections/ (or named in the
COLLECTION_PACKAGES setting) whose __init__.py defines `COLLECTION`. The contract it
meets is cldc.platform.contract; every path of a package is built here, from its FILES.
"""

import csv
import datetime as dt
import importlib
import pkgutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from django.conf import settings

from cldc.platform import contract
from cldc.platform.definitions.model import DefinitionError, build, load_definition, load_yaml
from cldc.platform.rules.engine import RulePack, build_derivations, build_rules, file_entries


@dataclass(frozen=True)
class Collection:
    """What a collection package declares about itself."""

    name: str  # short name, e.g. used in `cldc launch --collection NAME`
    title: str  # the collection's full name
    package_dir: Path  # the package's folder; its files are found relative to it
    summary: str = ""
    record_types: tuple = field(default_factory=tuple)
    # (domain, title) of the service `cldc demo` launches for the collection (named after
    # it); empty: the demo launches none.
    demo_service: tuple = ()
    # The most records one validate-only batch of the collection's may hold, where its
    # suppliers' systems already keep to a validation service's own limit; None: the
    # batch's (CLDC_API_BATCH_MAX). Storing always takes a full batch.
    validate_only_max: int | None = None

    def file(self, kind, **parts):
        """The path of one of the package's files (contract.FILES[kind]), whether it exists or not."""
        return self.package_dir / contract.FILES[kind].path.format(**parts)

    def files(self, kind, **parts):
        """The files that match a pattern of contract.FILES (one with `*`), in name order."""
        folder, _, pattern = contract.FILES[kind].path.format(**parts).rpartition("/")
        return sorted((self.package_dir / folder).glob(pattern))

    @property
    def reference_dir(self):
        """Reference data the package's rule functions read (CSV and the like)."""
        return self.file("reference")

    def versions(self, record_type):
        """The versions of a record type, oldest first: one definition file each."""
        folder = self.file("definition", record_type=record_type, version=0).parent
        return sorted(int(p.stem) for p in folder.glob("*.yaml") if p.stem.isdigit())

    def definition(self, record_type, version):
        return _definition(self, record_type, int(version))

    def rule_pack(self, record_type, version):
        return _rule_pack(self, record_type, int(version))

    def load_functions(self):
        """Import the package's functions module, which registers its rule and derived
        functions and its export formats (imported once; a rule pack loads it too)."""
        _import_functions(self)

    def synthetic(self):
        """The package's synthetic-records module (contract.FILES["synthetic"]), imported,
        or None if it has none."""
        if not self.file("synthetic").exists():
            return None
        return importlib.import_module(f"{_package_modules()[self.name]}.synthetic")

    def version_for(self, record_type, day):
        """The version whose validity covers a date, or None."""
        for version in self.versions(record_type):
            if self.definition(record_type, version).covers(day):
                return version
        return None


def _raw_definition(collection, record_type, version):
    path = collection.file("definition", record_type=record_type, version=version)
    if not path.exists():
        raise LookupError(f"{collection.name} has no {record_type} version {version}")
    layout = collection.file("bulk_upload_layout", record_type=record_type, version=version)
    return load_definition(path, layout), path


@cache
def _definition(collection, record_type, version):
    raw, path = _raw_definition(collection, record_type, version)

    def base_loader(base_version):
        return _definition(collection, record_type, int(base_version)).raw

    definition = build(raw, path, base_loader)
    if (definition.collection, definition.record_type) != (collection.name, record_type):
        raise DefinitionError(f"{path}: says it is {definition.collection} {definition.record_type}")
    offer_reference_lists(collection, definition)
    return definition


def offer_reference_lists(collection, definition):
    """A question that `refers_to` a list the package ships (reference/<name>_<year>.csv,
    columns code and label: the local authorities of a collection year, say; the latest
    year up to the version's) offers that list, before any options of its own: every
    channel then takes a code from it, and people read its label."""
    for question in definition.questions.values():
        name = question.extra.get("refers_to")
        if not name or question.type not in ("radio", "select"):
            continue
        lists = collection.files("reference_list", name=name, year="[0-9][0-9][0-9][0-9]")
        year = max((y for y in (int(p.stem.rpartition("_")[2]) for p in lists) if y <= definition.version), default=None)
        if year is not None:
            with open(collection.file("reference_list", name=name, year=year), encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
            question.options = [(row["code"], row["label"]) for row in rows] + question.options
            question.listed_dates = {row["code"]: (_day(row.get("active_from")), _day(row.get("active_to")))
                                     for row in rows if row.get("active_from") or row.get("active_to")}


def _day(text):
    return dt.date.fromisoformat(text) if text else None


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
    single = collection.file(kind, record_type=record_type)
    return ([single] if single.exists() else []) + collection.files(f"{kind}_split", record_type=record_type)


def _import_functions(collection):
    """A package registers its rule functions in its `functions` module (or package),
    if it has one."""
    module = _package_modules().get(collection.name)
    if module and (collection.file("functions").exists() or collection.file("functions_package").exists()):
        importlib.import_module(f"{module}.functions")


@cache
def _package_modules():
    """{collection name: the module that declares it}: every package below
    contract.PACKAGE_ROOT, and those the COLLECTION_PACKAGES setting names."""
    root = importlib.import_module(contract.PACKAGE_ROOT)
    names = [f"{root.__name__}.{m.name}" for m in pkgutil.iter_modules(root.__path__) if m.ispkg]
    names += getattr(settings, contract.EXTRA_PACKAGES_SETTING, [])
    found = {}
    for name in names:
        declared = getattr(importlib.import_module(name), contract.DECLARATION, None)
        if isinstance(declared, Collection):
            found[declared.name] = name
    return found


@cache
def collections():
    """All collection packages, by name."""
    return {name: getattr(importlib.import_module(module), contract.DECLARATION)
            for name, module in _package_modules().items()}


def collection_names():
    return sorted(collections())


def get(name):
    try:
        return collections()[name]
    except KeyError:
        raise LookupError(f"No collection package called {name!r}; found: {', '.join(collection_names())}") from None


