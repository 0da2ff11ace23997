"""Visits 2027/28, for the tests of a record that moves into a new year
(cldc.platform.records.versions) and of repeat members that open and close: a copy of
the test collection in a temporary folder, registered under its own name for one test,
with a version the real package does not have (a second version there would change
every channel test that lists years, windows or columns).

2027 states its differences from 2026 with the platform's own `changes` (no longer
asking what repairs were reported, nor whether a child is in work; splitting a rent
period), and dates
the people of the household: who moved in and out, `opens: movedin{n}`,
`closes: movedout{n}` on the person block."""

import datetime as dt
import shutil

import pytest
import yaml
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.model import apply_changes
from cldc.platform.windows.models import CollectionWindow

NEXT_YEAR = {
    "extends": 2026, "version": 2027, "valid_from": "2027-04-01", "valid_to": "2028-03-31",
    "changes": [
        {"remove_question": "repairsdetail"},
        {"change_question": {"question": "work{n}", "show_if": "age{n} >= 16"}},  # children are not asked
        # "Every 4 weeks" is split: the two ways of paying it are told apart from 2027.
        {"set_options": {"question": "period", "options": [
            [1, "Weekly"], [2, "Every 2 weeks"], [4, "Monthly"], [5, "Every 4 weeks"], [6, "Every 28 days"]],
            "retire": [{"code": 3, "replaced_by": [5, 6]}]}},
        {"add_question": {"after": "work{n}", "question": {
            "id": "movedin{n}", "type": "date", "text": "When did person {n} move in?", "optional": True}}},
        {"add_question": {"after": "movedin{n}", "question": {
            "id": "movedout{n}", "type": "date", "text": "When did person {n} move out?", "optional": True}}},
    ],
}
PERSON_DATES = {"opens": "movedin{n}", "closes": "movedout{n}"}


def write_next_year(package_dir, dates=PERSON_DATES):
    """The 2027 file in a copy of the package: 2026 with NEXT_YEAR's changes, and the
    person block's dates."""
    raw = apply_changes(registry.get("visits").definition("visit", 2026).raw, NEXT_YEAR, "visits 2027")
    block = next(page for section in raw["sections"] for sub in section["subsections"] for page in sub["pages"]
                 if page.get("repeat") == "person")
    block.update(dates)
    (package_dir / "definitions" / "visit" / "2027.yaml").write_text(yaml.safe_dump(raw, sort_keys=False))


def register_next_year(tmp_path, monkeypatch):
    """A copy of the visits package with the 2027 version, registered as `visits` for
    the rest of the test. Returns the copy's Collection."""
    real = registry.get("visits")
    package_dir = tmp_path / "visits"
    shutil.copytree(real.package_dir, package_dir, ignore=shutil.ignore_patterns("__pycache__"))
    write_next_year(package_dir)
    copy = registry.Collection(name=real.name, title=real.title, summary=real.summary, package_dir=package_dir,
                               record_types=real.record_types)
    found = {**registry.collections(), "visits": copy}
    monkeypatch.setattr(registry, "collections", lambda: found)
    return copy


def open_next_year():
    """The 2027 window in the visits service: open from a month ago at the latest
    (pages use today) for the whole of 2027/28, so that records may move into it and be
    made in it."""
    today = dt.date.today()
    with schema_context("visits"):
        return CollectionWindow.objects.create(
            collection="visits", record_type="visit", version=2027,
            opens_on=min(today - dt.timedelta(days=30), dt.date(2027, 4, 1)),
            submission_deadline=max(today + dt.timedelta(days=300), dt.date(2028, 5, 31)),
            new_logs_end=max(today + dt.timedelta(days=330), dt.date(2028, 6, 30)),
            editing_end=max(today + dt.timedelta(days=400), dt.date(2028, 9, 30)))


@pytest.fixture
def visits_2027(tmp_path, monkeypatch, visits_service):
    """The visits collection with a 2027 version, open (open_next_year)."""
    copy = register_next_year(tmp_path, monkeypatch)
    open_next_year()
    return copy
