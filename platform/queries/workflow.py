"""The steps of a query, each recorded as a QueryEvent with who and when: raise,
answer (a reply), resolve, reopen. A correction is not a step of its own: it is made
through the log's form, recorded in the log's revisions, and shown on the query
(Query.changes_since_raised). Permission checks are the views' (access.py)."""

from django.db import transaction

from cldc.platform.queries import notify
from cldc.platform.queries.models import Query, QueryEvent, Status


@transaction.atomic
def raise_query(request, log, message, question=None):
    """A query on a log (a forms.logs.Log), about one of its questions or the whole log;
    the answer as it stands is kept with it."""
    query = Query(record=log.record, message=message, raised_by=request.user)
    if question is not None:
        query.question = question.id
        query.answer_values = {variable: log.record.answers.get(variable) for variable in question.variables}
        query.answer_text = log.display(question)
    query.save()
    QueryEvent.objects.create(query=query, kind=QueryEvent.Kind.RAISED, by=request.user, at=query.raised_at)
    after_commit(notify.query_raised, request, query)
    return query


@transaction.atomic
def answer(request, query, text):
    QueryEvent.objects.create(query=query, kind=QueryEvent.Kind.REPLIED, by=request.user, text=text)
    set_status(query, Status.ANSWERED)
    after_commit(notify.query_answered, request, query)


@transaction.atomic
def resolve(request, query):
    QueryEvent.objects.create(query=query, kind=QueryEvent.Kind.RESOLVED, by=request.user)
    set_status(query, Status.RESOLVED)


@transaction.atomic
def reopen(request, query, text=""):
    QueryEvent.objects.create(query=query, kind=QueryEvent.Kind.REOPENED, by=request.user, text=text)
    set_status(query, Status.OPEN)


def after_commit(send, request, query):
    """Email once the step is stored, and never undo the step because the email failed
    (robust: the failure is logged): the service, not the mailbox, is the place of record."""
    transaction.on_commit(lambda: send(request, query), robust=True)


def set_status(query, status):
    query.status = status
    query.save(update_fields=["status"])
