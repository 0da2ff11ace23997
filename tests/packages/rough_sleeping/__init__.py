"""Rough sleeping snapshot: an example package, written from docs/collection-packages.md
alone (issue 12). Registered by the COLLECTION_PACKAGES setting, as
cldc.tests.packages.rough_sleeping; tests/test_example_package.py runs it."""

from pathlib import Path

from cldc.platform.registry import Collection

COLLECTION = Collection(
    name="rough_sleeping",
    title="Rough sleeping snapshot",
    summary="How many people each local authority saw sleeping rough on one night.",
    package_dir=Path(__file__).resolve().parent,
    record_types=("snapshot",),
)
