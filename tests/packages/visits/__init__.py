"""Home visits: the platform's own test collection (issue 12). Small on purpose: a
handful of questions, one repeat block, a hard and a soft rule, derived values and a
window, so that the platform's channel tests (web form, bulk upload, API, exports)
exercise every mechanism without depending on CORE. CORE's tests test CORE.

Registered for the whole test run by the COLLECTION_PACKAGES setting
(cldc.tests.packages.visits, see tests/conftest.py) and launched as the test service
on visits.localhost."""

from pathlib import Path

from cldc.platform.registry import Collection

COLLECTION = Collection(
    name="visits",
    title="Home visits",
    summary="A visit to a household: who lives there and the rent they pay.",
    package_dir=Path(__file__).resolve().parent,
    record_types=("visit",),
)
