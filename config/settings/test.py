"""Settings for the test suite. DATABASE_URL / REDIS_URL still switch to the real services."""

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL

DEBUG = False
# Fast hashing: tests create many users; production keeps Django's default hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in-process in the suite; the Celery round-trip test switches to the real broker itself.
CELERY_TASK_ALWAYS_EAGER = True
if REDIS_URL:
    # Keep tests away from a shared cache: each run gets its own key prefix.
    CACHES["default"]["KEY_PREFIX"] = "kaohe-test"
