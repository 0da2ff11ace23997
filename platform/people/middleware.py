from django.contrib.auth.middleware import get_user
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject
from django.utils.cache import add_never_cache_headers

from cldc.platform.organisations import policy
from cldc.platform.people.views import with_next

# Pages a signed-in member of staff may see before passing two-factor.
OPEN_PATH_PREFIXES = ("/sign-in/", "/sign-out/", "/static/", "/password-reset/")


class StaffTwoFactorMiddleware:
    """Staff must pass two-factor authentication before anything else, in every
    service, including Wagtail's admin."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        service = getattr(request, "tenant", None)
        if (
            service is not None
            and not service.is_public
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATH_PREFIXES)
        ):
            return redirect(with_next("two-factor", request.get_full_path()))
        return self.get_response(request)


class NoStoreMiddleware:
    """Pages for a signed-in person, and every API answer, carry personal data or may:
    no browser, proxy or shared computer keeps a copy (Cache-Control: no-store)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or request.path.startswith("/api/"):
            add_never_cache_headers(response)  # no-store, with the headers older caches read
        return response


class RequestMemoMiddleware:
    """The request's user remembers, for this request only, the organisations it acts for
    and certifies (policy.remember_for_request): a page asks them once, not in each of its
    parts. Right after AuthenticationMiddleware; the user is still loaded only when used."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = SimpleLazyObject(lambda: policy.remember_for_request(get_user(request)))
        return self.get_response(request)
