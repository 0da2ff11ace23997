"""Worked examples for the API reference page. A collection package may keep, beside its
definitions, the body of a create call for a version and, optionally, of a change to it:

    examples/<record_type>/<version>.json          POST /api/v1/records/
    examples/<record_type>/<version>-change.json   PATCH /api/v1/records/{id}/

The page shows the files exactly as they are and offers them for download; the
package's tests send them, so an example that stops working fails there. Example data
is the package's: the platform names no collection, and looks in the packages the
service collects."""

import json
from dataclasses import dataclass
from pathlib import Path

from cldc.platform import registry


@dataclass(frozen=True)
class Example:
    collection: str
    record_type: str
    version: int
    path: Path
    change_path: Path  # the optional change to it

    @property
    def text(self):
        return self.path.read_text(encoding="utf-8")

    @property
    def body(self):
        return json.loads(self.text)

    @property
    def change_text(self):
        return self.change_path.read_text(encoding="utf-8") if self.change_path.exists() else None

    @property
    def filename(self):
        return f"{self.record_type}-{self.version}.json"

    @property
    def change_filename(self):
        return f"{self.record_type}-{self.version}-change.json"


def examples(service):
    """The examples of the service's collections, newest version first."""
    found = []
    for name in service.collections:
        package = registry.get(name)
        for record_type in package.record_types:
            for version in reversed(package.versions(record_type)):
                path = package.file("example", record_type=record_type, version=version)
                if path.exists():
                    found.append(Example(name, record_type, version, path,
                                         package.file("example_change", record_type=record_type, version=version)))
    return found


def find(service, collection, record_type, version):
    return next((e for e in examples(service) if (e.collection, e.record_type, e.version) ==
                 (collection, record_type, version)), None)
