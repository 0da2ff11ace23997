"""Counters that must hold under parallel requests: sign-in failures (lockout) and the
API's rate limit. Real concurrent HTTP requests against the live server (a threaded
server, one database connection per thread), so a read-add-write race shows."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from django.core.cache import cache
from django_tenants.utils import schema_context

from cldc.api.keys import create_client
from cldc.platform.organisations.models import Membership, Organisation
from cldc.platform.people.models import User

PASSWORD = "correct-horse-battery-staple"
PARALLEL = 30


HOST = {"Host": "visits.localhost"}  # Python resolves no *.localhost name: ask 127.0.0.1 for the service


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def at(live_port, path):
    return f"http://127.0.0.1:{live_port}{path}"


def sign_in_form(live_port):
    """A browser-like session on the sign-in page: its cookie jar and CSRF token."""
    session = opener()
    page = session.open(urllib.request.Request(at(live_port, "/sign-in/"), headers=HOST)).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    return session, token


def sign_in(live_port, session, token, email, password):
    body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, "email": email, "password": password}).encode()
    request = urllib.request.Request(at(live_port, "/sign-in/"), data=body, headers=HOST)
    try:
        with session.open(request) as response:
            return response.geturl(), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.url, error.read().decode()


def test_parallel_wrong_passwords_lock_the_account(live_port, settings):
    # The real hasher: a password check takes a fraction of a second, as in production,
    # which is the window parallel guesses race through.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    organisation, _ = Organisation.objects.get_or_create(
        name="Parallel Homes", defaults={"type": "prp", "regulator_number": "LH9301"})
    person = User.objects.create_user("guessed@parallel.example", PASSWORD, name="Guessed Person")
    Membership.objects.get_or_create(user=person, organisation=organisation)
    sessions = [sign_in_form(live_port) for _ in range(PARALLEL)]

    # Thirty guesses at once, in mixed case (the same account).
    emails = ["guessed@parallel.example", "Guessed@Parallel.Example"]
    with ThreadPoolExecutor(max_workers=PARALLEL) as pool:
        answers = list(pool.map(lambda n: sign_in(live_port, *sessions[n], emails[n % 2], f"guess-{n}"), range(PARALLEL)))

    assert all("/sign-in/" in where for where, _ in answers)  # nobody got in
    checked = sum("Enter a correct email address and password" in page for _, page in answers)
    print(f"\n{PARALLEL} parallel wrong sign-ins: {checked} passwords checked, the rest refused as locked")
    # Only as many guesses as the limit allows were ever checked...
    assert checked < settings.SIGN_IN_MAX_FAILURES
    # ...and the account is locked: even the right password is refused, with the reason.
    assert person.is_locked()
    session, token = sign_in_form(live_port)
    where, page = sign_in(live_port, session, token, "guessed@parallel.example", PASSWORD)
    assert "/sign-in/" in where and "Your account is locked" in page


def test_parallel_api_clients_stay_within_the_rate_limit(live_port, settings):
    organisation, _ = Organisation.objects.get_or_create(
        name="Rate Limited Homes", defaults={"type": "prp", "regulator_number": "LH9302"})
    coordinator = User.objects.filter(email="rates@parallel.example").first() or User.objects.create_user(
        "rates@parallel.example", PASSWORD, name="Rate Coordinator")
    Membership.objects.get_or_create(user=coordinator, organisation=organisation, role="data_coordinator")
    with schema_context("visits"):
        key = create_client(name="Parallel system", created_by=coordinator, organisation=organisation).key
    # A day's window: 120 quick calls never straddle two windows of a fixed-window count.
    limit, calls = 40, 120
    settings.CLDC_API_RATE_LIMIT = f"{limit}/day"
    cache.clear()  # counts live in Redis, which outlives a test database

    def call(_):
        request = urllib.request.Request(at(live_port, "/api/v1/records/"), headers={**HOST, "Authorization": f"Bearer {key}"})
        try:
            with urllib.request.urlopen(request) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(call, range(calls)))
    accepted = statuses.count(200)
    print(f"\n{calls} calls from 8 parallel connections under {limit} a day: {accepted} accepted, "
          f"{statuses.count(429)} refused with 429")
    assert set(statuses) <= {200, 429}
    assert accepted == limit

