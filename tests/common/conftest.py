from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401
