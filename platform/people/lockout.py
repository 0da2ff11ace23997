"""Lockout after repeated failed sign-ins, counted by django-axes (ADR 8).

Axes counts failures per email address, atomically, in the public schema (people are
shared by every service). Two things are ours:
- attempts for one address are taken one at a time (a PostgreSQL advisory lock), so a
  burst of parallel guesses cannot all be checked before the first failure is counted;
- the address is normalised, so "Name@Example.com" counts against name@example.com.
"""

from contextlib import contextmanager

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone


def normalised(email):
    return (email or "").strip().lower()


def username_of(request, credentials):
    """AXES_USERNAME_CALLABLE: the address a sign-in names, however it is written."""
    if credentials:
        return normalised(credentials.get("email") or credentials.get("username"))
    return normalised(request.POST.get("email")) if request is not None else ""


@contextmanager
def one_attempt_at_a_time(email):
    """Hold a transaction-scoped advisory lock on the address while its password is
    checked and the outcome counted: the next attempt then sees this one's failure."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sign-in:{normalised(email)}"])
        yield


def is_locked(email):
    """True while the address has had too many failures within the lockout period."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    failures = (AccessAttempt.objects.filter(username=normalised(email), attempt_time__gte=since)
                .aggregate(total=Sum("failures_since_start"))["total"]) or 0
    return failures >= settings.AXES_FAILURE_LIMIT


def refused_as_locked(request):
    """After a failed authenticate(): did axes refuse it, or lock the account with it?"""
    return getattr(request, "axes_locked_out", False)


def lift(email):
    """Forget the address's failures: support unlocked it, or its password was reset."""
    reset(username=normalised(email))


def keep_the_sign_in_page(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: the sign-in page already says the account is locked, on
    the right field; axes's own 429 page would not."""
    return original_response


def described_without_personal_data(username, ip_address, user_agent, path_info, request):
    """AXES_CLIENT_STR_CALLABLE: axes logs every failure; the log names no address."""
    return f"a sign-in at {path_info}"
