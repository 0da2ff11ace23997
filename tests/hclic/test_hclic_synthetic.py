"""H-CLIC's synthetic cases (collections/hclic/synthetic.py): 200 cases of two local
authorities over the four quarters of 2025/26 go in, quarter by quarter, by three
channels, each for its own pair of authorities: the form's save path (the gateway, source
"form", for every case: the form views for 200 cases over four quarters would take
minutes), the XML files through the importer, and the API's batch (a supplier change
by PATCH first, as a supplier moves a reference). All three give the same records, and
the records are the generator's. One case of each kind is also typed page by page into
the web form's views. Then each quarter's return, read after every quarter is stored,
holds the cases the test works out itself from the generator's timelines, by the triggers as the package states
them in words (collections/hclic/returns/case.yaml), not by the platform's code."""

import dataclasses
import re
import datetime as dt
import types

import pytest
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.collections.hclic import synthetic
from cldc.platform.records import gateway
from cldc.platform.records.models import Record
from cldc.platform.returns.declarations import Period, returns_of
from cldc.platform.returns.membership import members
from cldc.platform.windows import service as windows_service
from cldc.platform.xmlfiles.importer import import_files
from cldc.tests.api.api_helpers import Api

CASES = 200
GENERATED = ("LA-A", "LA-B")
CHANNELS = {"form": ("E06000911", "E06000912"), "xml": ("E06000921", "E06000922"),
            "api": ("E06000931", "E06000932")}


@pytest.fixture(scope="module")
def cases():
    return synthetic.generate(CASES, seed=1, organisations=GENERATED)


def _for(cases, codes):
    """The same cases, of these organisations."""
    rename = dict(zip(GENERATED, codes))
    return [dataclasses.replace(case, organisation=rename[case.organisation]) for case in cases]


@pytest.fixture
def authorities(hclic_service, make_organisation, make_person):
    """{channel: {ONS code: (organisation, its data coordinator)}}."""
    made = {}
    for channel, codes in CHANNELS.items():
        made[channel] = {}
        for code in codes:
            council = make_organisation(f"Synthetic Council {code}", type="local_authority", ons_code=code)
            made[channel][code] = (council, make_person(f"coordinator@{code.lower()}.example", council,
                                                        role="data_coordinator"))
    return made


@pytest.fixture
def on_day(monkeypatch):
    """The API has no `today` to give: for it, the service's day is pinned."""
    def pin(day):
        monkeypatch.setattr(gateway, "dt", types.SimpleNamespace(date=types.SimpleNamespace(today=lambda: day)))
        monkeypatch.setattr(windows_service, "timezone", types.SimpleNamespace(localdate=lambda: day))
    return pin


def _by_form(cases, authorities):
    for quarter in range(1, 5):
        states = synthetic.quarter_states(cases, quarter)
        for code, (council, person) in authorities.items():
            with schema_context("hclic"):
                synthetic.submit_quarter([(c, a) for c, a in states if c.organisation == code], quarter,
                                         {code: council}, person, source="form", dated=True)


def _by_xml(cases, authorities, folder):
    relinked = 0
    for quarter in range(1, 5):
        written = synthetic.write_xml(synthetic.quarter_states(cases, quarter), quarter, folder / f"q{quarter}")
        for code, (council, person) in authorities.items():
            with schema_context("hclic"):
                result = import_files("hclic", "case", synthetic.VERSION, council, person,
                                      main=written[code]["case"].read_bytes(),
                                      personal=written[code]["personal"].read_bytes(),
                                      today=synthetic.QUARTER_ENDS[quarter - 1])
            assert result.stored and not result.warnings, (quarter, code, result.problems[:3], result.warnings[:3])
            relinked += result.relinked
    assert relinked == sum(1 for case in cases if case.reference_changes)  # each supplier change found its case


def _by_api(cases, authorities, on_day):
    apis = {}
    with schema_context("hclic"):
        for code, (council, person) in authorities.items():
            apis[code] = Api(create_client(name="Case system", created_by=person, organisation=council).key, "hclic")
    for quarter in range(1, 5):
        on_day(synthetic.QUARTER_ENDS[quarter - 1])
        states = synthetic.quarter_states(cases, quarter)
        for code, api in apis.items():
            mine = [(case, answers) for case, answers in states if case.organisation == code]
            for case, answers in mine:
                if previous := case.previous_reference_in(quarter):
                    found = api.get(f"records/?reference={previous}").json()["results"]
                    assert len(found) == 1, previous
                    moved = api.patch(f"records/{found[0]['id']}/", {"answers": {"caseref": answers["caseref"]}})
                    assert moved.status_code == 200, moved.content[:500]
            response = api.post("records/batch/", synthetic.api_batch(mine))
            assert response.status_code == 200, response.content[:500]
            body = response.json()
            assert body["counts"]["rejected"] == 0, [r for r in body["results"] if r["errors"]][:2]
            assert all(not r["warnings"] for r in body["results"])


