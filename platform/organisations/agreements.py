"""Data sharing agreements: an organisation's data protection officer accepts it once,
and until then no channel creates records for the organisation, nor names it as a
record's organisation, where the collection asks for one. A collection asks with a
rule `pipeline: data_sharing_agreement` whose field is a record field (CORE's
owning_org_data_sharing_agreement); its message is the refusal every channel shows.

    accept(organisation, person)          # or AgreementRefused: only its DPO may
    refusal(record, definition, pack, answers)   # the message, or None (the gateway asks)
"""

from datetime import date

from django.db import transaction

from cldc.platform.organisations.models import DataSharingAgreement, Membership
from cldc.platform.windows.service import WindowClosed


class AgreementNotAccepted(WindowClosed):
    """A record may not be started, or name this organisation, until its agreement is
    accepted. A kind of WindowClosed: every channel already shows that refusal's
    message and stores nothing (a row of a file waits with it). `column`: the record
    column that names the organisation (owning_organisation, managing_organisation)."""

    def __init__(self, message, column=""):
        super().__init__(message)
        self.column = column


class AgreementRefused(ValueError):
    """The person may not accept the agreement for the organisation."""


def data_protection_officers(organisation, on=None):
    """The people who may accept the organisation's agreement: its active members flagged
    as data protection officer."""
    return Membership.objects.active(on or date.today()).filter(
        organisation=organisation, is_data_protection_officer=True, user__is_active=True)


def may_accept(person, organisation):
    return data_protection_officers(organisation).filter(user=person).exists()


@transaction.atomic
def accept(organisation, person, on=None):
    """Record the acceptance, by name and date; once only."""
    if not may_accept(person, organisation):
        raise AgreementRefused(f"Only a data protection officer of {organisation.name} can accept its agreement")
    agreement, _ = DataSharingAgreement.objects.get_or_create(
        organisation=organisation,
        defaults={"accepted_by": person, "accepted_by_name": person.name or person.email,
                  "accepted_on": on or date.today()})
    organisation.save(update_fields=["updated_at"])  # rules read it (organisations.context)
    return agreement


def refusal(record, definition, pack, answers, context):
    """Why this submission may not be stored, as an AgreementNotAccepted to raise: a new
    record, or a change of one of its organisations, naming an organisation without an
    accepted agreement, in the words of the pack's `data_sharing_agreement` rule on that
    field. None when it may."""
    for rule in pack.rules:
        if rule.pipeline != "data_sharing_agreement":
            continue
        column = next((c for c, v in definition.record_fields.items() if v in rule.fields), None)
        if column is None:
            continue
        named = str(answers.get(definition.record_fields[column]) or "").strip()
        organisation_id = int(named) if named.isdecimal() else getattr(record, f"{column}_id")
        if organisation_id is None or (record.pk is not None and organisation_id == getattr(record, f"{column}_id")):
            continue  # nothing named yet, or not changed
        facts = context.get(column) or {}  # the gateway's (organisations.context): no query while judging a file
        if facts.get("id") == str(organisation_id):
            accepted_now = facts["data_sharing_accepted"]
        else:
            accepted_now = DataSharingAgreement.objects.filter(organisation_id=organisation_id).exists()
        if not accepted_now:
            return AgreementNotAccepted(rule.render({}, {}, definition), column)
    return None


def accepted(organisation):
    return DataSharingAgreement.objects.filter(organisation=organisation).exists()

