"""Demo data for `make run`: the services packages declare (Collection.demo_service),
organisations with a parent/child pair and enough similar organisations in one region
for their figures to be compared, one person per role, and records made from each
package's worked example, varied as the package's demo file says, or by the package's
synthetic module. Safe to run again: what exists is kept as it is."""

import json
import os
from datetime import date, time, timedelta

from django.utils.text import slugify
from django_tenants.utils import schema_context

from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations import demo as organisation_demo
from cldc.platform.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationRelationship,
    OrganisationType,
    Region,
    RelationshipKind,
)
from cldc.platform import registry
from cldc.platform.definitions.model import DefinitionError, load_yaml
from cldc.platform.exports import schedule
from cldc.platform.exports.formats import LAYOUT_OF
from cldc.platform.people.models import StaffRole, User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record, Source
from cldc.platform.registers.demo import seed as demo_register_entries
from cldc.platform.cli.totp import DEMO_DEVICE_NAME
from cldc.platform.tenancy.launch import ensure_platform_service, launch_service
from cldc.platform.tenancy.models import Service
from cldc.platform.windows.service import refusal

HELP = "Create the demo services, organisations and people (idempotent)."
PASSWORD = "demo-password-2026"
PORT = int(os.environ.get("CLDC_PORT", "8000"))  # scripts/run's port (a second copy runs on another)


def demo_services():
    """[(name, domain, title)] of the services the demo launches: one for each package
    that declares its demo service (Collection.demo_service), named after it."""
    return [(collection.name, *collection.demo_service)
            for collection in registry.collections().values() if collection.demo_service]


PRP, LA, NORTH_WEST = OrganisationType.PRIVATE_REGISTERED_PROVIDER, OrganisationType.LOCAL_AUTHORITY, Region.NORTH_WEST
ORGANISATIONS = {
    "parent": dict(name="Demo Housing Group", type=PRP, regulator_number="LH0001", region=NORTH_WEST),
    "child": dict(name="Demo Managing Agent", type=PRP, regulator_number="4321", region=NORTH_WEST),
    "council": dict(name="Demo Borough Council", type=LA, ons_code="E06000999", region=NORTH_WEST),
}
# Housing associations of the same type and region as the demo's: with them, each demo
# association's figures are compared with at least five others (playback.figures.PEERS_NEEDED).
PEERS = {
    f"peer{number}": dict(name=name, type=PRP, regulator_number=f"LH09{number:02d}", region=NORTH_WEST)
    for number, name in enumerate(["Irwell Valley Homes", "Mersey Side Housing", "Pennine Edge Housing",
                                   "Ribble Vale Homes", "Fylde Coast Housing", "Lune Valley Housing"], 1)
}

# email, name, staff role, (organisation key, membership role)
PEOPLE = [
    ("coordinator@example.com", "Dana Coordinator", "", ("parent", MembershipRole.DATA_COORDINATOR)),
    ("provider@example.com", "Priya Provider", "", ("child", MembershipRole.DATA_PROVIDER)),
    ("council@example.com", "Cal Council", "", ("council", MembershipRole.DATA_COORDINATOR)),
    ("support@example.com", "Sam Support", StaffRole.SUPPORT, None),
    ("analyst@example.com", "Ali Analyst", StaffRole.ANALYST, None),
    ("content@example.com", "Cara Content", StaffRole.CONTENT_DESIGNER, None),
    ("collections@example.com", "Col Administrator", StaffRole.COLLECTION_ADMIN, None),
]


def demo_organisations():
    """The demo's organisations, {key: Organisation}: made, or found by their code, so that a
    demo made before a name changed (or before organisations had regions) is brought up to date."""
    organisations = {}
    for key, fields in {**ORGANISATIONS, **PEERS}.items():
        code = {name: fields[name] for name in ("regulator_number", "ons_code") if name in fields}
        organisations[key], _ = Organisation.objects.update_or_create(
            **code, defaults={"name": fields["name"]}, create_defaults={**fields, "active_from": date(2020, 4, 1)})
        if not organisations[key].region:
            organisations[key].region = fields["region"]
            organisations[key].save(update_fields=["region"])
    return organisations


RECORDS_EACH = 12  # demo records per organisation, record type and version, unless its demo file says
DEMO_KEYS = {"records", "spread_dates", "answers", "owner_type"}


