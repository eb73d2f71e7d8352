from tests.assessment.conftest import cast, decided, during_quarter, quarter, staff  # noqa: F401
from tests.scoring.conftest import period, sheet, templates  # noqa: F401
