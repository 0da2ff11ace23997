"""Synthetic H-CLIC cases over the four quarters of 2025/26, for tests and the demo.

    python -m cldc.collections.hclic.synthetic --cases 200 --seed 1 --out DIR

or, imported:

    cases = generate(cases=200, seed=1, organisations=("E06000901", "E06000902"))
    cases[0].state_at(QUARTER_ENDS[0])       # the answers as they stood on 30 June 2025 (None: not yet assessed)
    quarter_states(cases, 2)                 # [(case, answers)] of every case assessed by 30 September 2025

Each case is a timeline of events (assessment, duty ends and decisions, placements that
start and end, reviews, closure), each a set of answers that becomes true on a day; a
quarter's state of a case is every event up to the quarter's end. The cases are written
against definitions/case/2025.yaml, rules/case.yaml and derived/case.yaml: every state
is complete and passes every rule (no hard error, no soft check to confirm), and
tests/hclic/test_hclic_synthetic.py holds them to it through the gateway.

What they cover, in turn (`SCENARIOS`): no duty owed (advice only, some placed in
emergency accommodation), prevention continuing and ended with each reason, prevention
ending in homelessness and the relief duty, relief continuing and ended with each
reason, each main duty decision (an acceptance with its priority need, temporary
accommodation under the main duty and, for some, its end), placements that start, end
and follow one another, some in another district, reviews asked for and decided,
closures with their assistance, households of 1 to 8 people. Two more:

- old cases, opened in 2023 or 2024, whose placement is of type 6 ("Any other type ...
  (including private landlord and not known)"): valid in 2025, retired by 2026/27, so a
  case that holds it keeps it when it moves there. (The codes 2025 itself retires can
  never be a new case's answer in any channel, so no synthetic case holds one.)
- supplier changes: the local authority changed its case-management system during the
  year, and the case's reference changed (`previous_reference_in(quarter)` gives the old
  one in the quarter it changed, as the XML's previous-reference element carries it).

Deterministic by seed: the same arguments give the same cases.
"""

import argparse
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

VERSION = 2025
YEAR_START = dt.date(2025, 4, 1)
QUARTER_ENDS = (dt.date(2025, 6, 30), dt.date(2025, 9, 30), dt.date(2025, 12, 31), dt.date(2026, 3, 31))
ORGANISATIONS = ("E06000901", "E06000902")  # two local authorities' ONS codes (synthetic)

SCENARIOS = ("advice", "prevention_open", "prevention_ended", "prevention_to_relief", "relief_open", "relief_ended",
             "main_duty", "temporary_accommodation", "review", "old_case", "supplier_change")
ADVICE_OUTCOMES = (3, 4, 5)
PREVENTION_ENDS = (1, 2, 4, 5, 6, 7, 8, 9, 10, 11)  # 3 (homeless) is prevention_to_relief
RELIEF_ENDS = tuple(range(1, 12))
MAIN_DUTY_DECISIONS = (1, 2, 3, 4)

# Support needs no rule holds to an age (the others are added where the ages fit).
NEEDS = ("sn_youngparent", "sn_physical", "sn_mentalhealth", "sn_learning", "sn_sexualabuse", "sn_domesticabuse",
         "sn_otherabuse", "sn_drugs", "sn_alcohol", "sn_offending", "sn_repeathomeless", "sn_roughsleeping",
         "sn_asylum", "sn_forces", "sn_education", "sn_modernslavery", "sn_budgeting")
ALL_NEEDS = ("sn_young1617", "sn_young1825", "sn_careleaver1820", "sn_careleaver2124", "sn_careleaver25",
             "sn_oldage") + NEEDS
