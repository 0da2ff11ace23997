"""Sign-in by email and password. Lockout after repeated failures is django-axes's
(AxesStandaloneBackend runs first: see platform/people/lockout.py)."""

from django.contrib.auth.backends import ModelBackend

from cldc.platform.people.models import User


class EmailBackend(ModelBackend):
    """Email is matched without regard to case."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
