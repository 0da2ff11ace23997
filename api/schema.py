"""The OpenAPI document: only the API's own paths (Wagtail's admin has a DRF API too,
which is not ours to publish)."""

from cldc.platform.uploads.models import Upload

API_PATH_PREFIX = "/api/v1/"
UPLOAD_STATUSES = Upload.Status.choices  # named in SPECTACULAR_SETTINGS: records have a status too


def only_api_paths(endpoints):
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PATH_PREFIX)]
