"""Secrets never reach a log line. Access logs (runserver's django.server, Django's
django.request warnings) print request lines whole, and a client may put an API key in
a query string; invitation and password-reset links carry a token in their path. And a
refused request (403) is one line, not a traceback. Lines are JSON objects of named
fields only (JsonLines)."""

import logging
import re

from pythonjsonlogger.json import JsonFormatter

REDACTED = "[redacted]"
SECRETS = [
    # An API key anywhere: cldc_<prefix>_<secret>.
    (re.compile(r"cldc_[0-9a-f]+_[A-Za-z0-9_\-]+"), f"cldc_{REDACTED}"),
    # The value of a query parameter whose name says it holds a secret.
    (re.compile(r"(?i)([?&][^=&\s\"]*(?:key|token|secret|password|auth)[^=&\s\"]*=)[^&\s\"]*"), rf"\1{REDACTED}"),
    # The token of an invitation or password-reset link: /invitation/<uid>/<token>/.
    (re.compile(r"(/(?:invitation|password-reset)/[^/\s\"]+/)(?!set-password/)[^/\s\"?]+"), rf"\1{REDACTED}"),
]


def redact(text):
    for pattern, replacement in SECRETS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """On every handler: the record's message is formatted once and redacted."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class RefusalsWithoutTraceback(logging.Filter):
    """On django.request: a 403 (a PermissionDenied from a view) is a person asking for
    what they may not do, not a fault, so it logs its one line (status and path) without
    the traceback Django attaches. Errors keep theirs."""

    def filter(self, record):
        if getattr(record, "status_code", None) == 403:
            record.exc_info, record.exc_text = None, None
        return True


class JsonLines(JsonFormatter):
    """python-json-logger's formatter, printing only the fields its format names, a
    status code and a traceback (secrets redacted). Django attaches the request to its
    records (its repr is the whole URL, query string and all) and Celery a task's
    arguments: as extras, they would be printed too."""

    KEPT_EXTRAS = ("status_code", "exc_info", "stack_info")

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        kept = {self._get_rename(field) for field in self._required_fields} | set(self.KEPT_EXTRAS)
        for field in [field for field in log_data if field not in kept]:
            del log_data[field]
        for field in ("exc_info", "stack_info"):
            if isinstance(log_data.get(field), str):
                log_data[field] = redact(log_data[field])
