"""Browser tests commit their data for one run (tests/browser/conftest.py), so two that
make an organisation with the same ONS code clash: the second fails on the database's
unique code. Twice a new browser test reused a code; this finds it before a run does."""

import re
from collections import Counter
from pathlib import Path

BROWSER = Path(__file__).parent / "browser"
# An organisation made with a code: coordinator(email, name, "E0...") or ons_code="E0...".
MADE_WITH = re.compile(r'(?:coordinator\([^)]*?|ons_code=)"(E\d{8})"')


def test_each_browser_test_organisation_has_its_own_ons_code():
    codes = Counter(code for path in BROWSER.glob("test_*.py") for code in MADE_WITH.findall(path.read_text()))
    assert codes, "no organisation found: the pattern no longer matches how browser tests make them"
    assert [code for code, times in codes.items() if times > 1] == []
