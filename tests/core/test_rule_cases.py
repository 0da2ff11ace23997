"""Every rule has a case that makes it fire and one that does not.

Cases live in collections/core/rule_cases/<record_type>_*.yaml, in the format (and run
by the runner) of cldc.platform.rules.cases, as `cldc cases --collection core` runs them.
"""

import pytest

from cldc.platform import registry
from cldc.platform.rules.cases import failure, lacking_cases, load_cases

CORE = registry.get("core")
CASES = load_cases(CORE)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_rule_case(case):
    problem = failure(CORE, case)
    assert problem is None, problem


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_running_rule_has_a_case_that_fires_and_one_that_passes(record_type):
    lacking = lacking_cases(CORE, CASES, record_type, 2026)
    assert lacking == [], f"rules without a firing and a passing case: {lacking}"
