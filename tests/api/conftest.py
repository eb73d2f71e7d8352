"""The unit of tests/assessment (every role, a filled quarter), seen through the API."""

import pytest
from rest_framework.test import APIClient

from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401


@pytest.fixture
def api():
    """An API client acting as ``user`` (a session, as a browser has), sending JSON unless told otherwise."""

    def _as(user):
        client = APIClient()
        client.default_format = "json"
        client.force_authenticate(user)
        return client

    return _as
