"""The Content-Security-Policy (django-csp): the strict policy of settings on every page
except Wagtail's admin (/admin/, our staff screens in it included: they render in its
templates). Its templates carry inline scripts (date pickers, inline panels, workflows)
and style attributes, and its page editor shows the preview of a page in a frame of its
own; its pages are for staff only, signed in with two factors. Everywhere else no page
may be framed at all."""

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware

ADMIN_PREFIX = "/admin/"  # platform/urls.py
ADMIN_POLICY = {"script-src": [SELF, UNSAFE_INLINE], "style-src": [SELF, UNSAFE_INLINE], "frame-ancestors": [SELF]}


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(ADMIN_PREFIX):
            parts.replace = {**ADMIN_POLICY, **(parts.replace or {})}
        return parts

    def process_response(self, request, response):
        # XFrameOptionsMiddleware (later in MIDDLEWARE, so earlier on the way out) said DENY.
        if request.path_info.startswith(ADMIN_PREFIX):
            response["X-Frame-Options"] = "SAMEORIGIN"
        return super().process_response(request, response)
