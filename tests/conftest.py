"""Shared fixtures: a small unit with an officer, a section head, a leader, a member of staff and an
outsider from another unit. Tests that need PostgreSQL or Redis are marked; they skip on a bare machine
and fail instead where REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection

from tests import factories

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _redis_available() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return False, "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return False, f"Redis at REDIS_URL does not answer: {exc}"
    return True, ""


def _missing(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("DATABASE_URL does not point at PostgreSQL")
    if item.get_closest_marker("redis"):
        ok, reason = _redis_available()
        if not ok:
            _missing(reason)


@pytest.fixture
def region(db):
    return factories.RegionFactory()


@pytest.fixture
def unit(region):
    return factories.UnitFactory(region=region, code="U-MAIN", name="区测试局")


@pytest.fixture
def section(unit):
    return factories.SectionFactory(unit=unit, name="综合股")


@pytest.fixture
def other_section(unit):
    return factories.SectionFactory(unit=unit, name="业务股")


@pytest.fixture
def other_unit(region):
    return factories.UnitFactory(region=region, code="U-OTHER", name="区其他局")


@pytest.fixture
def officer(unit):
    return factories.user_with_role("office", unit=unit, username="officer")


@pytest.fixture
def leader(unit):
    return factories.user_with_role("principal", unit=unit, username="leader")


@pytest.fixture
def section_head(section):
    return factories.user_with_role("section_head", section=section, username="head")


@pytest.fixture
def org_user(region):
    return factories.user_with_role("org", region=region, username="org")


@pytest.fixture
def member(section):
    """A member of staff with a login, sitting in ``section``."""
    user = factories.UserFactory(username="member")
    factories.PersonFactory(unit=section.unit, section=section, user=user)
    return user


@pytest.fixture
def outsider(other_unit):
    """The assessment office of another unit: must see nothing of ``unit``."""
    return factories.user_with_role("office", unit=other_unit, username="outsider")


@pytest.fixture
def person(section):
    return factories.PersonFactory(unit=section.unit, section=section)


@pytest.fixture
def admin(db):
    """A system administrator (superuser)."""
    return factories.UserFactory(username="sysadmin", is_superuser=True, is_staff=True)


@pytest.fixture
def login(client):
    """Log ``client`` in as a user made by the factories; returns the client."""

    def _login(user):
        assert client.login(username=user.username, password=factories.PASSWORD)
        return client

    return _login
