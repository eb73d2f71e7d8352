from tests.assessment.conftest import cast, quarter, staff  # noqa: F401
from tests.scoring.conftest import period, sheet, templates  # noqa: F401
