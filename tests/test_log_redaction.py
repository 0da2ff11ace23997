"""Secrets never reach a log line: an API key in a query string, a token in an
invitation or password-reset link, whichever logger prints the request line."""

import io
import logging

import pytest

KEY = "cldc_0a1b2c3d4e5f_Zm9vYmFyYmF6cXV4LXNlY3JldC1rZXktdGV4dA"


@pytest.fixture
def log_output():
    """What the configured handlers print, for each logger asked about."""
    streams = []

    def output_of(logger_name):
        logger = logging.getLogger(logger_name)
        while not logger.handlers and logger.propagate and logger.parent:
            logger = logger.parent
        for handler in (h for h in logger.handlers if type(h) is logging.StreamHandler):  # not pytest's
            stream = io.StringIO()
            streams.append((handler, handler.setStream(stream)))
            return stream
        raise AssertionError(f"{logger_name} has no handler")

    yield output_of
    for handler, original in streams:
        handler.setStream(original)


@pytest.mark.parametrize("logger_name", ["django.server", "django.request", "cldc.api"])
@pytest.mark.parametrize("line, secret", [
    (f"GET /api/v1/records/?key={KEY} HTTP/1.1", KEY),
    (f"GET /api/v1/records/?page=2&api_key=not-a-cldc-key-42 HTTP/1.1", "not-a-cldc-key-42"),
    ("GET /api/v1/records/?access_token=abc.def.ghi HTTP/1.1", "abc.def.ghi"),
    ("GET /invitation/MTI/cz1ab2-0123456789abcdef0123456789abcdef/ HTTP/1.1", "cz1ab2-0123456789abcdef0123456789abcdef"),
    ("GET /password-reset/MTI/cz1ab2-fedcba9876543210fedcba9876543210/ HTTP/1.1", "cz1ab2-fedcba9876543210fedcba9876543210"),
])
def test_request_lines_are_logged_without_their_secrets(log_output, logger_name, line, secret):
    output = log_output(logger_name)
    logging.getLogger(logger_name).warning('"%s" %s %s', line, 401, 120)
    printed = output.getvalue()
    assert "401" in printed and "[redacted]" in printed
    assert secret not in printed


def test_ordinary_request_lines_are_left_alone(log_output):
    output = log_output("django.server")
    logging.getLogger("django.server").warning('"%s" %s %s', "GET /logs/?page=2&status=completed HTTP/1.1", 200, 5)
    assert "GET /logs/?page=2&status=completed HTTP/1.1" in output.getvalue()


def test_a_refused_request_is_one_line_without_a_traceback(caplog, client_for, make_person, core_service):
    analyst = make_person("analyst@dept.example", staff_role="analyst")
    with caplog.at_level(logging.WARNING, logger="django.request"):
        assert client_for("core", analyst).get("/logs/new/").status_code == 403
    (refused,) = [r for r in caplog.records if r.name == "django.request"]
    assert refused.getMessage() == "Forbidden (Permission denied): /logs/new/"
    assert refused.exc_info is None and not refused.exc_text
    assert "Traceback" not in caplog.text and "analyst@dept.example" not in caplog.text


def test_a_server_error_keeps_its_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        try:
            raise RuntimeError("broken")
        except RuntimeError as error:  # as Django's handler logs an uncaught exception
            logging.getLogger("django.request").error("Internal Server Error: %s", "/logs/", exc_info=error,
                                                      extra={"status_code": 500})
    assert "Traceback" in caplog.text and "RuntimeError: broken" in caplog.text
