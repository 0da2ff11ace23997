"""The pages that steer an upload build their labels, hints and errors from the
person's file: every one of them renders it as text, never as markup. (The same in a
real browser, on every page, is tests/browser/test_no_script_from_data.py.)"""

import pytest
from crispy_forms.utils import render_crispy_form

from cldc.platform import registry
from cldc.platform.uploads.fixes import ColumnsForm, RowForm, ValuesForm
from cldc.platform.uploads.mappings import ColumnChoice

HEADING = '<img src=x onerror="window.__xss=1">'
CELL = '"><svg onload="window.__xss=1">'
MESSAGE = "No organisation has the reference “<script>window.__xss=1</script>”."


@pytest.fixture(scope="module")
def visit():
    return registry.get("visits").definition("visit", 2026)


def assert_shown_as_text(html):
    assert "&lt;img src=x" in html and "<img src=x" not in html
    assert "<svg" not in html and "<script>window" not in html


def test_the_column_matching_form_shows_a_heading_as_text(visit):
    plan = [ColumnChoice(0, HEADING, None, "unmapped", []), ColumnChoice(1, CELL, None, "unmapped", [])]
    html = render_crispy_form(ColumnsForm(plan=plan, definition=visit))
    assert_shown_as_text(html)
    assert "&quot;&gt;&lt;svg" in html


def test_the_column_matching_error_shows_both_headings_as_text(visit):
    plan = [ColumnChoice(0, HEADING, None, "unmapped", []), ColumnChoice(1, CELL, None, "unmapped", [])]
    form = ColumnsForm({"column_0": "visitref", "column_1": "visitref"}, plan=plan, definition=visit)
    assert not form.is_valid()
    html = render_crispy_form(form)
    assert_shown_as_text(html)
    assert "fill the same answer" in html


def test_the_value_matching_form_shows_a_cell_value_as_text(visit):
    html = render_crispy_form(ValuesForm(wanted=[("period", "x", HEADING, 2), ("work1", "y", CELL, 1)],
                                         definition=visit))
    assert_shown_as_text(html)
    assert "&quot;&gt;&lt;svg" in html


def test_the_row_correction_form_shows_heading_value_and_message_as_text():
    html = render_crispy_form(RowForm(cells={3: (HEADING, CELL, [MESSAGE])}))
    assert_shown_as_text(html)
    assert 'value="&quot;&gt;&lt;svg' in html  # the cell's value, kept inside its attribute
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html
