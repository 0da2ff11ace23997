"""CORE lettings' figures (collections/core/figures/lettings/2026.yaml): logs by tenancy
start month, by needs type and by rent type (the four groups CORE derives from the
detailed rent type), and the average weekly basic rent (derived from the rent and its
period), worked out from logs made through the gateway."""

import datetime as dt
import json
from decimal import Decimal

from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.playback.declarations import figures
from cldc.platform.playback.figures import playback
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record


def test_core_lettings_figures_count_by_start_month_needs_type_and_rent_type_and_average_the_weekly_rent(
        core_service, make_organisation, make_person):
    council = make_organisation("Figures Borough Council", type="local_authority", region="north_east")
    person = make_person("figures@council.example", council, role="data_coordinator")
    example = json.loads(registry.get("core").file("example", record_type="lettings", version=2026).read_text())
    # (start date, needs type, detailed rent type, rent, rent period): weekly, then every 2 weeks (26 a year)
    for number, (start, needs, rent_type, rent, period) in enumerate([
            ("2026-04-06", 1, 0, 100, 1), ("2026-05-11", 1, 1, 240, 2), ("2026-05-18", 2, 3, 90, 1)]):
        answers = {**example["answers"], "owning_organisation_id": council.pk, "managing_organisation_id": council.pk,
                   "assigned_to_id": person.pk, "tenancycode": f"FIG-{number}", "startdate": start,
                   "needstype": needs, "rent_type": rent_type, "brent": rent, "period": period}
        with schema_context("core"):
            submit(Record(collection="core", record_type="lettings", version=2026, owning_organisation=council,
                          managing_organisation=council), answers, "api", person, today=dt.date(2026, 6, 1))

    with schema_context("core"):
        result = playback(figures("core", "lettings", 2026), council, person)
    assert {bar.label: bar.count for bar in result.by_month if bar.count} == {"April 2026": 1, "May 2026": 2}
    (needs_title, by_needs), (rent_title, by_rent) = result.breakdowns
    assert (needs_title, [(bar.label, bar.count) for bar in by_needs]) == (
        "Needs type", [("General needs", 2), ("Supported housing", 1)])
    assert (rent_title, [(bar.label, bar.count) for bar in by_rent]) == (
        "Rent type", [("Social rent", 1), ("Affordable rent", 1), ("Intermediate rent", 1),
                      ("Specified accommodation", 0)])
    assert result.comparison.title == "Average weekly basic rent" and result.comparison.prefix == "£"
    assert result.comparison.own == Decimal("103.33")  # (100 + 240 / 2 + 90) / 3, to the penny
