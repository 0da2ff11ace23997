"""The layout guard: platform/ and collections/ must never shadow the standard library."""

import importlib
import platform
import tomllib
from pathlib import Path

import cldc

REPO = Path(cldc.__file__).resolve().parent


def test_no_init_in_folders_named_like_stdlib_modules():
    for folder in ("platform", "collections"):
        assert (REPO / folder).is_dir()
        assert not (REPO / folder / "__init__.py").exists(), f"{folder}/__init__.py would shadow the standard library"


def test_stdlib_modules_are_the_real_ones():
    import collections

    assert hasattr(platform, "python_version"), platform.__file__
    assert hasattr(collections, "OrderedDict"), collections.__file__


def test_code_is_imported_under_cldc():
    assert importlib.import_module("cldc.platform.settings").REPO_DIR == REPO
    assert importlib.import_module("cldc.collections.core").COLLECTION.name == "core"


def test_the_stack_is_pinned():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    pins = {req.split("==")[0].split("[")[0].lower(): req for req in project["dependencies"] + project["optional-dependencies"]["test"]}
    for package in (
        "django", "django-tenants", "wagtail", "django-formtools", "djangorestframework", "drf-spectacular",
        "django-guardian", "rapidfuzz", "celery", "psycopg", "crispy-forms-gds", "govuk-frontend-django",
        "pytest-django", "playwright",
    ):
        assert package in pins and "==" in pins[package], f"{package} is not pinned"
    assert pins["django"].startswith("Django==5.2.")
    assert "redis" in pins["celery"]


def test_test_modules_have_unique_names():
    """pytest imports test modules by their file name (the folders have no __init__.py):
    two with one name stop the whole run."""
    names = [path.name for path in (REPO / "tests").rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
