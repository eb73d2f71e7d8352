"""Settings come from the environment; a bad value stops start-up and names the variable."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from config import env

GOOD_PRODUCTION = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k" * 30 + "-production-secret-for-the-test-only-0123456789",
    "ALLOWED_HOSTS": "kaohe.example.gov.cn",
    "DATABASE_URL": "postgres://kaohe@127.0.0.1:5432/kaohe",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
}


def last_line(stderr: str) -> str:
    """The exception's own message: the traceback above it quotes source lines that name variables too."""
    return stderr.strip().splitlines()[-1]


def run_django(code: str, **environ: str) -> subprocess.CompletedProcess:
    """Start Django in a fresh interpreter with exactly these variables (plus PATH)."""
    clean = {"PATH": os.environ["PATH"], "DJANGO_SETTINGS_MODULE": "config.settings.local", **environ}
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ["PATH"], **environ}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "ture"),
        ("DATABASE_URL", "mysql:/oops"),
        ("DATABASE_URL", "not a url"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("DB_CONN_MAX_AGE", "sixty"),
        ("LOG_LEVEL", "verbose"),
        ("PLACEMENT_GRACE_DAYS", "-5"),
        ("LOGIN_FAILURES_PER_ACCOUNT", "0"),
        ("LOGIN_LOCKOUT_MINUTES", "half an hour"),
        ("API_THROTTLE_USER", "lots"),
        ("API_THROTTLE_ANON", "30/fortnight"),
        ("SESSION_IDLE_TIMEOUT", "-1"),
        ("PASSWORD_HISTORY", "-1"),
        ("PROXY_COUNT", "two"),
    ],
)
def test_a_malformed_variable_stops_start_up_and_names_it(name, value):
    environ = {"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/kaohe", name: value}
    result = run_django("print('started')", **environ)
    assert result.returncode != 0
    assert "started" not in result.stdout
    assert last_line(result.stderr).startswith("django.core.exceptions.ImproperlyConfigured")
    assert name in last_line(result.stderr)


def test_the_first_run_defaults_are_sqlite_and_in_process_celery():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.LANGUAGE_CODE)"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "True", "zh-hans"]


def test_database_url_and_redis_url_switch_to_the_real_services():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, "
        "s.CACHES['default']['BACKEND'])",
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/kaohe",
        REDIS_URL="redis://127.0.0.1:6379/3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.db.backends.postgresql",
        "False",
        "redis://127.0.0.1:6379/3",
        "django.core.cache.backends.redis.RedisCache",
    ]


@pytest.mark.parametrize(
    ("missing_or_bad", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:////tmp/x.sqlite3"}, "DATABASE_URL"),
        ({"REDIS_URL": None}, "REDIS_URL"),
        ({"ALLOWED_HOSTS": None}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_to_start_without_its_services(missing_or_bad, named):
    environ = {**GOOD_PRODUCTION, **missing_or_bad}
    environ = {k: v for k, v in environ.items() if v is not None}
    result = run_django("print('started')", **environ)
    assert result.returncode != 0
    assert named in last_line(result.stderr)


def test_the_security_settings_come_from_the_environment():
    result = run_django(
        "from django.conf import settings as s; "
        "print(s.AXES_FAILURE_LIMIT, s.LOGIN_FAILURES_PER_ADDRESS, s.AXES_COOLOFF_TIME, s.SESSION_IDLE_TIMEOUT, "
        "s.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'], s.PASSWORD_HISTORY)",
        LOGIN_FAILURES_PER_ACCOUNT="3",
        LOGIN_FAILURES_PER_ADDRESS="50",
        LOGIN_LOCKOUT_MINUTES="0",
        SESSION_IDLE_TIMEOUT="900",
        API_THROTTLE_USER="100/hour",
        PASSWORD_HISTORY="3",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["3", "50", "None", "900", "100/hour", "3"]


def test_production_counts_the_address_its_proxy_forwards():
    code = "from django.conf import settings as s; print(s.PROXY_COUNT, s.REST_FRAMEWORK['NUM_PROXIES'])"
    assert run_django(code, **GOOD_PRODUCTION).stdout.split() == ["1", "1"]
    assert run_django(code, **GOOD_PRODUCTION, PROXY_COUNT="0").stdout.split() == ["0", "0"]
    assert run_django(code).stdout.split() == ["0", "0"]


def test_production_settings_pass_the_deployment_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **GOOD_PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_strict_readers_name_the_variable(monkeypatch):
    monkeypatch.setenv("KAOHE_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="KAOHE_FLAG"):
        env.env_bool("KAOHE_FLAG", False)
    monkeypatch.setenv("KAOHE_FLAG", "yes")
    assert env.env_bool("KAOHE_FLAG", False) is True
    monkeypatch.setenv("KAOHE_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="KAOHE_NUMBER"):
        env.env_int("KAOHE_NUMBER", 5, minimum=0)


def test_a_password_in_a_bad_url_is_not_echoed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://kaohe:s3cret@db/kaohe")
    with pytest.raises(ImproperlyConfigured) as caught:
        env.env_database("DATABASE_URL", None)
    assert "s3cret" not in str(caught.value)
    assert "DATABASE_URL" in str(caught.value)