def _stored(codes):
    """{(authority's place, case reference): (status, answers, derived)} of these organisations' cases."""
    with schema_context("hclic"):
        records = Record.objects.filter(collection="hclic", owning_organisation__ons_code__in=codes)
        return {(codes.index(r.owning_organisation.ons_code), r.answers["caseref"]): (r.status, r.answers, r.derived)
                for r in records.select_related("owning_organisation")}


def test_the_synthetic_cases_give_the_same_records_by_the_form_xml_and_the_api(
        cases, authorities, on_day, tmp_path):
    _by_form(_for(cases, CHANNELS["form"]), authorities["form"])
    _by_xml(_for(cases, CHANNELS["xml"]), authorities["xml"], tmp_path)
    _by_api(_for(cases, CHANNELS["api"]), authorities["api"], on_day)

    by_form, by_xml, by_api = (_stored(list(CHANNELS[channel])) for channel in ("form", "xml", "api"))
    expected = {(GENERATED.index(case.organisation), case.final_reference): case.state_at(synthetic.QUARTER_ENDS[-1])
                for case in cases}
    assert len(by_form) == CASES
    assert {key: answers for key, (_, answers, _) in by_form.items()} == expected  # the generator's cases
    assert {status for status, _, _ in by_form.values()} == {"completed"}
    assert by_xml == by_form, _differences(by_xml, by_form)
    assert by_api == by_form, _differences(by_api, by_form)
    derived = [d for _, _, d in by_form.values()]
    assert {d.get("tatype_current") for d in derived} >= {1, 2, 3, 4, 5, 6}  # something derived worth comparing
    assert any(d.get("mddays") for d in derived) and any(d.get("taband2") for d in derived)


def _differences(these, those):
    """The first few cases that differ, and how: (key, part, variable, this, that)."""
    found = []
    for key in sorted(set(these) | set(those)):
        for part, (mine, theirs) in enumerate(zip(these.get(key, (None, {}, {})), those.get(key, (None, {}, {})))):
            if isinstance(mine, dict) and mine != theirs:
                found += [(key, part, name, mine.get(name), theirs.get(name))
                          for name in sorted(set(mine) | set(theirs)) if mine.get(name) != theirs.get(name)]
            elif mine != theirs:
                found.append((key, part, None, mine, theirs))
    return found[:10]


# --- Each quarter's return, worked out here from the generator's timelines -------------------


def _between(day, start, end):
    return day is not None and start <= day <= end


