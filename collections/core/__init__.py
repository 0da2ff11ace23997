"""CORE: social housing lettings and sales logs (England)."""

from pathlib import Path

from cldc.platform.registry import Collection

COLLECTION = Collection(
    name="core",
    title="CORE: social housing lettings and sales",
    summary="A record of every new social housing letting and sale in England.",
    package_dir=Path(__file__).resolve().parent,
    record_types=("lettings", "sales"),
    demo_service=("core.localhost", "Submit social housing lettings and sales data"),
)
