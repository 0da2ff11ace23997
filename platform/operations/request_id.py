"""One id per request, in every log line it causes, in the Celery tasks it queues and
in the log lines of those tasks. A caller (a load balancer, an API client) may send its
own in X-Request-ID; one that is not a short plain token is replaced, so that a header
cannot smuggle text into the logs."""

import contextvars
import logging
import re
import uuid

from celery import signals
from django.core.signals import request_finished

HEADER = "X-Request-ID"
TASK_HEADER = "request_id"  # on the task message; the worker reads it as task.request.request_id
ACCEPTED = re.compile(r"[A-Za-z0-9._\-]{8,64}")

current = contextvars.ContextVar("request_id", default=None)


def new_id():
    return uuid.uuid4().hex


def accepted_or_new(value):
    return value if value and ACCEPTED.fullmatch(value) else new_id()


class RequestIdMiddleware:
    """First in MIDDLEWARE: every later middleware's log lines carry the id too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = accepted_or_new(request.headers.get(HEADER))
        # Not reset on the way out: Django logs the response's status after the
        # middleware has returned. request_finished clears it (forget_after_request).
        current.set(request.request_id)
        response = self.get_response(request)
        response[HEADER] = request.request_id
        return response


def forget_after_request(**_):
    current.set(None)


class RequestIdFilter(logging.Filter):
    """On every handler: the record says which request (or task) it came from."""

    def filter(self, record):
        record.request_id = current.get()
        return True


def add_to_task_headers(headers=None, **_):
    request_id = current.get()
    if request_id and headers is not None:
        headers[TASK_HEADER] = request_id


_tokens = {}


def set_from_task(task_id=None, task=None, **_):
    """In the worker: the id of the request that queued the task, or the one already set
    (an eager task runs inside its request), or a new one (beat's tasks)."""
    request_id = getattr(task.request, TASK_HEADER, None) or current.get() or new_id()
    _tokens[task_id] = current.set(accepted_or_new(request_id))


def reset_after_task(task_id=None, **_):
    token = _tokens.pop(task_id, None)
    if token is not None:
        current.reset(token)


def connect_signals():
    request_finished.connect(forget_after_request, weak=False, dispatch_uid="cldc.request_id.finished")
    signals.before_task_publish.connect(add_to_task_headers, weak=False, dispatch_uid="cldc.request_id.publish")
    signals.task_prerun.connect(set_from_task, weak=False, dispatch_uid="cldc.request_id.prerun")
    signals.task_postrun.connect(reset_after_task, weak=False, dispatch_uid="cldc.request_id.postrun")
