"""The optional error reporter (CLDC_SENTRY_DSN). What leaves for Sentry is the error's
type, message and stack, with secrets redacted: no request body, cookies, headers,
query string, person or local variables, which may hold personal answers."""

from cldc.platform.log_redaction import redact

KEPT_REQUEST_KEYS = ("method", "url")


def scrub(event, hint=None):
    request = event.get("request")
    if request:
        event["request"] = {key: redact(request[key]) for key in KEPT_REQUEST_KEYS if key in request}
    event.pop("user", None)
    event.pop("breadcrumbs", None)  # log lines and SQL, which may quote answers
    event.pop("extra", None)
    for exception in (event.get("exception") or {}).get("values", []):
        if exception.get("value"):
            exception["value"] = redact(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)
    if isinstance(event.get("logentry"), dict):
        event["logentry"] = {"message": redact(event["logentry"].get("formatted") or event["logentry"].get("message") or "")}
    if isinstance(event.get("message"), str):
        event["message"] = redact(event["message"])
    return event


def start(dsn, environment, release):
    import sentry_sdk  # only with a DSN: tests and local runs never load it

    sentry_sdk.init(dsn=dsn, environment=environment, release=release or None, send_default_pii=False,
                    include_local_variables=False, max_request_body_size="never", traces_sample_rate=0,
                    before_send=scrub)
