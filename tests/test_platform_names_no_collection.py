"""The grep guard: the platform (platform/, api/, admin_ui/, themes/) never names a
collection or a collection's fields. H-CLIC and CORE are packages; a name of theirs in
platform code means the platform knows one of them. Checked in .py and .html files
(migrations excluded: they record models as they were): the collections' names,
"lettings", and every variable id of their definitions longer than 4 characters (every
version), each as a whole word. Shorter ids (age1, sex1, rent) are too like ordinary
words to tell apart."""

import re
from pathlib import Path

import pytest

from cldc.platform import registry

ROOT = Path(__file__).resolve().parent.parent
PLATFORM = ("platform", "api", "admin_ui", "themes")
NAMED = ("hclic", "h-clic", "lettings")
WATCHED = ("hclic", "core")  # the collections whose fields the platform must not name

# Variable ids of a package that are also the platform's own words: ordinary English, the
# platform's app for services (platform/tenancy/), and the record's own columns, which a
# definition's organisation and assignee questions answer.
PLATFORM_WORDS = {"value", "period", "reason", "declaration", "grant", "disabled", "tenancy",
                  "owning_organisation_id", "managing_organisation_id", "assigned_to_id"}
# Names that stay for now, each with why; the test fails once one is gone, so the list shrinks.
KNOWN = {
    ("platform/guidance/models.py", "brent"):
        "a field's help text ('for example brent'): changing it needs a migration of the guidance app",
}


def field_names():
    """Every variable id longer than 4 characters of the watched collections' definitions."""
    names = set()
    for name in WATCHED:
        collection = registry.get(name)
        for record_type in collection.record_types:
            for version in collection.versions(record_type):
                names |= {v for v in collection.definition(record_type, version).variables if len(v) > 4}
    return names


def names_in(root, names):
    """[(file, line number, name)] of each name in the platform's .py and .html files under root."""
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?![\w-])", re.IGNORECASE)
    found = []
    for folder in PLATFORM:
        for path in sorted((root / folder).rglob("*")):
            if path.suffix not in (".py", ".html") or "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                found += [(path.relative_to(root).as_posix(), number, match.group(1).lower())
                          for match in pattern.finditer(line)]
    return found


@pytest.fixture(scope="module")
def watched():
    return (field_names() - PLATFORM_WORDS) | set(NAMED)


def test_the_platform_never_names_a_collection_or_its_fields(watched):
    found = [hit for hit in names_in(ROOT, watched) if (hit[0], hit[2]) not in KNOWN]
    assert found == []


def test_the_exceptions_are_still_needed_and_are_fields(watched):
    assert {(path, name) for path, _, name in names_in(ROOT, watched)} >= set(KNOWN)
    assert PLATFORM_WORDS <= field_names()  # a word no package uses any more is no exception


def test_a_name_planted_in_platform_code_is_found(watched, tmp_path):
    for folder in PLATFORM:
        (tmp_path / folder).mkdir()
    (tmp_path / "platform" / "planted.py").write_text('if answers.get("assessdate"):  # H-CLIC\n    pass\n')
    (tmp_path / "themes" / "planted.html").write_text("<p>{{ record.answers.needstype }} of your lettings</p>\n")
    (tmp_path / "api" / "migrations").mkdir()
    (tmp_path / "api" / "migrations" / "0001_planted.py").write_text("hclic = 1\n")  # migrations are history
    (tmp_path / "admin_ui" / "words.py").write_text("period = reason = value = 1  # the platform's own words\n")
    assert names_in(tmp_path, watched) == [
        ("platform/planted.py", 1, "assessdate"), ("platform/planted.py", 1, "h-clic"),
        ("themes/planted.html", 1, "needstype"), ("themes/planted.html", 1, "lettings")]
