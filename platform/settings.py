"""Django settings for CLDC.

Everything that differs between a laptop, CI and production comes from the
environment (CLDC_*). The defaults are the ones `make run` and `make test` use.
"""

import os
from datetime import timedelta
from pathlib import Path

from csp.constants import NONCE, NONE, SELF

REPO_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CLDC_VAR_DIR", REPO_DIR / "var"))


def env(name, default=None):
    return os.environ.get(f"CLDC_{name}", default)


def env_flag(name, default=False):
    return env(name, "1" if default else "0").lower() in ("1", "true", "yes")


DEBUG = env_flag("DEBUG")
SECRET_KEY = env("SECRET_KEY", "local-development-only-not-a-secret")
ALLOWED_HOSTS = env("ALLOWED_HOSTS", ".localhost,localhost,127.0.0.1,.test").split(",")
# Collection packages kept outside collections/, by module name (cldc.platform.contract).
COLLECTION_PACKAGES = [name for name in env("COLLECTION_PACKAGES", "").split(",") if name]

# --- Behind HTTPS (docs/operations.md) -------------------------------------------------
# Production sets CLDC_HTTPS=1: cookies only over HTTPS, plain HTTP redirected. The load
# balancer ends TLS and says so in X-Forwarded-Proto. Off for `make run` on http://*.localhost.
HTTPS = env_flag("HTTPS")
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
# HSTS is separate: once browsers have seen it, the domain cannot go back to HTTP until it expires.
SECURE_HSTS_SECONDS = int(env("HSTS_SECONDS", "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env_flag("HSTS_PRELOAD")

# --- Tenancy -----------------------------------------------------------------
# A tenant is a service. The public schema holds what every service shares:
# people, organisations, the hierarchy, memberships and the service registry.
# Each service's schema holds its Wagtail site, guardian's object permissions
# and (later) its records. See docs/adr/0002-tenancy-app-split.md.
SHARED_APPS = [
    "django_tenants",
    "cldc.platform.tenancy",
    # contenttypes and auth are shared only: listing them in TENANT_APPS too
    # breaks Wagtail's migrations on the first tenant.
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # FORM_RENDERER = TemplatesSetting finds widget templates here
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_celery_beat",  # scheduled exports, changed by support without a deploy (exports/schedule.py)
    "axes",  # failed sign-ins, per email address: people are shared, so public schema
    "cldc.platform.people",
    "cldc.platform.organisations",
    "crispy_forms",
    "crispy_forms_gds",
    "govuk_frontend_django",
    "cldc.platform.operations",  # /healthz, /readyz, /metrics, request ids (docs/observability.md)
    "cldc.platform.audit",  # who read or downloaded personal data, for support (docs/operations.md)
]

TENANT_APPS = [
    "cldc.platform.content",
    "cldc.platform.records",
    "cldc.platform.windows",
    "cldc.platform.uploads",
    "cldc.platform.exports",
    "cldc.platform.xmlfiles",
    "cldc.platform.playback",
    "cldc.platform.queries",
    "cldc.platform.quality",
    "cldc.platform.returns",
    "cldc.platform.registers",  # register entries: CORE's schemes and locations (docs/registers.md)
    "cldc.platform.forms",
    "cldc.platform.guidance",
    "cldc.platform.notices",  # notification banners (docs/banners-and-resources.md)
    "cldc.platform.resources",  # collection resources: paper forms, templates, files
    "cldc.api",
    "rest_framework",
    "drf_spectacular",
    "cldc.admin_ui",
    "wagtail.contrib.settings",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # guardian is per tenant: it stores (content type, object id) with no
    # tenant column, and ids repeat across schemas.
    "guardian",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

TENANT_MODEL = "tenancy.Service"
TENANT_DOMAIN_MODEL = "tenancy.Domain"
DATABASE_ROUTERS = ["django_tenants.routers.TenantSyncRouter"]
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "cldc.platform.urls_public"
ROOT_URLCONF = "cldc.platform.urls"
TENANT_LIMIT_SET_CALLS = True

DATABASES = {
    "default": {
        "ENGINE": "django_tenants.postgresql_backend",
        "NAME": env("DB_NAME", "cldc"),
        "USER": env("DB_USER", "postgres"),
        "PASSWORD": env("DB_PASSWORD", ""),
        "HOST": env("DB_HOST", "127.0.0.1"),
        "PORT": env("DB_PORT", "54329"),
        "TEST": {"NAME": env("TEST_DB_NAME", "test_cldc")},
        # A connection kept by each web thread: otherwise every request pays for a new
        # PostgreSQL backend (a fork) and a login (bench/api.py's concurrent creates).
        "CONN_MAX_AGE": int(env("DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,  # a kept connection the server dropped is replaced, not an error
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", "redis://127.0.0.1:63799/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # Tenant-aware keys: without this, Wagtail's cached site root paths
        # from one service are served by another.
        "KEY_FUNCTION": "django_tenants.cache.make_key",
        "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key",
    },
    # What each process keeps for a short while and forgets when it saves a change
    # (the service a host name serves, a service's branding): read on every request,
    # changed rarely, and needed even while Redis is down.
    "process": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "cldc-process",
        "TIMEOUT": 30,  # other processes see a change within this (docs/operations.md)
    },
}

CELERY_BROKER_URL = env("CELERY_BROKER_URL", REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env_flag("CELERY_EAGER")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Workers log through LOGGING below (JSON lines with the request id), not Celery's own format.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# A task that asks to be acknowledged only when done (an upload) and whose worker died
# (killed, its machine lost) is given to a worker again after this many seconds. Longer
# than the longest upload, or one still running would be given to a second worker too.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(env("CELERY_VISIBILITY_TIMEOUT", "3600"))}
# The platform's own schedule; beat's database scheduler copies it in at start. Services'
# nightly exports are set by support in each service (exports/schedule.py).
CELERY_BEAT_SCHEDULE = {
    "Remove people's old downloads": {"task": "cldc.exports.remove_old_downloads", "schedule": 24 * 3600},
    "Remove old rows of access to personal data": {"task": "cldc.audit.remove_old_access_rows", "schedule": 24 * 3600},
}
# A person's download is kept this many days; export runs made for no one are kept.
DOWNLOADS_KEPT_DAYS = int(env("DOWNLOADS_KEPT_DAYS", "7"))
# Who read or downloaded personal data is kept this many days (docs/operations.md).
AUDIT_KEPT_DAYS = int(env("AUDIT_KEPT_DAYS", "730"))
# An export of many records is made in parts side by side, each on a connection of its
# own (exports/parts.py): at most EXPORT_WORKERS parts (default: one a core), none of fewer
# than EXPORT_PART_MIN records.
EXPORT_WORKERS = int(env("EXPORT_WORKERS", "0")) or None
EXPORT_PART_MIN = int(env("EXPORT_PART_MIN", "20000"))

# --- Requests ------------------------------------------------------------------
MIDDLEWARE = [
    "cldc.platform.operations.request_id.RequestIdMiddleware",  # first: every log line after it has the id
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # /healthz, /readyz and /metrics answer on any host, before a service is chosen.
    "cldc.platform.operations.health.OperationsEndpointsMiddleware",
    "cldc.platform.tenancy.middleware.ServiceMiddleware",
    # /api/ only: body size limit, problem details for every error, the call log.
    "cldc.api.middleware.ApiMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cldc.platform.operations.security.ContentSecurityPolicyMiddleware",  # django-csp's; see its module
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cldc.platform.people.middleware.RequestMemoMiddleware",  # policy's answers once a request
    "django_otp.middleware.OTPMiddleware",
    "cldc.platform.people.middleware.StaffTwoFactorMiddleware",
    "cldc.platform.people.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",  # last
]

# --- Security headers (docs/observability.md) ------------------------------------
# Pages carry no inline script or style attribute: scripts and styles are files under
# /static/; the one inline <style> (a white-label theme's colours) carries the
# request's nonce. A page that breaks this is caught by tests/browser/test_csp_in_browser.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, NONCE],  # NONCE: only on pages that ask for request.csp_nonce
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
X_FRAME_OPTIONS = "DENY"  # and frame-ancestors above, for browsers that read only one
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
CSRF_COOKIE_HTTPONLY = True  # no script reads it: forms carry the token in a hidden field
# HTTPS-only cookies and HSTS: CLDC_HTTPS and CLDC_HSTS_SECONDS, above.

# --- Health, metrics and error reports (docs/observability.md) -------------------------
# /metrics: with a token set, a scraper sends "Authorization: Bearer <token>"; without
# one, only these networks may read it (REMOTE_ADDR: behind a proxy, set a token).
CLDC_METRICS_TOKEN = env("METRICS_TOKEN", "")
CLDC_METRICS_ALLOWED_NETWORKS = env("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128").split(",")
CLDC_METRICS_QUEUES = env("METRICS_QUEUES", "celery").split(",")  # their lengths, from the broker
# A worker serves its own metrics on this port (0: none), on this address.
CLDC_WORKER_METRICS_PORT = int(env("WORKER_METRICS_PORT", "0"))
CLDC_WORKER_METRICS_ADDRESS = env("WORKER_METRICS_ADDRESS", "127.0.0.1")
# Errors go to Sentry only with a DSN set, scrubbed of request data and secrets first.
if env("SENTRY_DSN"):
    from cldc.platform.operations.sentry import start as start_sentry

    start_sentry(env("SENTRY_DSN"), env("SENTRY_ENVIRONMENT", "production"), env("RELEASE", ""))

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [REPO_DIR / "themes"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cldc.themes.context_processors.theme",
            ],
        },
    }
]
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CRISPY_ALLOWED_TEMPLATE_PACKS = ["gds"]
CRISPY_TEMPLATE_PACK = "gds"

WSGI_APPLICATION = "cldc.platform.wsgi.application"

# --- People ------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked address before any check
    "cldc.platform.people.backends.EmailBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "sign-in"
WAGTAILADMIN_LOGIN_URL = "/sign-in/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
if env_flag("FAST_PASSWORD_HASHER"):  # tests only: PBKDF2 costs ~0.3 s a hash
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Lockout: after this many failed sign-ins in a row, the account is locked for
# SIGN_IN_LOCKOUT_MINUTES (or until the person resets their password). django-axes
# counts them per email address, whatever the IP address (platform/people/lockout.py).
SIGN_IN_MAX_FAILURES = int(env("SIGN_IN_MAX_FAILURES", "5"))
SIGN_IN_LOCKOUT_MINUTES = int(env("SIGN_IN_LOCKOUT_MINUTES", "15"))
AXES_FAILURE_LIMIT = SIGN_IN_MAX_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=SIGN_IN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "email"
AXES_USERNAME_CALLABLE = "cldc.platform.people.lockout.username_of"
AXES_RESET_ON_SUCCESS = True  # "in a row"
AXES_LOCKOUT_CALLABLE = "cldc.platform.people.lockout.keep_the_sign_in_page"
AXES_DISABLE_ACCESS_LOG = True  # successful sign-ins are not axes's business
AXES_CLIENT_STR_CALLABLE = "cldc.platform.people.lockout.described_without_personal_data"
AXES_VERBOSE = False
# W006 asks to lock per IP address too. We lock per address whatever the IP address or
# browser: rotating either cannot get round it.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 3  # reset links last three hours
INVITATION_TIMEOUT_DAYS = 7
OTP_TOTP_ISSUER = "CLDC"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 8

GUARDIAN_ANONYMOUS_USER_NAME = None
ANONYMOUS_USER_NAME = None

EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = VAR_DIR / "mail"
DEFAULT_FROM_EMAIL = env("FROM_EMAIL", "noreply@cldc.localhost")

# --- Wagtail -----------------------------------------------------------------
WAGTAIL_SITE_NAME = "CLDC"
WAGTAILADMIN_BASE_URL = env("BASE_URL", "http://localhost:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "txt", "xlsx"]
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
WAGTAIL_GRAVATAR_PROVIDER_URL = None  # no staff email hashes sent to a third party

# --- Static and media ----------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env("STATIC_ROOT")  # a deployment runs collectstatic into it; locally WhiteNoise uses the finders
STATICFILES_DIRS = [
    REPO_DIR / "themes" / "static",
    # govuk-frontend from npm: fonts and images are served from /static/govuk/assets/,
    # the path the compiled Sass points at.
    ("govuk", REPO_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
    # accessible-autocomplete from npm: enhances long selects (themes/static/themes/init.js).
    ("autocomplete", REPO_DIR / "node_modules" / "accessible-autocomplete" / "dist"),
]
# With STATIC_ROOT set (scripts/run, the container), WhiteNoise serves what collectstatic
# wrote there: compressed, with hashed names cached for a year. Without it, the finders.
WHITENOISE_USE_FINDERS = not STATIC_ROOT
WHITENOISE_AUTOREFRESH = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage" if STATIC_ROOT
                    else "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Bulk upload: the largest file accepted, checked before it is read.
CLDC_UPLOAD_MAX_BYTES = int(env("UPLOAD_MAX_BYTES", str(50 * 1024 * 1024)))
# Refused while a file is read (docs/uploads.md): more data rows than this (the pipeline
# is measured at 100,000: bench/upload_pipeline.py), a cell longer than this (Excel's own
# limit), a heading longer than this (as long as a heading is kept: saved column matches).
CLDC_UPLOAD_MAX_ROWS = int(env("UPLOAD_MAX_ROWS", "150000"))
CLDC_UPLOAD_MAX_CELL_CHARS = int(env("UPLOAD_MAX_CELL_CHARS", "32767"))
CLDC_UPLOAD_MAX_HEADING_CHARS = int(env("UPLOAD_MAX_HEADING_CHARS", "200"))
# Organisations that must match a heading by hand to one question before it is offered to all (uploads/learned.py)
CLDC_MATCHES_LEARNED_FROM = int(env("MATCHES_LEARNED_FROM", "3"))
CLDC_UPLOAD_PROCESSES = int(env("UPLOAD_PROCESSES", str(os.cpu_count() or 1)))  # judging rows (uploads/judging.py)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Postcode and address look-ups (cldc.platform.places; docs/places.md) -------------
# Off until set: a postcodes.io-style base URL (no key), an OS Places-style base URL
# and its key. Off, people choose the local authority and type the address.
CLDC_POSTCODE_LOOKUP_URL = env("POSTCODE_LOOKUP_URL", "")
CLDC_ADDRESS_SEARCH_URL = env("ADDRESS_SEARCH_URL", "")
CLDC_ADDRESS_SEARCH_KEY = env("ADDRESS_SEARCH_KEY", "")
CLDC_PLACES_TIMEOUT_SECONDS = float(env("PLACES_TIMEOUT_SECONDS", "3"))

# --- Submission API (cldc.api; docs/api.md) -------------------------------------
# Authentication, throttling, parsers and the error shape are set on the API's own
# views (cldc.api.views.base), not here: Wagtail's admin uses DRF too.
REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}
SPECTACULAR_SETTINGS = {
    "TITLE": "CLDC submission API",
    "DESCRIPTION": "Send, check and read case-level records. Errors are RFC 9457 problem details.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "PREPROCESSING_HOOKS": ["cldc.api.schema.only_api_paths"],
    "ENUM_NAME_OVERRIDES": {"RecordStatusEnum": "cldc.platform.records.models.Status",
                            "UploadStatusEnum": "cldc.api.schema.UPLOAD_STATUSES"},
}
CLDC_API_RATE_LIMIT = env("API_RATE_LIMIT", "600/minute")  # per client
CLDC_API_MAX_BODY_BYTES = int(env("API_MAX_BODY_BYTES", str(10 * 1024 * 1024)))  # uploads: CLDC_UPLOAD_MAX_BYTES
CLDC_API_BATCH_MAX = 1000

MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Every handler redacts secrets: API keys, and tokens in links (platform/log_redaction.py).
    "filters": {"redact_secrets": {"()": "cldc.platform.log_redaction.RedactSecrets"},
                "request_id": {"()": "cldc.platform.operations.request_id.RequestIdFilter"},
                "refusals_without_traceback": {"()": "cldc.platform.log_redaction.RefusalsWithoutTraceback"}},
    # One JSON object a line (python-json-logger), each with the request id that caused
    # it; CLDC_LOG_FORMAT=text prints plain lines for a person at a terminal.
    "formatters": {
        "json": {"()": "cldc.platform.log_redaction.JsonLines", "style": "{",
                 "format": "{asctime}{levelname}{name}{message}{request_id}",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "{asctime} {levelname} {name} [{request_id}] {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets", "request_id"],
                    "formatter": env("LOG_FORMAT", "json")},
        "access_log": {"class": "logging.StreamHandler", "filters": ["redact_secrets", "request_id"],
                       "formatter": env("LOG_FORMAT", "json")},
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own handlers for these print request lines unredacted: replaced.
        "django": {"propagate": True},
        "django.server": {"handlers": ["access_log"], "level": "INFO", "propagate": False},
        # A refused request (403) is one line, not a traceback; a 500 keeps its traceback.
        "django.request": {"filters": ["refusals_without_traceback"]},
        "django.db.backends": {"level": "WARNING"},
        # Wagtail logs every page it creates and every background task it runs.
        "wagtail": {"level": "WARNING"},
        "django_tasks": {"level": "WARNING"},
        # axes says "login failed" at INFO for every failure; lockouts come at WARNING.
        "axes": {"level": "WARNING"},
    },
}
