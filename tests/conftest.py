"""Shared fixtures: a small unit with an officer, a section head, a leader, a member of staff and an
outsider from another unit. Tests that need PostgreSQL or Redis are marked; they skip on a bare machine
and fail instead where REQUIRE_SERVICES=1 (CI)."""

from __future__ import annotations

import os
import shutil
from collections import Counter

import pytest
from django.apps import apps
from django.conf import settings
from django.core import serializers
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


# pytest-xdist's loadscope, loadfile and loadgroup modes schedule by node id, and the API contract test's items
# share one: schemathesis makes one item per API operation, "test_x[GET /path/]", but under pytest 9 each has the
# node id "...::test_x". Those modes would run one operation of the 48 and report the rest as never collected,
# so they are refused; load and worksteal schedule by position and run them all.
_BY_NODE_ID = {"loadscope", "loadfile", "loadgroup"}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_node_collection_finished(node, ids):
    mode = node.config.getoption("dist")
    shared = [nodeid for nodeid, n in Counter(ids).items() if n > 1]
    if mode in _BY_NODE_ID and shared:
        raise pytest.UsageError(
            f"--dist {mode} would run one test of several sharing a node id ({', '.join(shared)}); "
            "use --dist load or worksteal"
        )


def _shares_a_module_fixture(item) -> bool:
    fixtures = getattr(item, "_fixtureinfo", None)
    return fixtures is not None and any(defs[-1].scope == "module" for defs in fixtures.name2fixturedefs.values())


@pytest.hookimpl(trylast=True)  # after pytest-django's order (ordinary, transactional, no database)
def pytest_collection_modifyitems(config, items):
    """In a pytest-xdist process, the tests that share a module-scoped fixture go first, in one block: worksteal
    hands the first half of the list to the first process and steals only from the end of a list, so the block
    stays on one process, which makes the fixture once (the demo county: two minutes) while the other works."""
    if hasattr(config, "workerinput"):
        items.sort(key=lambda item: not _shares_a_module_fixture(item))


# What the LibreOffice tests run: the application's converter, and poppler's readers of the PDF.
LIBREOFFICE_TOOLS = ("pdftotext", "pdftoppm", "pdffonts")


def _libreoffice_missing() -> str:
    from assessment.registers.pdf import soffice

    missing = [tool for tool in LIBREOFFICE_TOOLS if shutil.which(tool) is None]
    if soffice() is None:
        missing.insert(0, settings.REGISTER_SOFFICE)
    if missing:
        return (
            f"{', '.join(missing)} not installed (apt-get install libreoffice-calc-nogui poppler-utils fonts-noto-cjk)"
        )
    return ""


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        _missing("DATABASE_URL does not point at PostgreSQL")
    if item.get_closest_marker("libreoffice"):
        reason = _libreoffice_missing()
        if reason:
            _missing(reason)
    if item.get_closest_marker("redis"):
        ok, reason = _redis_available()
        if not ok:
            _missing(reason)


# The rows the migrations leave (unit categories, event standards, sanction types). A transactional test
# (transaction=True, transactional_db, live_server) ends by emptying every table; Django's post_migrate handlers
# then put back the content types and permissions, but not the rows of the data migrations. A serial run never
# noticed: pytest-django runs the transactional tests after all the others. Under pytest-xdist a process may run
# a transactional test and then ordinary ones (worksteal hands an idle process the end of another's list, then
# maybe more from its middle), which would find those tables empty. So the rows are read once, when the test
# database has been made, and put back after each transactional test, with their primary keys: every test
# starts from the migrated database, whatever ran before it.
_REMADE_BY_FLUSH = {"contenttypes.contenttype", "auth.permission"}
_migrated: dict = {}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        rows = (
            row
            for model in apps.get_models()  # many-to-many rows come with their models, as in Django's serializer
            if model._meta.can_migrate(connection) and model._meta.label_lower not in _REMADE_BY_FLUSH
            for row in model._base_manager.order_by("pk")
        )
        _migrated.update(rows=serializers.serialize("json", rows), blocker=django_db_blocker)
    yield
    _migrated.clear()


def _transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences") or any(marker.args[:1])):
        return True
    return bool({"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ())))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    result = yield  # the test's fixtures are torn down: a transactional test has emptied the tables
    if _migrated and nextitem is not None and _transactional(item):
        with _migrated["blocker"].unblock():
            connection.creation.deserialize_db_from_string(_migrated["rows"])
    return result


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
