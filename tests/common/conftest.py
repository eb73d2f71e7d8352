from tests.assessment.conftest import cast, quarter, staff  # noqa: F401
