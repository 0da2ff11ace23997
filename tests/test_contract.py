"""The contract (cldc.platform.contract) is what the code does: the context the gateway
builds is the one documented, every path of a package is built by the registry from
the contract's FILES, and the people's page lists every one of them."""

import datetime as dt
import fnmatch
import inspect
import re
from pathlib import Path

import pytest

from cldc.platform import contract, registry
from cldc.platform.records.gateway import context_for
from cldc.platform.records.models import Record
from cldc.platform.rules import engine, functions

ROOT = Path(__file__).resolve().parent.parent
CODE = ("platform", "api", "admin_ui")
DOCS = ROOT / "docs" / "collection-packages.md"


def test_the_gateway_builds_exactly_the_documented_context():
    definition = registry.get("hclic").definition("case", 2026)
    assert set(context_for(Record(), definition)) == set(contract.CONTEXT) == engine.CONTEXT_NAMES
    assert not set(contract.CONTEXT_SOMETIMES) & set(contract.CONTEXT)


def test_the_engine_gives_index_and_memo_only_where_the_contract_says():
    """`memo` to rule functions during a check, `index` to a repeat family's rule; a
    derived function gets neither."""
    seen = {}

    def spy(kind):
        def fn(answers, context):
            seen[kind] = set(context) - set(contract.CONTEXT)
        return fn

    functions._FUNCTIONS.update({"contract_test.rule": spy("rule"), "contract_test.derived": spy("derived")})
    try:
        rules = engine.build_rules([{"id": "r_{n}", "severity": "hard", "years": "2026", "repeat": "n", "indices": [2, 2],
                                     "function": "contract_test.rule", "fields": ["a"], "message": "m"}], 2026, "test", {})
        derivations = engine.build_derivations([{"id": "d", "years": "2026", "function": "contract_test.derived"}],
                                               2026, "test", {})
        pack = engine.RulePack(rules, derivations)
        context = {"today": dt.date(2026, 9, 1), "version": 2026}
        pack.derive({}, context)
        pack.check({}, context)
    finally:
        del functions._FUNCTIONS["contract_test.rule"], functions._FUNCTIONS["contract_test.derived"]
    assert seen == {"rule": {"index", "memo"}, "derived": set()}


def _platform_sources():
    for folder in CODE:
        yield from (ROOT / folder).rglob("*.py")


def test_only_the_registry_builds_a_path_inside_a_package():
    builders = [f"{path.relative_to(ROOT)}:{number}" for path in _platform_sources()
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"package_dir\s*/|reference_dir\s*/|guidance_dir", line)]
    assert builders == ["platform/registry.py:" + str(_line_of(registry.Collection.file, "package_dir /")),
                        "platform/registry.py:" + str(_line_of(registry.Collection.files, "package_dir /"))]


def _line_of(function, text):
    lines, first = inspect.getsourcelines(function)
    return first + next(i for i, line in enumerate(lines) if text in line)


def test_loading_a_pack_reads_only_files_the_contract_lists(monkeypatch):
    """Every path the registry opens for a definition and its rule pack comes from
    contract.FILES: traced while CORE's lettings are loaded afresh."""
    asked = []
    for method in ("file", "files"):
        real = getattr(registry.Collection, method)
        monkeypatch.setattr(registry.Collection, method,
                            lambda self, kind, _real=real, **parts: asked.append(kind) or _real(self, kind, **parts))
    registry._definition.cache_clear(), registry._rule_pack.cache_clear()
    core = registry.get("core")
    core.rule_pack("lettings", core.versions("lettings")[-1])
    registry._definition.cache_clear(), registry._rule_pack.cache_clear()  # none kept with the spy
    assert set(asked) == {"definition", "bulk_upload_layout", "rules", "rules_split", "derived", "derived_split",
                          "functions", "functions_package", "reference_list"}


def test_every_kind_of_file_is_asked_for_by_the_platform_and_listed_for_people():
    code = "\n".join(path.read_text(encoding="utf-8") for path in _platform_sources())
    asked = set(re.findall(r"\bfiles?\(\s*\"(\w+)\"", code))
    loaded = {"rules", "rules_split", "derived", "derived_split"}  # by kind, in _pack_files (traced above)
    assert asked | loaded == set(contract.FILES)
    page = DOCS.read_text(encoding="utf-8")
    unlisted = [kind for kind, spec in contract.FILES.items() if re.sub(r"\{(\w+)\}", r"<\1>", spec.path) not in page]
    assert unlisted == []


@pytest.mark.parametrize("name, package_dir", [
    ("hclic", ROOT / "collections" / "hclic"),
    ("rough_sleeping", ROOT / "tests" / "packages" / "rough_sleeping"),
    ("visits", ROOT / "tests" / "packages" / "visits"),
])
def test_every_file_of_a_package_is_one_the_contract_lists(name, package_dir):
    patterns = [re.sub(r"\{\w+\}", "*", spec.path) for spec in contract.FILES.values()]
    files = [p.relative_to(package_dir).as_posix() for p in package_dir.rglob("*")
             if p.is_file() and "__pycache__" not in p.parts and p.name != "__init__.py"]
    assert files and [f for f in files if not any(fnmatch.fnmatch(f, p) for p in patterns)] == []
