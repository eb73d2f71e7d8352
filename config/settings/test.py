"""Settings for the test suite. DATABASE_URL / REDIS_URL still switch to the real services."""

import os
from urllib.parse import urlsplit, urlunsplit

from .base import *  # noqa: F403
from .base import CACHES, REDIS_URL, REST_FRAMEWORK

DEBUG = False
# Fast hashing: tests create many users; production keeps Django's default hashers.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Many tests move the clock by days between two requests of one logged-in client, which an idle timeout would end;
# the tests of the timeout (tests/accounts/test_idle.py, the browser's) switch it on.
SESSION_IDLE_TIMEOUT = 0
# The suite's clients send bursts no person does (the contract test: thousands of requests as one account); the
# throttles stay in place at rates it does not reach, and tests/api/test_throttles.py sets low ones.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "100000/minute", "user": "100000/minute"}}
# Tasks run in-process in the suite; the Celery round-trip test switches to the real broker itself.
CELERY_TASK_ALWAYS_EAGER = True

# pytest-xdist runs the suite in several processes at once: PYTEST_XDIST_WORKER is "gw0", "gw1", … in each (unset
# in a serial run). pytest-django gives each process its own test database (test_kaohe_gw0, …). Redis is shared,
# so each process also takes its own Redis database (REDIS_URL's index plus the worker's number) for the broker,
# the results and the cache: the Celery workers that two processes start at once must never take each other's
# tasks and run them against the other's test database. The queue and the cache prefix name the process too,
# which keeps them apart even with more processes than Redis has databases (16 unless configured otherwise).
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if REDIS_URL and XDIST_WORKER:
    _url = urlsplit(REDIS_URL)
    _index = (int(_url.path.strip("/") or 0) + int(XDIST_WORKER.removeprefix("gw"))) % 16
    REDIS_URL = urlunsplit(_url._replace(path=f"/{_index}"))
    CELERY_BROKER_URL = CELERY_RESULT_BACKEND = CACHES["default"]["LOCATION"] = REDIS_URL
    CELERY_TASK_DEFAULT_QUEUE = f"kaohe-test-{XDIST_WORKER}"
if REDIS_URL:
    # Keep tests away from a shared cache: each run (each process of a parallel run) gets its own key prefix.
    CACHES["default"]["KEY_PREFIX"] = f"kaohe-test-{XDIST_WORKER}" if XDIST_WORKER else "kaohe-test"
