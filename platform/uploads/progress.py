"""How far a run has got, for the progress page and its status.json: the count of rows
processed, kept in the cache while a run's transaction hides the upload's own."""

import redis
from django.core.cache import cache

from cldc.platform.uploads.models import Upload


def progress_key(upload):
    return f"upload-progress-{upload.pk}"


def set_progress(upload):
    try:
        cache.set(progress_key(upload), upload.processed_rows, 24 * 3600)
    except redis.RedisError:  # the cache (Redis) is down: the upload's own count is shown
        pass


def rows_done(upload):
    """Rows processed so far: from the cache while a run's transaction hides the count."""
    if upload.status in (Upload.Status.RECEIVED, Upload.Status.PROCESSING):
        try:
            return cache.get(progress_key(upload), upload.processed_rows)
        except redis.RedisError:
            pass
    return upload.processed_rows
