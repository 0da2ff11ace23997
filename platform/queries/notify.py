"""Emails about queries, through Django's mail backend (in the demo, files in var/mail/).
An email says that there is something to read and links to it; it never carries the
query's words or any answer, which may be personal: the service is the place of record."""

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db.models import Q
from django.urls import reverse
from guardian.shortcuts import get_users_with_perms

from cldc.platform.people.models import User
from cldc.platform.records.models import SHARE_PERMISSION, Record
from cldc.platform.records.references import assignable_people
from cldc.themes.context_processors import theme_for


def people_to_answer(query):
    """Whom a new query is for: the people of the log's own organisations (its owner and
    manager) and those it is shared with, who may change it (Record.changeable_by); not
    staff, and not the person who raised it. A parent organisation's people may change
    the log too, but the query is for those who made it."""
    record = query.record
    organisations = [o for o in (record.owning_organisation, record.managing_organisation) if o is not None]
    shared = get_users_with_perms(record, only_with_perms_in=[SHARE_PERMISSION])
    candidates = User.objects.filter(Q(pk__in=assignable_people(organisations).values("pk")) | Q(pk__in=shared.values("pk")),
                                     is_active=True, staff_role="").exclude(pk=query.raised_by_id)
    return [person for person in candidates.order_by("email")
            if Record.objects.changeable_by(person).filter(pk=record.pk).exists()]


def query_raised(request, query):
    noun = request.tenant.noun
    subject = f"A query about {noun} {query.record_id}"
    body = (f"{query.raised_by.name or 'Someone'} has raised a query about {noun} {query.record_id} "
            f"of {query.record.owning_organisation.name if query.record.owning_organisation else 'your organisation'}.\n\n"
            f"Read and answer it in {service_name(request)}:\n{link(request, query)}\n")
    send(subject, body, people_to_answer(query))


def query_answered(request, query):
    noun, by = request.tenant.noun, request.user
    subject = f"Your query about {noun} {query.record_id} has been answered"
    body = (f"{by.name or 'Someone'} has answered your query about {noun} {query.record_id}.\n\n"
            f"Read the answer, then resolve or reopen the query, in {service_name(request)}:\n{link(request, query)}\n")
    send(subject, body, [query.raised_by] if query.raised_by.is_active and query.raised_by != by else [])


def service_name(request):
    return theme_for(request).service_name  # as the service's pages name it, white-label too


def link(request, query):
    return request.build_absolute_uri(reverse("query-detail", kwargs={"pk": query.pk}))


def send(subject, body, people):
    """One email to each person: no one sees whom else it went to."""
    send_mass_mail([(subject, body + SIGN_OFF, settings.DEFAULT_FROM_EMAIL, [person.email]) for person in people])


SIGN_OFF = "\nThis email does not include the query or any answers: read them in the service.\n"
