"""The official 2026/27 bulk-upload templates' data rows, turned into answers by field
number, go through the gateway's checks with no hard errors (and no soft warnings),
and come out completed."""

import csv
import datetime as dt

import pytest

from cldc.platform import registry
from cldc.platform.definitions.field_numbers import answers_from_field_numbers
from cldc.platform.records.gateway import evaluate

SPEC = registry.get("core").reference_dir / "spec"


def template_row(record_type):
    rows = list(csv.reader((SPEC / f"2026_27_{record_type}_bulk_upload.csv").open(encoding="utf-8-sig")))
    numbers = next(r for r in rows if r and r[0].strip().lower().startswith("field number"))
    data = rows[rows.index(numbers) + 1]
    return {int(n): value for n, value in zip(numbers[1:], data[1:]) if n.strip().isdigit()}


@pytest.mark.parametrize("record_type", ["lettings", "sales"])
def test_the_template_data_row_validates_with_no_hard_errors(record_type):
    core = registry.get("core")
    definition, pack = core.definition(record_type, 2026), core.rule_pack(record_type, 2026)
    answers, problems = answers_from_field_numbers(definition, template_row(record_type))
    assert problems == []
    # The template's organisation, ORG1, is a local authority: its referral answers are an LA's.
    context = {"today": dt.date(2026, 9, 1), "version": 2026, "collection_start": definition.valid_from,
               "collection_end": definition.valid_to, "owning_organisation_type": "local_authority",
               "managing_organisation_type": "local_authority"}
    result = evaluate(definition, pack, {}, answers, context, "upload", {})
    assert result.errors == [] and result.rejected == {}
    assert result.warnings == []
    assert result.missing == [] and result.status == "completed"
    assert len(result.answers) > 60 and result.derived  # a real, full record, with derived values