FIRST_NAMES = ("Ana", "Ben", "Chloe", "Dev", "Ewa", "Femi", "Grace", "Hamza", "Iris", "Jon", "Kemi", "Liam")
SURNAMES = ("Ahmed", "Brown", "Clarke", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones")


@dataclass
class Case:
    """One synthetic case: its local authority, and its events in date order."""

    organisation: str  # the local authority's ONS code
    scenario: str
    events: list = field(default_factory=list)  # [(day, {variable: JSON value})]
    reference_changes: list = field(default_factory=list)  # [(day, old reference)]: a supplier change

    def event(self, day, **answers):
        self.events.append((day, answers))
        self.events.sort(key=lambda pair: pair[0])

    @property
    def opened(self):
        """The day the case is first reported: its initial assessment."""
        return self.events[0][0]

    def state_at(self, day):
        """The case's answers as they stood at the end of `day`, as stored (JSON: dates
        as ISO text, codes as numbers); None before its assessment."""
        if day < self.opened:
            return None
        state = {}
        for when, answers in self.events:
            if when <= day:
                state.update(answers)
        return state

    def previous_reference_in(self, quarter):
        """The reference the case had before a supplier change in quarter 1-4, or None."""
        start = YEAR_START if quarter == 1 else QUARTER_ENDS[quarter - 2] + dt.timedelta(days=1)
        return next((old for day, old in self.reference_changes if start <= day <= QUARTER_ENDS[quarter - 1]), None)

    @property
    def final_reference(self):
        return self.state_at(QUARTER_ENDS[-1])["caseref"]


def quarter_states(cases, quarter):
    """[(case, answers)] for every case assessed by the end of quarter 1-4, as it stood then."""
    end = QUARTER_ENDS[quarter - 1]
    return [(case, case.state_at(end)) for case in cases if case.state_at(end) is not None]


def generate(cases=200, seed=1, organisations=ORGANISATIONS):
    """`cases` cases, shared in turn among the organisations (ONS codes)."""
    made = []
    for i in range(cases):
        organisation = organisations[i % len(organisations)]
        rng = random.Random(f"{seed}:{i}")  # not the organisation's: the same cases for any organisations
        made.append(_case(rng, organisation, i))
    return made


def _day(value):
    return value.isoformat()


def _case(rng, organisation, i):
    scenario = SCENARIOS[i % len(SCENARIOS)]
    turn = i // len(SCENARIOS)  # which reason, decision or outcome this case of its scenario takes
    reference = f"HC{i + 1:05d}"
    case = Case(organisation, scenario)
    if scenario == "old_case":
        assessed = dt.date(2023, 6, 1) + dt.timedelta(days=rng.randrange(0, 600))
    else:
        assessed = YEAR_START + dt.timedelta(days=rng.randrange(0, 350))
    # applied in the quarter it was assessed in: a case is first sent once assessed
    applied = max(assessed - dt.timedelta(days=rng.randrange(0, 10)), _quarter_start(assessed))
    hhmembers = 1 + i % 8
    outcome = {"advice": ADVICE_OUTCOMES[turn % 3]}.get(scenario)
    outcome = outcome or (1 if scenario.startswith("prevention") else 2)
    reason = rng.choice([r for r in range(1, 29) if r != 11])  # 11 (a partner left) would question a partner
    answers = {"caseref": reference, "appdate": _day(applied), "assessdate": _day(assessed), "assessoutcome": outcome,
               "referred": rng.randint(1, 4), "taplacements": 0}
    if answers["referred"] == 1:
        answers["referralagency"] = rng.randint(1, 12)
    if outcome == 1:
        answers["s21notice"] = rng.randint(1, 2)
    answers |= _household(rng, applied, hhmembers, in_circumstances=outcome in (1, 2))
    if outcome in (1, 2):
        answers |= {"reason": reason, "accom": rng.randint(1, 20), "eligibility": rng.randint(1, 12)}
        if reason == 1:
            answers["arrearsreason"] = rng.randint(1, 5)
        answers |= _support_needs(rng, answers)
    case.event(assessed, **answers)
    _story(rng, case, scenario, turn, assessed)
    if scenario == "supplier_change":
        # after the quarter the case was first sent in, so that its old reference was sent
        first_sent = next((end for end in QUARTER_ENDS if end >= assessed), QUARTER_ENDS[-1])
        changed = first_sent + dt.timedelta(days=rng.randrange(10, 80))
        if changed <= QUARTER_ENDS[-1]:
            case.event(changed, caseref=f"SYS2-{reference}")
            case.reference_changes.append((changed, reference))
    return case


def _quarter_start(day):
    return dt.date(day.year, (day.month - 1) // 3 * 3 + 1, 1)


def _household(rng, applied, hhmembers, in_circumstances):
    age1 = rng.randint(16, 75)
    if hhmembers > 1 and age1 < 18:
        age1 = rng.randint(18, 75)
    born = applied.replace(year=applied.year - age1) - dt.timedelta(days=rng.randrange(1, 360))
    answers = {"firstname1": rng.choice(FIRST_NAMES), "surname1": rng.choice(SURNAMES), "dob1": _day(born),
               "age1": age1, "hhmembers": hhmembers, **_person(rng, 1, age1)}
    if rng.random() < 0.5:
        answers["nino1"] = f"QQ{rng.randrange(10**6):06d}C"
    partnered = False
    for n in range(2, hhmembers + 1):
        if not partnered and age1 >= 18 and rng.random() < 0.6:
            relat, age, partnered = 1, max(16, age1 + rng.randint(-8, 8)), True
        elif age1 >= 28:
            relat, age = 2, rng.randint(0, min(17, age1 - 12))
        else:
            relat, age = 3, rng.randint(0, 70)
        answers |= {f"relat{n}": relat, f"age{n}": age, **_person(rng, n, age)}
    return answers


def _person(rng, n, age):
    answers = {f"sex{n}": rng.randint(1, 3), f"ethnic{n}": rng.randint(1, 19), f"nationality{n}": rng.randint(1, 6)}
    if n == 1 or age >= 16:
        answers |= {f"ecstat{n}": rng.randint(1, 12), f"sexid{n}": rng.randint(1, 6),
                    f"genderid{n}": rng.randint(1, 3)}
    return answers


def _support_needs(rng, answers):
    supportneeds = rng.choice((1, 1, 2, 3))
    if supportneeds != 1:
        return {"supportneeds": supportneeds}
    chosen = set(rng.sample(NEEDS, rng.randint(1, 3)))
    age1 = answers["age1"]
    ages = [answers[f"age{n}"] for n in range(1, answers["hhmembers"] + 1)]
    if age1 <= 17:
        chosen.add("sn_young1617")
    elif age1 <= 25 and rng.random() < 0.5:
        chosen.add("sn_young1825")
    if any(18 <= age <= 20 for age in ages) and rng.random() < 0.3:
        chosen.add("sn_careleaver1820")
    if any(age >= 60 for age in ages) and rng.random() < 0.5:
        chosen.add("sn_oldage")
    return {"supportneeds": 1, **{need: int(need in chosen) for need in ALL_NEEDS}}


def _later(rng, day, low, high):
    return day + dt.timedelta(days=rng.randint(low, high))


def _placement(rng, case, n, start, duty, kind=None):
    """Placement n starts on `start`; a third in another district."""
    answers = {"taplacements": n, f"tatype{n}": kind or rng.randint(1, 6), f"taduty{n}": duty,
               f"tastart{n}": _day(start), f"taoutside{n}": 2}
    if rng.random() < 0.33:
        answers |= {f"taoutside{n}": 1, f"taregion{n}": rng.randint(1, 9)}
    case.event(start, **answers)


def _close(rng, case, day, assistance):
    case.event(day, closedate=_day(day), closeassist=assistance)


def _story(rng, case, scenario, turn, assessed):
    """The events after the assessment: each scenario's path through the duties."""
    if scenario == "advice":
        if turn % 3 == 0:  # placed under the emergency power while enquiries went on
            start = _later(rng, assessed, 0, 5)
            _placement(rng, case, 1, start, duty=3)
            end = _later(rng, start, 3, 40)
            case.event(end, taend1=_day(end))
            _close(rng, case, _later(rng, end, 1, 20), 3)
        elif turn % 3 == 1:
            _close(rng, case, _later(rng, assessed, 1, 30), rng.choice((3, 4)))
    elif scenario == "prevention_ended":
        end = _later(rng, assessed, 20, 80)
        reason = PREVENTION_ENDS[turn % len(PREVENTION_ENDS)]
        answers = {"preventend": reason, "preventenddate": _day(end)}
        if reason in (1, 2):
            answers |= {"prevaccom": rng.randint(1, 11), "prevactivity": rng.randint(1, 10)}
        case.event(end, **answers)
        if turn % 2:
            _close(rng, case, _later(rng, end, 1, 30), 1 if reason in (1, 2) else rng.choice((4, 5, 6)))
    elif scenario == "prevention_to_relief":
        end = _later(rng, assessed, 15, 56)
        case.event(end, preventend=3, preventenddate=_day(end), reliefstartdate=_day(end))
        if turn % 2:
            relief_end = _later(rng, end, 30, 60)
            case.event(relief_end, reliefend=1, reliefenddate=_day(relief_end), reliefaccom=rng.randint(1, 11),
                       reliefactivity=rng.randint(1, 6))
    elif scenario == "relief_ended":
        end = _later(rng, assessed, 20, 60)
        reason = RELIEF_ENDS[turn % len(RELIEF_ENDS)]
        answers = {"reliefend": reason, "reliefenddate": _day(end)}
        if reason == 1:
            answers |= {"reliefaccom": rng.randint(1, 11), "reliefactivity": rng.randint(1, 6)}
        case.event(end, **answers)
        if turn % 2:
            _close(rng, case, _later(rng, end, 1, 30), 1 if reason == 1 else rng.choice((2, 4, 5, 6)))
    elif scenario in ("main_duty", "temporary_accommodation", "review", "old_case", "supplier_change"):
        _main_duty_story(rng, case, scenario, turn, assessed)


def _main_duty_story(rng, case, scenario, turn, assessed):
    """Relief with an interim placement, then the main duty decision: an acceptance moves
    the household to a placement under section 193, which may end with the duty."""
    placed = scenario in ("temporary_accommodation", "old_case") or turn % 2 == 0
    kind = 6 if scenario == "old_case" else None  # the type 2026/27 retires
    start = _later(rng, assessed, 0, 7)
    if placed:
        _placement(rng, case, 1, start, duty=2, kind=kind)
    relief_end = _later(rng, assessed, 56, 70)
    case.event(relief_end, reliefend=2, reliefenddate=_day(relief_end))
    decision = 1 if scenario in ("temporary_accommodation", "old_case") else \
        MAIN_DUTY_DECISIONS[turn % len(MAIN_DUTY_DECISIONS)]
    decided = _later(rng, relief_end, 1, 30)
    answers = {"mainduty": decision, "mddate": _day(decided)}
    if decision in (1, 2):
        answers["priorityneed"] = rng.randint(1, 9)
    case.event(decided, **answers)
    n = 1
    if decision == 1:
        moved = _later(rng, decided, 5, 60)
        if placed:
            case.event(moved, taend1=_day(moved))
            n = 2
        _placement(rng, case, n, moved, duty=1, kind=kind)
        if scenario != "old_case" and turn % 2:
            ended = _later(rng, moved, 30, 120)
            case.event(ended, **{f"taend{n}": _day(ended), "mdend": rng.choice((1, 3)), "mdenddate": _day(ended)})
            _close(rng, case, _later(rng, ended, 1, 14), 1)
    elif placed:
        left = _later(rng, decided, 1, 28)
        case.event(left, taend1=_day(left))
    if scenario == "review" or (scenario == "main_duty" and decision != 1):
        asked = _later(rng, decided, 1, 21)
        case.event(asked, reviewcount=1, reviewdecision1=5, reviewreqdate1=_day(asked))
        if turn % 2 == 0:
            decided_on = _later(rng, asked, 14, 56)
            case.event(decided_on, reviewoutcome1=rng.randint(1, 3), reviewdate1=_day(decided_on))


# --- Into a service ---------------------------------------------------------------------------


def submit_quarter(states, quarter, organisations, user, source="form", dated=False):
    """Send [(case, answers)] of quarter 1-4 through the gateway, as a person or system
    does each quarter: each case found by its reference (or, after a supplier change, by
    its previous one) among the records `user` may change, else created. `organisations`:
    {ONS code: Organisation}. `dated`: each change dated at the quarter's end, as if sent
    then (history.state_at reads a record's past from its revisions' times): the demo's
    history. Run in the service's schema. Returns the records, in the order given."""
    from django.utils import timezone

    from cldc.platform.records.gateway import submit
    from cldc.platform.records.models import Record, Revision

    end = QUARTER_ENDS[quarter - 1]
    noon = timezone.make_aware(dt.datetime.combine(end, dt.time(12)))
    stored = {(record.owning_organisation_id, record.provider_reference): record
              for record in Record.objects.changeable_by(user).filter(
                  collection="hclic", record_type="case", owning_organisation__in=list(organisations.values()))}
    records = []
    for case, answers in states:
        organisation = organisations[case.organisation]
        previous = case.previous_reference_in(quarter) or answers["caseref"]
        record = (stored.get((organisation.pk, answers["caseref"].lower()))
                  or stored.get((organisation.pk, previous.lower()))
                  or Record(collection="hclic", record_type="case", version=VERSION, owning_organisation=organisation,
                            managing_organisation=organisation, assigned_to=user))
        outcome = submit(record, answers, source, user, today=end)
        if outcome.errors or outcome.warnings or outcome.rejected:
            raise ValueError(f"Synthetic case {answers['caseref']} in quarter {quarter}: "
                             f"{outcome.errors or outcome.warnings or outcome.rejected}")
        if dated and outcome.changes:
            Revision.objects.filter(record=record, number=record.revisions.count()).update(created_at=noon)
            Record.objects.filter(pk=record.pk).update(updated_at=noon, **({"created_at": noon} if outcome.created
                                                                           else {}))
        stored[(organisation.pk, record.provider_reference)] = record
        records.append(record)
    return records


DEMO_CASES = 40  # a local authority's cases in the demo: every scenario, and `cldc demo` stays quick


def demo(service, organisations, today=None):
    """`cldc demo`: for each local authority among the demo's organisations that has a
    data coordinator and no cases yet, DEMO_CASES synthetic cases, sent through the
    gateway as each quarter of 2025/26 left them (dated at the quarter's end), its
    returns for the first three quarters submitted and signed off by its data
    coordinator, the fourth left open; and the fourth quarter's two XML files written to
    var/demo/hclic/<ONS code>/, for the coordinator to upload (the quarter sent again, as
    a case-management system re-sends every open case). Lines for the demo to print."""
    from django.conf import settings
    from django_tenants.utils import schema_context

    from cldc.platform.organisations.models import Membership, MembershipRole, OrganisationType
    from cldc.platform.records.models import Record
    from cldc.platform.returns import workflow
    from cldc.platform.returns.declarations import Period, returns_of

    lines = []
    with schema_context(service.schema_name):
        for organisation in organisations:
            coordinator = Membership.objects.filter(organisation=organisation,
                                                    role=MembershipRole.DATA_COORDINATOR).first()
            if (organisation.type != OrganisationType.LOCAL_AUTHORITY or not organisation.ons_code
                    or coordinator is None):
                continue
            person = coordinator.user
            if Record.objects.visible_to(person).filter(collection="hclic", owning_organisation=organisation).exists():
                continue
            cases = generate(DEMO_CASES, seed=organisation.pk, organisations=(organisation.ons_code,))
            declared = returns_of("hclic", "case")
            for quarter in range(1, 5):
                submit_quarter(quarter_states(cases, quarter), quarter, {organisation.ons_code: organisation}, person,
                               source="api", dated=True)
            for quarter in range(1, 4):
                workflow.submit(declared, organisation, Period(VERSION, quarter), person, today=today)
                workflow.sign_off(declared, organisation, Period(VERSION, quarter), person)
            folder = Path(settings.VAR_DIR) / "demo" / "hclic"
            files = write_xml(quarter_states(cases, 4), 4, folder)[organisation.ons_code]
            lines += [f"Made {len(cases)} H-CLIC cases for {organisation.name} over 2025 to 2026; its returns for "
                      f"April to December 2025 are signed off, January to March 2026 is open.",
                      "  Its January to March 2026 files to upload at /xml/: "
                      + ", ".join(str(path) for path in files.values())]
    return lines


# --- Writing them out ------------------------------------------------------------------------


def api_batch(states, version=VERSION):
    """The submission API's batch body (POST /api/v1/records/batch/) of [(case, answers)]:
    an upsert on the case reference, as a supplier sends a quarter."""
    return {"records": [{"record_type": "case", "version": version, "organisation": case.organisation,
                         "answers": answers} for case, answers in states]}


def write_xml(states, quarter, folder, version=VERSION):
    """The package's two XML files (xml/case/<version>.yaml) of [(case, answers)] in
    quarter 1-4, one pair per local authority: {ONS code: {file id: path}}. A case whose
    reference changed in the quarter gives its previous reference. Needs Django set up."""
    from cldc.platform.xmlfiles.layout import xml_layout
    from cldc.platform.xmlfiles.writer import file_name, record_xml

    layout = xml_layout("hclic", "case", version)
    written = {}
    for organisation in sorted({case.organisation for case, _ in states}):
        place = Path(folder) / organisation
        place.mkdir(parents=True, exist_ok=True)
        written[organisation] = {}
        for xml_file in layout.files:
            path = place / file_name(layout, xml_file)
            with path.open("w", encoding="utf-8") as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<{xml_file.root}>\n')
                for case, answers in states:
                    if case.organisation == organisation:
                        out.write(record_xml(layout, xml_file, answers, organisation,
                                             previous=case.previous_reference_in(quarter)))
                out.write(f"</{xml_file.root}>\n")
            written[organisation][xml_file.id] = path
    return written


def write_all(cases, out):
    """Each quarter's XML files and API batch bodies under out/2025-q<n>/<ONS code>/."""
    for quarter in range(1, 5):
        states = quarter_states(cases, quarter)
        folder = Path(out) / f"{VERSION}-q{quarter}"
        write_xml(states, quarter, folder)
        for organisation in sorted({case.organisation for case, _ in states}):
            body = api_batch([(case, answers) for case, answers in states if case.organisation == organisation])
            (folder / organisation / "api-batch.json").write_text(json.dumps(body, indent=1), encoding="utf-8")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", required=True, help="the folder to write each quarter's files in")
    args = parser.parse_args(argv)
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cldc.platform.settings")
    django.setup()
    cases = generate(args.cases, args.seed)
    write_all(cases, args.out)
    print(f"Wrote {len(cases)} cases over 4 quarters of {VERSION}/{(VERSION + 1) % 100} to {args.out}")


if __name__ == "__main__":
    main()
