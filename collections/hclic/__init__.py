"""H-CLIC: homelessness case level information collection."""

from pathlib import Path

from cldc.platform.registry import Collection

COLLECTION = Collection(
    name="hclic",
    title="H-CLIC: homelessness case level information",
    summary="Homelessness cases, followed from assessment to the end of the duty.",
    package_dir=Path(__file__).resolve().parent,
    record_types=("case",),
    demo_service=("hclic.localhost", "Submit homelessness case data"),
    validate_only_max=50,  # as the department's H-CLIC validation takes from suppliers today
)
