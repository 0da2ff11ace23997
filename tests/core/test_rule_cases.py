"""Every rule has a case that makes it fire and one that does not.

Cases live in tests/core/rule_cases/<record_type>_*.yaml, in the format (and run by
the runner) of tests/rule_cases.py, which any package's tests use.
"""

from pathlib import Path

import pytest

from cldc.tests.rule_cases import assert_case, lacking_cases, load_cases

CASES_DIR = Path(__file__).parent / "rule_cases"


@pytest.mark.parametrize("record_type, version, rule_id, expectation, answers, context, stored",
                         list(load_cases(CASES_DIR)))
def test_rule_case(record_type, version, rule_id, expectation, answers, context, stored):
    assert_case("core", record_type, version, rule_id, expectation, answers, context, stored)


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_every_running_rule_has_a_case_that_fires_and_one_that_passes(record_type):
    lacking = lacking_cases("core", CASES_DIR, record_type, 2026)
    assert lacking == [], f"rules without a firing and a passing case: {lacking}"