def demo_plan(collection, record_type, version):
    """What the package's demo file (demo/<record_type>/<version>.yaml) says, checked:
    {"records": n, "spread_dates": [date variables], "answers": {variable: [values]},
    "owner_type": {organisation type: {variable: [values]}}}. Without a file: RECORDS_EACH
    records, the worked example unchanged."""
    plan = {"records": RECORDS_EACH, "spread_dates": [], "answers": {}, "owner_type": {}}
    path = collection.file("demo", record_type=record_type, version=version)
    if not path.exists():
        return plan
    raw = load_yaml(path) or {}
    unknown = set(raw) - DEMO_KEYS
    if unknown:
        raise DefinitionError(f"{path}: unknown keys {', '.join(sorted(unknown))}; "
                              f"the keys are {', '.join(sorted(DEMO_KEYS))}")
    plan.update(raw)
    definition = collection.definition(record_type, version)
    if not isinstance(plan["records"], int) or plan["records"] < 1:
        raise DefinitionError(f"{path}: records: give a whole number of records for each organisation")
    for variable in plan["spread_dates"]:
        if getattr(definition.variables.get(variable), "type", None) != "date":
            raise DefinitionError(f"{path}: spread_dates: {variable!r} is not a date question")
    unknown_types = set(plan["owner_type"]) - set(OrganisationType.values)
    if unknown_types:
        raise DefinitionError(f"{path}: owner_type: {', '.join(sorted(unknown_types))} is not an organisation type; "
                              f"the types are {', '.join(OrganisationType.values)}")
    for where, answers in [("answers", plan["answers"])] + [(f"owner_type: {kind}", given)
                                                            for kind, given in plan["owner_type"].items()]:
        for variable, values in answers.items():
            if variable not in definition.variables:
                raise DefinitionError(f"{path}: {where}: no question {variable!r}")
            if values == []:
                raise DefinitionError(f"{path}: {where}: {variable}: give one or more values")
    return plan


def in_turn(values, number):
    """The number-th of a list of values, from the start again when it runs out; a value
    that is not a list is every record's."""
    return values[number % len(values)] if isinstance(values, list) else values


