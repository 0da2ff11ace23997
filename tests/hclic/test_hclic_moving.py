"""An H-CLIC case still open when the year changes moves into 2026/27
(cldc.platform.records.versions): its placement of "any other type" (6), a code 2026/27
splits into 7 and 8, is not carried over, and the move says which codes to choose;
its placements open at any date come from its history, read by the placement block's
own dates (`opens: tastart{n}`, `closes: taend{n}`)."""

import datetime as dt
import html
import re

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from cldc.platform import registry
from cldc.platform.definitions.members import open_members
from cldc.platform.records.gateway import submit
from cldc.platform.records.history import members_open_at
from cldc.platform.records.models import Record, Revision
from cldc.platform.records.versions import move_to_version
from cldc.platform.windows.models import CollectionWindow
from cldc.tests.test_record_nouns import _words

APPLICATION = {"caseref": "HC-0077", "appdate": "2025-05-06", "assessdate": "2025-05-20", "assessoutcome": 2,
               "reason": 10, "accom": 8, "supportneeds": 2, "age1": 34, "sex1": 2, "ethnic1": 1, "ecstat1": 2,
               "hhmembers": 1}
PLACEMENTS = {"taplacements": 2, "tatype1": 6, "taoutside1": 2, "tastart1": "2025-05-06", "taend1": "2025-06-01",
              "tatype2": 4, "taoutside2": 1, "tastart2": "2025-06-01"}
TYPE_6_SPLIT = ("“Any other type of temporary accommodation (including private landlord and not known)” (6) is no "
                "longer an answer to Type of placement 1: choose “Private landlord” (7) or “Any other type of "
                "temporary accommodation or not known” (8).")


@pytest.fixture
def case(hclic_service, make_organisation, make_person):
    council = make_organisation("Movetown Council", type="local_authority")
    officer = make_person("officer@movetown.example", council)
    with schema_context("hclic"):
        record = Record(collection="hclic", record_type="case", version=2025, owning_organisation=council,
                        managing_organisation=council)
        assert submit(record, {**APPLICATION, **PLACEMENTS}, "api", officer, today=dt.date(2025, 7, 1)).errors == []
        Revision.objects.filter(record=record).update(created_at=timezone.make_aware(dt.datetime(2025, 7, 1, 12)))
        yield record, officer


def test_a_2025_case_holding_type_6_moves_to_2026_and_is_told_to_choose_7_or_8(case):
    record, officer = case
    move = move_to_version(record, 2026, officer, "form", today=dt.date(2026, 4, 10))

    assert [(item["field"], item["rule"], item["message"], item["value"]) for item in move.needs_answer] == [
        ("tatype1", "retired_option", TYPE_6_SPLIT, 6)]
    stored = Record.objects.get(pk=record.pk)
    assert stored.version == 2026 and "tatype1" not in stored.answers
    assert stored.answers["tatype2"] == 4 and stored.answers["tastart1"] == "2025-05-06"
    assert "tatype1" in move.outcome.missing and stored.status == "in_progress"
    assert stored.revisions.last().changes["version"] == [2025, 2026]


def test_the_placements_open_at_a_date_as_the_case_stood_then(case):
    record, officer = case
    move_to_version(record, 2026, officer, "form", today=dt.date(2026, 4, 10))
    Revision.objects.filter(record=record, number=2).update(created_at=timezone.make_aware(dt.datetime(2026, 4, 10)))
    submit(record, {"taend2": "2026-05-01"}, "api", officer, today=dt.date(2026, 5, 2))
    definition = registry.get("hclic").definition("case", 2026)

    assert members_open_at(record, "placement", dt.date(2025, 6, 30)) == []  # not recorded until 1 July
    assert open_members(definition, record.answers, "placement", dt.date(2025, 5, 31)) == [1]  # as known now
    assert members_open_at(record, "placement", dt.date(2025, 7, 1)) == [2]  # moved on on 1 June
    assert members_open_at(record, "placement", dt.date(2026, 3, 31)) == [2]  # read by 2025/26's definition
    assert members_open_at(record, "placement", timezone.now()) == []  # placement 2 ended on 1 May 2026


def test_the_move_page_speaks_of_cases(case, client_for):
    record, officer = case
    today = dt.date.today()
    CollectionWindow.objects.filter(collection="hclic", record_type="case", version=2026).update(
        opens_on=min(today, dt.date(2026, 4, 1)), editing_end=max(today + dt.timedelta(days=365), dt.date(2028, 3, 31)))
    client = client_for("hclic", officer)
    pages = [_words(html.unescape(client.get(url).content.decode())) for url in (f"/logs/{record.pk}/",
                                                                                 f"/logs/{record.pk}/move/")]
    assert "Move this case to the 2026 to 2027 collection year" in pages[0]
    assert "Move this case to the 2026 to 2027 collection year</h1>" in pages[1]
    assert "Move this case to 2026 to 2027" in pages[1] and "Back to the case" in pages[1]
    assert "choose “Private landlord” (7) or" in pages[1]
    for page in pages:
        assert not re.search(r"\blogs?\b", page, re.IGNORECASE), re.findall(r"(?s).{60}\blogs?\b.{40}", page, re.I)
