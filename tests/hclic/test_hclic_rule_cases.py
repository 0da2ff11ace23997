"""Every H-CLIC rule has a case that makes it fire and a near miss that does not
(collections/hclic/rule_cases/case.yaml, run as `cldc cases --collection hclic` runs them)."""

import pytest

from cldc.platform import registry
from cldc.platform.rules.cases import failure, lacking_cases, load_cases

HCLIC = registry.get("hclic")
CASES = load_cases(HCLIC)


@pytest.mark.parametrize("case", [pytest.param(case, id=case.name) for case in CASES])
def test_rule_case(case):
    problem = failure(HCLIC, case)
    assert problem is None, problem


def test_every_running_rule_has_a_case_that_fires_and_one_that_passes():
    # The latest version: every rule of H-CLIC's runs in 2025 and 2026 alike.
    assert lacking_cases(HCLIC, CASES, "case", 2026) == []
