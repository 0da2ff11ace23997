"""Demo data for `make run`: two services, organisations with a parent/child pair,
one person per role, and records made from each package's worked example. Safe to run
again: what exists is kept as it is."""

import json
import os
from datetime import date

from django_tenants.utils import schema_context

from django_otp.plugins.otp_totp.models import TOTPDevice

from cldc.platform.organisations.models import (
    Membership,
    MembershipRole,
    Organisation,
    OrganisationRelationship,
    OrganisationType,
    RelationshipKind,
)
from cldc.platform import registry
from cldc.platform.people.models import StaffRole, User
from cldc.platform.records.gateway import submit
from cldc.platform.records.models import Record, Source
from cldc.platform.cli.totp import DEMO_DEVICE_NAME
from cldc.platform.tenancy.launch import ensure_platform_service, launch_service
from cldc.platform.tenancy.models import Service

HELP = "Create the demo services, organisations and people (idempotent)."
PASSWORD = "demo-password-2026"
PORT = int(os.environ.get("CLDC_PORT", "8000"))  # scripts/run's port (a second copy runs on another)

SERVICES = [
    ("core", "core.localhost", "Submit social housing lettings and sales data"),
    ("hclic", "hclic.localhost", "Submit homelessness case data"),
]

ORGANISATIONS = {
    "parent": dict(name="Demo Housing Group", type=OrganisationType.PRIVATE_REGISTERED_PROVIDER, regulator_number="LH0001"),
    "child": dict(name="Demo Lettings Agency", type=OrganisationType.PRIVATE_REGISTERED_PROVIDER, regulator_number="4321"),
    "council": dict(name="Demo Borough Council", type=OrganisationType.LOCAL_AUTHORITY, ons_code="E06000999"),
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


RECORDS_EACH = 12  # demo records per organisation, record type and version with a worked example


def example_records(service, organisations, count):
    """Records made from each package's worked example (examples/<record type>/<version>.json,
    the API reference page's body): `count` for each organisation, each with its own
    reference, owned and managed by it, through the gateway as every channel makes them.
    Only in a service that has no records yet; returns how many were made."""
    made = 0
    with schema_context(service.schema_name):
        if Record.objects.exists():
            return 0
        for name in service.collections:
            collection = registry.get(name)
            for record_type in collection.record_types:
                for version in collection.versions(record_type):
                    example = collection.file("example", record_type=record_type, version=version)
                    if not example.exists():
                        continue
                    definition = collection.definition(record_type, version)
                    answers = json.loads(example.read_text(encoding="utf-8"))["answers"]
                    for organisation in organisations:
                        member = Membership.objects.filter(organisation=organisation).first()
                        person = member.user if member else None
                        named = {"owning_organisation": organisation.pk, "managing_organisation": organisation.pk,
                                 "assigned_to": person.pk if person else None}
                        for number in range(1, count + 1):
                            record = Record(collection=name, record_type=record_type, version=version,
                                            owning_organisation=organisation, managing_organisation=organisation,
                                            assigned_to=person, created_by=person)
                            given = {**answers, **{variable: named[column]
                                                   for column, variable in definition.record_fields.items()}}
                            if definition.reference_key:
                                given[definition.reference_key[0]] = f"DEMO-{organisation.pk}-{number}"
                            submit(record, given, Source.API, person)
                            made += 1
    return made


def add_arguments(parser):
    pass


def run(options, out):
    ensure_platform_service()
    for name, domain, title in SERVICES:
        if not Service.objects.filter(schema_name=name).exists():
            out.write(f"Launching {title} (about 15 seconds)...")
            launch_service(name, domain, title, [name])

    organisations = {}
    for key, fields in ORGANISATIONS.items():
        organisations[key], _ = Organisation.objects.get_or_create(
            name=fields["name"], defaults={**fields, "active_from": date(2020, 4, 1)}
        )
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

    for name, _, _ in SERVICES:
        made = example_records(Service.objects.get(schema_name=name), organisations.values(), RECORDS_EACH)
        if made:
            out.write(f"Made {made} demo records in {name} from its package's worked examples.")

    out.write("")
    out.write("Services:")
    for name, domain, title in SERVICES:
        out.write(f"  {title}: http://{domain}:{PORT}/   (admin: http://{domain}:{PORT}/admin/)")
    out.write(f"  All services: http://localhost:{PORT}/")
    out.write("")
    out.write(f"Demo sign-ins (password for all: {PASSWORD}):")
    for email, name, staff_role, membership in PEOPLE:
        role = StaffRole(staff_role).label if staff_role else f"{membership[1].label}, {ORGANISATIONS[membership[0]]['name']}"
        out.write(f"  {email:<26} {role}")
    out.write("Staff need a two-factor code: python manage.py cldc totp EMAIL")
    out.write("Emails (invitations, password resets) are written to var/mail/")