def demo_records(service, organisations, today=None):
    """Records made from each package's worked example (examples/<record type>/<version>.json,
    the API reference page's body) for each organisation that has none of that record type
    and version yet, owned and managed by it, each with its own reference, through the
    gateway as every channel makes them. The package's demo file varies them: record n of
    the organisation at place p takes the (n + p)-th of each listed answer (a blank one,
    `~`, is left out), and its dates are spread over the collection year up to today.
    Soft checks that fire are confirmed on every other record, as a person would. Returns
    how many were made."""
    today = today or date.today()
    made = 0
    with schema_context(service.schema_name):
        for name in service.collections:
            collection = registry.get(name)
            for record_type in collection.record_types:
                for version in collection.versions(record_type):
                    example = collection.file("example", record_type=record_type, version=version)
                    closed = refusal(Record(collection=name, record_type=record_type, version=version), today)
                    if not example.exists() or closed:  # a year not taking new records gets none
                        continue
                    definition = collection.definition(record_type, version)
                    answers = json.loads(example.read_text(encoding="utf-8"))["answers"]
                    plan = demo_plan(collection, record_type, version)
                    last_day = min(today, definition.valid_to)
                    span = max((last_day - definition.valid_from).days, 0)
                    for place, organisation in enumerate(organisations):
                        if Record.objects.filter(collection=name, record_type=record_type, version=version,
                                                 owning_organisation=organisation).exists():
                            continue
                        member = Membership.objects.filter(organisation=organisation).first()
                        person = member.user if member else None
                        named = {"owning_organisation": organisation.pk, "managing_organisation": organisation.pk,
                                 "assigned_to": person.pk if person else None}
                        varied = {**plan["answers"], **plan["owner_type"].get(organisation.type, {})}
                        for number in range(plan["records"]):
                            given = {**answers, **{variable: in_turn(values, number + place)
                                                   for variable, values in varied.items()}}
                            day = definition.valid_from + timedelta(days=span * number // plan["records"])
                            given.update({variable: day.isoformat() for variable in plan["spread_dates"]})
                            given.update({variable: named[column]
                                          for column, variable in definition.record_fields.items()})
                            if definition.reference_key:
                                given[definition.reference_key[0]] = f"DEMO-{organisation.pk}-{number + 1}"
                            record = Record(collection=name, record_type=record_type, version=version,
                                            owning_organisation=organisation, managing_organisation=organisation,
                                            assigned_to=person, created_by=person)
                            outcome = submit(record, given, Source.API, person, today=today)  # None: blank
                            if outcome.warnings and number % 2:
                                submit(record, {}, Source.API, person, today=today,
                                       confirm=[warning["rule"] for warning in outcome.warnings])
                            made += 1
    return made


def add_arguments(parser):
    pass


def banner_and_resources(service, today=None):
    """A banner on every page, before sign-in too, with a page of its own; and the
    resources released of the year open today (else the latest) and the years before it
    (the demo's own records may be of an earlier year). Lines to print."""
    from cldc.platform.notices.models import Banner
    from cldc.platform.resources.models import Release

    today = today or date.today()
    lines = []
    with schema_context(service.schema_name):
        _, made = Banner.objects.get_or_create(title=DEMO_BANNER, defaults=dict(
            link_text="What is in the demo", page_content=DEMO_BANNER_PAGE, before_sign_in=True,
            starts_on=today - timedelta(days=1), ends_on=today + timedelta(days=365)))
        if made:
            lines.append(f"Added a banner to {service.schema_name} (support change it under Notification banners).")
        for name in service.collections:
            collection = registry.get(name)
            versions = sorted({v for rt in collection.record_types for v in collection.versions(rt)})
            covering = [v for v in versions for rt in collection.record_types
                        if v in collection.versions(rt) and collection.definition(rt, v).covers(today)]
            latest = max(covering or versions[-1:], default=None)
            for version in [v for v in versions if latest is not None and v <= latest]:
                if Release.objects.get_or_create(collection=name, version=version)[1]:
                    lines.append(f"Released the {version} resources of {name} (Collection resources).")
    return lines


DEMO_BANNER = "This is a **demo service**: the organisations, people and records in it are made up."
DEMO_BANNER_PAGE = """Everything in this service is for trying it out.

## Signing in

Every demo person's password is demo-password-2026; staff also need a two-factor code, printed by
python manage.py cldc totp EMAIL.

## What to try

- set up a record, or upload a file made from the template on the Collection resources page
- as support, add a banner of your own and dismiss this one
"""


def nightly_exports(service):
    """Each format the service's packages add, with the layout it is made for (CORE's CDS
    XML), exported every night at midnight as the real service does; once. The names of
    those scheduled now."""
    made = []
    for collection in service.collections:
        registry.get(collection).load_functions()
    for format, layout_id in LAYOUT_OF.items():
        if format.split(".", 1)[0] in service.collections and not schedule.scheduled_for(service).filter(
                name=schedule.name_of(service, format, layout_id)).exists():
            made.append(schedule.save_schedule(service, format, layout_id, time(0, 0), True).name)
    return made


def run(options, out):
    ensure_platform_service()
    services = demo_services()
    for name, domain, title in services:
        if not Service.objects.filter(schema_name=name).exists():
            out.write(f"Launching {title} (about 15 seconds)...")
            launch_service(name, domain, title, [name])

    organisations = demo_organisations()
    OrganisationRelationship.objects.get_or_create(
        parent=organisations["parent"],
        child=organisations["child"],
        kind=RelationshipKind.STOCK_OWNER,
        defaults={"starts_on": date(2024, 4, 1)},
    )

    for email, name, staff_role, membership in PEOPLE:
        person = User.objects.filter(email=email).first()
        if person is None:
            person = User.objects.create_user(email, PASSWORD, name=name, staff_role=staff_role)
        if membership:
            organisation_key, role = membership
            Membership.objects.get_or_create(
                user=person, organisation=organisations[organisation_key], defaults={"role": role, "is_key_contact": True}
            )
        if staff_role and not TOTPDevice.objects.filter(user=person, name=DEMO_DEVICE_NAME).exists():
            TOTPDevice.objects.create(user=person, name=DEMO_DEVICE_NAME, confirmed=True)

    for key in PEERS:  # someone to assign their records to (a record needs its owner's person)
        email = f"provider@{slugify(organisations[key].name)}.example"
        person = User.objects.filter(email=email).first() or User.objects.create_user(
            email, PASSWORD, name=f"{organisations[key].name} provider")
        Membership.objects.get_or_create(user=person, organisation=organisations[key])

    for line in organisation_demo.accept_agreements(organisations.values()):  # records need them (CORE's rules)
        out.write(line)
    for line in organisation_demo.merged_organisation(organisations["parent"], PASSWORD):
        out.write(line)

    for name, _, _ in services:
        service = Service.objects.get(schema_name=name)
        made = demo_records(service, list(organisations.values()))
        if made:
            out.write(f"Made {made} demo records in {name} from its packages' worked examples.")
        for collection in service.collections:
            synthetic = registry.get(collection).synthetic()
            for line in synthetic.demo(service, list(organisations.values())) if synthetic else []:
                out.write(line)
        for line in demo_register_entries(service, organisations):  # CORE's schemes and locations (docs/registers.md)
            out.write(line)
        for scheduled in nightly_exports(service):
            out.write(f"Scheduled {scheduled} at midnight (support changes it under Downloads).")
        for line in banner_and_resources(service):
            out.write(line)

    out.write("")
    out.write("Services:")
    for name, domain, title in services:
        out.write(f"  {title}: http://{domain}:{PORT}/   (admin: http://{domain}:{PORT}/admin/)")
    out.write(f"  All services: http://localhost:{PORT}/")
    out.write("")
    out.write(f"Demo sign-ins (password for all: {PASSWORD}):")
    for email, name, staff_role, membership in PEOPLE:
        role = StaffRole(staff_role).label if staff_role else f"{membership[1].label}, {ORGANISATIONS[membership[0]]['name']}"
        out.write(f"  {email:<26} {role}")
    out.write("Staff need a two-factor code: python manage.py cldc totp EMAIL")
    out.write("Emails (invitations, password resets) are written to var/mail/")
