"""Sign-in by email and password, with lockout after repeated failures."""

from django.contrib.auth.backends import ModelBackend

from cldc.platform.people.models import User


class EmailBackend(ModelBackend):
    """Email is matched without regard to case. A locked account cannot sign in,
    even with the right password, until the lock expires or the password is reset."""

    def authenticate(self, request, username=None, password=None, email=None, **kwargs):
        email = (email or username or "").strip()
        if not email or password is None:
            return None
        try:
            user = User.objects.get(email__iexact=email)
        except User.DoesNotExist:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        if user.is_locked():
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            user.clear_failed_sign_ins()
            return user
        if user.is_active:
            user.record_failed_sign_in()
        return None
