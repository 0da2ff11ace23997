"""Recording access to personal data: one row a request (a download of 100,000 records
is one row with its count), written by the views that show or hand out personal
answers. What is personal is what the package already declares (ADR 0019): its
questions marked `personal: true`, its export layouts' personal columns, and its XML
layout's personal elements (the personal-data file)."""

import getpass
from functools import cache

from cldc.platform import registry
from cldc.platform.audit.models import PersonalDataAccess
from cldc.platform.exports.layouts import layouts
from cldc.platform.organisations import policy

Action, Channel = PersonalDataAccess.Action, PersonalDataAccess.Channel


@cache
def personal_variables(collection, record_type, version):
    """The variables one record type and version declares personal, in any of the
    package's three places."""
    definition = registry.get(collection).definition(record_type, version)
    personal = {v for question in definition.questions.values() if question.personal for v in question.variables}
    for layout in layouts(collection, record_type, version).values():
        personal.update(column.answer for column in layout.columns if column.personal and column.answer)
    from cldc.platform.xmlfiles.layout import xml_layout

    try:
        personal.update(xml_layout(collection, record_type, version).personal_variables)
    except LookupError:  # no XML layout
        pass
    return frozenset(personal)


def personal_answers_shown(record, variables):
    """Whether any of `variables` (those a page shows) is a personal answer the record holds."""
    personal = personal_variables(record.collection, record.record_type, record.version)
    return any(record.answers.get(v) not in (None, "") for v in personal.intersection(variables))


def export_is_personal(selection_columns):
    """Whether an export's columns (a Selection's) include a personal one."""
    return any(column.personal for column in selection_columns)


def record_access(service, channel, action, what, *, person=None, api_client=None, organisation=None,
                  collection="", record_type="", version=None, records=(), count=None, export_run=None, format=""):
    """One row: who (a person, an API key, else the command line's user), the service,
    the channel, what, and which records or export. Never an answer."""
    if api_client is not None:
        who = f"API key “{api_client.name}” ({api_client.prefix})"
        organisation = api_client.organisation or organisation
    elif person is not None:
        who = person.email
        organisation = organisation or policy.own_organisations(person).first()
    else:
        who = f"command line ({getpass.getuser()})"
    records = list(records)
    return PersonalDataAccess.objects.create(
        person=person, who=who[:300], organisation=organisation, service=service.schema_name, channel=channel,
        action=action, what=what[:300], collection=collection, record_type=record_type, version=version,
        records=records, count=len(records) if count is None else count, export_run=export_run, format=format)


def record_page_viewed(request, record, what, variables):
    """A web page that showed `variables` of `record`: recorded when a personal answer was among them."""
    if personal_answers_shown(record, variables):
        record_access(request.tenant, Channel.WEB, Action.RECORD_PAGE, what, person=request.user,
                      organisation=record.owning_organisation, collection=record.collection,
                      record_type=record.record_type, version=record.version, records=[record.pk])


def export_handed_out(service, channel, run, selection_columns, *, person=None, title=""):
    """An export's file handed to someone: recorded when it has a personal column
    (with the xml format, that is also the personal-data file)."""
    if not export_is_personal(selection_columns):
        return None
    what = f"{title or run.layout}, {run.format}"
    if run.format == "xml" and (personal_file := _xml_personal_file(run)) is not None:
        what += f" with the {personal_file.title.lower()} file"
    return record_access(service, channel, Action.EXPORT, what, person=person, collection=run.collection,
                         record_type=run.record_type, version=run.version, count=run.records, export_run=run.pk,
                         format=run.format)


def _xml_personal_file(run):
    from cldc.platform.xmlfiles.layout import xml_layout

    try:
        return xml_layout(run.collection, run.record_type, run.version).personal_file
    except LookupError:
        return None