def _belongs(answers, start, end):
    """collections/hclic/returns/case.yaml's triggers, read in words: a duty owed during
    the quarter, a stage reached in it, a placement during it, a closure in it; and not a
    case assessed by the quarter's end as owed no duty that had not been placed by then."""
    day = {name: dt.date.fromisoformat(value) for name, value in answers.items()
           if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-"}
    outcome = answers["assessoutcome"]
    placements = [(day[f"tastart{n}"], day.get(f"taend{n}")) for n in range(1, 6) if f"tastart{n}" in day]
    if outcome in (3, 4, 5) and day["assessdate"] <= end and not any(first <= end for first, _ in placements):
        return False
    relief_owed = day.get("reliefstartdate") or (day["assessdate"] if outcome == 2 else None)
    duty = (outcome == 1 and day["assessdate"] <= end and day.get("preventenddate", end) >= start
            or relief_owed is not None and relief_owed <= end and day.get("reliefenddate", end) >= start
            or answers.get("mainduty") == 1 and day["mddate"] <= end and day.get("mdenddate", end) >= start)
    stage = any(_between(day.get(name), start, end) for name in (
        "appdate", "assessdate", "preventenddate", "reliefstartdate", "reliefenddate", "mddate", "mdenddate"))
    placed = any(first <= end and (last is None or last >= start) for first, last in placements)
    return duty or stage or placed or _between(day.get("closedate"), start, end)


def test_each_quarters_return_holds_the_cases_worked_out_from_the_generators_timelines(cases, authorities):
    mine = _for(cases, CHANNELS["form"])
    _by_form(mine, authorities["form"])
    declared = returns_of("hclic", "case")
    seen = []
    for quarter in range(1, 5):
        period = Period(synthetic.VERSION, quarter)
        for code, (council, person) in authorities["form"].items():
            # Every quarter is read after the last was stored: each case as it stands, by its dates.
            expected = {case.final_reference for case in mine if case.organisation == code
                        and _belongs(case.state_at(synthetic.QUARTER_ENDS[-1]), period.start, period.end)}
            with schema_context("hclic"):
                found = members(declared, council, period, person)
            assert {m.reference for m in found if m.included} == expected, (quarter, code)
            # The same cases as each stood at the quarter's end: a later event leaves an earlier quarter alone.
            assert expected == {case.final_reference for case, answers in synthetic.quarter_states(mine, quarter)
                                if case.organisation == code and _belongs(answers, period.start, period.end)}
            seen.append(len(expected))
    assert min(seen) > 10 and len(set(seen)) > 2  # returns that grow and differ, not a constant


# --- What the generator covers -----------------------------------------------------------


def test_the_cases_cover_every_stage_and_household_size_and_are_the_same_for_a_seed(cases):
    final = [case.state_at(synthetic.QUARTER_ENDS[-1]) for case in cases]

    def seen(name):
        return {answers[name] for answers in final if name in answers}

    assert len(cases) >= 200 and {case.organisation for case in cases} == set(GENERATED)
    assert seen("assessoutcome") == {1, 2, 3, 4, 5} and seen("hhmembers") == set(range(1, 9))
    assert seen("preventend") == set(range(1, 12)) and seen("reliefend") == set(range(1, 12))
    assert seen("mainduty") == {1, 2, 3, 4} and seen("mdend") and seen("reviewoutcome1") and seen("closeassist")
    placements = [(a[f"tastart{n}"], a.get(f"taend{n}"), a.get(f"taoutside{n}")) for a in final for n in range(1, 6)
                  if f"tastart{n}" in a]
    assert any(end for _, end, _ in placements) and any(end is None for _, end, _ in placements)
    assert any(outside == 1 for _, _, outside in placements) and max(seen("taplacements")) >= 2
    old = [a for case, a in zip(cases, final) if case.scenario == "old_case"]
    assert old and all(a["appdate"] < "2025-04-01" and a["tatype2"] == 6 for a in old)  # the type 2026/27 retires
    moved = [case for case in cases if case.reference_changes]
    assert moved and all(case.final_reference == f"SYS2-{old}" for case in moved for _, old in case.reference_changes)
    quarters = [len(synthetic.quarter_states(cases, quarter)) for quarter in range(1, 5)]
    assert quarters == sorted(quarters) and quarters[0] < quarters[-1] == len(cases)  # cases arrive over the year
    again = synthetic.generate(CASES, seed=1, organisations=GENERATED)
    assert [c.events for c in again] == [c.events for c in cases]
    assert [c.events for c in synthetic.generate(CASES, seed=2, organisations=GENERATED)] != [c.events for c in cases]


# --- A handful through the form's pages ------------------------------------------------------


def _page_data(page, answers):
    """What a person types on a page: dates as day, month and year, ticked boxes by name."""
    data = {}
    for question in page.questions:
        if question.type == "checkbox":
            ticked = [name for name in question.variables if answers.get(name) == 1]
            if ticked:
                data[question.id] = ticked
        elif question.id not in answers:
            continue
        elif question.type == "date":
            day = dt.date.fromisoformat(answers[question.id])
            data |= {f"{question.id}_{part}": str(value) for part, value in enumerate((day.day, day.month, day.year))}
        else:
            data[question.id] = str(answers[question.id])
    return data


def test_a_handful_typed_page_by_page_in_the_web_form_give_the_generators_cases(
        cases, hclic_service, make_organisation, make_person, client_for):
    from cldc.platform import registry

    council = make_organisation("Synthetic Council by hand", type="local_authority", ons_code="E06000941")
    officer = make_person("officer@e06000941.example", council, role="data_coordinator")
    client = client_for("hclic", officer)
    definition = registry.get("hclic").definition("case", synthetic.VERSION)
    handful = {case.scenario: case for case in reversed(cases)}  # one of each scenario
    for case in handful.values():
        answers = case.state_at(synthetic.QUARTER_ENDS[-1])
        with schema_context("hclic"):
            record = Record(collection="hclic", record_type="case", version=synthetic.VERSION,
                            owning_organisation=council, managing_organisation=council)
            gateway.submit(record, {"caseref": answers["caseref"]}, "form", officer, today=synthetic.QUARTER_ENDS[-1])
        for page in definition.pages:
            data = _page_data(page, answers)
            if data:
                for _ in range(2):  # a page may ask, once its first answer is saved, for what that reveals
                    with schema_context("hclic"):
                        lock = Record.objects.get(pk=record.pk).lock_version
                    response = client.post(f"/logs/{record.pk}/page/{page.id}/",
                                           {"log_wizard-current_step": page.id, "lock_version": lock, **data})
                    if response.status_code == 302:
                        break
                told = re.findall(r'<a href="#[^"]*">([^<]*)</a>', response.content.decode())  # the error summary
                assert response.status_code == 302, (case.scenario, page.id, data, told)
        with schema_context("hclic"):
            record.refresh_from_db()
        # The same answers as the other channels: a box left unticked beside a ticked one is 0.
        assert (record.status, record.answers) == ("completed", answers), (case.scenario, _differences(
            {0: (record.status, record.answers, {})}, {0: ("completed", answers, {})}))
